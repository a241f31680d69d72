"""Handler-side changes that are not case actions; flush, never commit."""
from sqlalchemy import update

from app.auth.models import User
from app.core.clock import utcnow
from app.extensions import db
from app.reminders.models import Notification


def mark_notifications_read(user: User, now=None, notification_id: int | None = None) -> None:
    """Mark `user`'s unread notifications read: all of them, or only `notification_id`."""
    query = (update(Notification)
             .where(Notification.recipient_id == user.id, Notification.read_at.is_(None)))
    if notification_id is not None:
        query = query.where(Notification.id == notification_id)
    db.session.execute(query.values(read_at=now or utcnow()))
