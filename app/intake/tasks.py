"""The intake domain's scheduled job: sweep uploads of forms nobody submitted."""
from datetime import datetime
import logging

from app.core.clock import utcnow
from app.extensions import db
from app.intake.operations import delete_stale_uploads, forget_old_code_misses

log = logging.getLogger(__name__)


def sweep_stale_uploads(now: datetime | None = None) -> int:
    """Delete pending uploads older than PENDING_UPLOAD_MAX_AGE_HOURS (their files go with the
    media sweep), and wrong-code counts of made-up numbers untried for a day."""
    now = now or utcnow()
    deleted = delete_stale_uploads(now)
    misses = forget_old_code_misses(now)
    db.session.commit()
    if deleted:
        log.info("scheduler: %d stale pending uploads deleted", deleted)
    if misses:
        log.info("scheduler: wrong-code counts of %d unknown tracking numbers forgotten", misses)
    return deleted
