"""Queue notifications inside the caller's transaction; channels send them after the commit."""
from datetime import datetime

from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from app.core.types import utcnow
from app.extensions import db
from app.reminders.models import Delivery, Notification


def dedupe_key(kind: str, recipient_id: int, case_id: int | None, deadline_at: datetime | None):
    """The identity of a message: the same case, kind, recipient and deadline is sent once."""
    deadline = deadline_at.strftime("%Y%m%dT%H%M%S") if deadline_at else "-"
    return f"{case_id or '-'}:{kind}:{recipient_id}:{deadline}"


def _insert_ignoring_duplicates(values: dict) -> int | None:
    """INSERT … ON CONFLICT DO NOTHING; the new id, or None when the key was taken."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (insert(Notification).values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Notification.id))
    return db.session.execute(stmt).scalar_one_or_none()


def queue_notification(kind: str, recipients, *, title: str, body: str, case=None,
                       deadline_at: datetime | None = None, link: str | None = None,
                       now: datetime | None = None) -> list[int]:
    """Record one notification per recipient unless it exists already; return the new ids."""
    now = now or utcnow()
    created = []
    seen = set()
    for user in recipients:
        if user is None or user.id in seen:
            continue
        seen.add(user.id)
        new_id = _insert_ignoring_duplicates({
            "dedupe_key": dedupe_key(kind, user.id, case.id if case else None, deadline_at),
            "case_id": case.id if case else None, "kind": kind, "recipient_id": user.id,
            "deadline_at": deadline_at, "title": title, "body": body, "link": link,
            "created_at": now,
        })
        if new_id is None:
            continue
        created.append(new_id)
        if user.email and current_app.config.get("SMTP_URL"):
            db.session.add(Delivery(notification_id=new_id, channel="email", target=user.email,
                                    next_attempt_at=now))
    return created
