"""Queue notifications inside the caller's transaction; channels send them after the commit.

The Notification row is the in-app message (the badge and list in the handler pages). Outside
channels get a Delivery each: an e-mail per recipient with an address (when SMTP_URL is set)
and one webhook message per group robot (WeCom / DingTalk) per call, not one per recipient,
so a department's group sees each reminder once.
"""
from datetime import datetime, time, timedelta

from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from app.core.timeutil import LOCAL_TZ
from app.core.types import utcnow
from app.extensions import db
from app.reminders.models import Delivery, Notification


def dedupe_key(kind: str, recipient_id: int, case_id: int | None, deadline_at: datetime | None):
    """The identity of a message: the same case, kind, recipient and deadline is sent once."""
    deadline = deadline_at.strftime("%Y%m%dT%H%M%S") if deadline_at else "-"
    return f"{case_id or '-'}:{kind}:{recipient_id}:{deadline}"


def _insert_ignoring_duplicates(rows: list[dict]) -> dict[int, int]:
    """One INSERT … ON CONFLICT DO NOTHING for all rows; {recipient_id: new id} of those new."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    stmt = (insert(Notification).values(rows)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(Notification.id, Notification.recipient_id))
    return {recipient_id: new_id for new_id, recipient_id in db.session.execute(stmt)}


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def quiet_hours_end(now: datetime, config=None) -> datetime:
    """`now`, or the end of the quiet hours (08:30 local by default) when `now` is inside them."""
    config = config or current_app.config
    start = _clock(config.get("QUIET_HOURS_START", "22:00"))
    end = _clock(config.get("QUIET_HOURS_END", "08:30"))
    if start == end:
        return now
    local = now.astimezone(LOCAL_TZ)
    clock = local.time()
    if start > end:  # the usual case: the quiet hours span midnight
        quiet = clock >= start or clock < end
    else:
        quiet = start <= clock < end
    if not quiet:
        return now
    day = local.date() if clock < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=LOCAL_TZ).astimezone(now.tzinfo)


def is_urgent(case) -> bool:
    if case is None:
        return False
    return case.urgency.name == "urgent" or (case.complexity is not None
                                              and case.complexity.name == "urgent")


def webhook_url_for(user, config=None) -> str | None:
    """The group robot for a recipient: their department's, else the default WEBHOOK_URL."""
    urls = (config or current_app.config).get("WEBHOOK_URLS") or {}
    department = user.department
    if department is not None:
        url = urls.get(department.code) or department.webhook_url
        if url:
            return url
    return urls.get("*")


def queue_notification(kind: str, recipients, *, title: str, body: str, case=None,
                       deadline_at: datetime | None = None, link: str | None = None,
                       now: datetime | None = None) -> list[int]:
    """Record one notification per recipient unless it exists already; return the new ids."""
    now = now or utcnow()
    config = current_app.config
    # Nobody is paged at night for a non-urgent case: outside channels wait for the morning.
    send_at = now if is_urgent(case) else quiet_hours_end(now, config)
    smtp = bool(config.get("SMTP_URL"))
    users = list({user.id: user for user in recipients if user is not None}.values())
    if not users:
        return []
    case_id = case.id if case else None
    new_ids = _insert_ignoring_duplicates([{
        "dedupe_key": dedupe_key(kind, user.id, case_id, deadline_at), "case_id": case_id,
        "kind": kind, "recipient_id": user.id, "deadline_at": deadline_at, "title": title,
        "body": body, "link": link, "created_at": now} for user in users])
    created, deliveries, webhooks_queued = [], [], set()
    for user in users:  # in the callers' order, so the first new recipient carries the robot
        new_id = new_ids.get(user.id)
        if new_id is None:
            continue  # already sent: the key was taken
        created.append(new_id)
        if user.email and smtp:
            deliveries.append({"notification_id": new_id, "channel": "email",
                               "target": user.email, "next_attempt_at": send_at})
        url = webhook_url_for(user, config)
        if url and url not in webhooks_queued:
            webhooks_queued.add(url)
            deliveries.append({"notification_id": new_id, "channel": "webhook", "target": url,
                               "next_attempt_at": send_at})
    if deliveries:
        db.session.execute(db.insert(Delivery), deliveries)
    return created
