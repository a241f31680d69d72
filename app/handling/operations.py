"""Handler-side changes that are not case actions; flush, never commit."""
from sqlalchemy import update

from app.auth.models import User
from app.core.types import utcnow
from app.extensions import db
from app.reminders.models import Notification


def mark_notifications_read(user: User, now=None) -> None:
    """Mark every unread notification of `user` read (opening the list reads them)."""
    db.session.execute(update(Notification)
                       .where(Notification.recipient_id == user.id, Notification.read_at.is_(None))
                       .values(read_at=now or utcnow()))
