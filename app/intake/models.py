from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from app.cases.models import StoredFile
from app.core.clock import utcnow
from app.core.types import UTCDateTime
from app.extensions import db


class PendingUpload(StoredFile, db.Model):
    """A checked, stored file waiting for its submission (keyed by the form's submission key):
    the public form's (card_id) or a staff form's (user_id: a handler's reply, an office entry).

    Rows live in the database, not on one host's disk, so any app host can finish the
    submission; the bytes are already in media storage. A submission turns them into
    Attachment rows and deletes them; stale ones are swept after a day."""

    __tablename__ = "pending_uploads"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(String(32), unique=True)  # what the page holds
    submission_key: Mapped[str] = mapped_column(String(64), index=True)
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"))  # the public form's
    user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))  # or a staff user's
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class AccessCodeMiss(db.Model):
    """Wrong access codes tried on a tracking number that belongs to no case.

    Counted in the database like a real case's tries (cases.access_failures), so a made-up
    number costs the same work as a real one and locks the same way, whatever cookies the
    visitor keeps: neither the time of an answer nor the lock tells whether a case exists.
    Rows untouched for a day are swept by the intake job."""

    __tablename__ = "access_code_misses"

    tracking_no: Mapped[str] = mapped_column(String(20), primary_key=True)
    failures: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_try_at: Mapped[datetime] = mapped_column(UTCDateTime(), index=True)
