"""The intake domain's scheduled job: sweep uploads of forms nobody submitted."""
from datetime import datetime
import logging

from app.core.clock import utcnow
from app.extensions import db
from app.intake.operations import delete_stale_uploads

log = logging.getLogger(__name__)


def sweep_stale_uploads(now: datetime | None = None) -> int:
    """Delete pending uploads older than PENDING_UPLOAD_MAX_AGE_HOURS, with their files."""
    deleted = delete_stale_uploads(now or utcnow())
    db.session.commit()
    if deleted:
        log.info("scheduler: %d stale pending uploads deleted", deleted)
    return deleted
