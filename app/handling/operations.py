"""Handler-side changes that are not case actions; flush, never commit."""
from sqlalchemy import update

from app.auth.models import User
from app.core.clock import utcnow
from app.extensions import db
from app.reminders.models import Notification


def mark_notifications_read(user: User, now=None, notification_id: int | None = None,
                            case_id: int | None = None) -> int:
    """Mark `user`'s unread notifications read: all of them, only `notification_id`, or only
    those about `case_id`. Returns how many were marked."""
    query = (update(Notification)
             .where(Notification.recipient_id == user.id, Notification.read_at.is_(None)))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    if case_id is not None:
        query = query.where(Notification.case_id == case_id)
    return db.session.execute(query.values(read_at=now or utcnow())).rowcount
