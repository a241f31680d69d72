"""Queue notifications inside the caller's transaction; channels send them after the commit.

The Notification row is the in-app message (the badge and list in the handler pages). Outside
channels get a Delivery each: an e-mail per recipient with an address (when SMTP_URL is set)
and one webhook message per group robot (WeCom / DingTalk) per call, not one per recipient,
so a department's group sees each reminder once.
"""
from dataclasses import dataclass
from datetime import datetime, time, timedelta

from flask import current_app

from app.core.clock import utcnow
from app.core.timeutil import LOCAL_TZ
from app.extensions import db
from app.reminders.models import Delivery, DeliveryStatus, Notification


def dedupe_key(kind: str, recipient_id: int, case_id: int | None, deadline_at: datetime | None):
    """The identity of a message: the same case, kind, recipient and deadline is sent once."""
    deadline = deadline_at.strftime("%Y%m%dT%H%M%S") if deadline_at else "-"
    return f"{case_id or '-'}:{kind}:{recipient_id}:{deadline}"


SQLITE_CHUNK = 1000  # rows per SQLite INSERT: 9 parameters each stays under its 32,766


def execute_with_arrays(sql: str, arrays: dict[str, list]):
    """Run PostgreSQL `sql` whose %(name)b parameters are whole columns, sent as binary arrays.

    A batch statement then has a few parameters whatever its row count, so neither SQLAlchemy
    nor the server parses thousands of them, and binary arrays skip the text format's quoting
    (7× faster for 2,000 rows). Only on the session's own connection: it is in its transaction."""
    return db.session.connection().exec_driver_sql(sql, arrays)


def _bulk_insert(model, rows: list[dict], *, returning=(), skip_duplicate_of=None):
    """Insert rows (all with the same keys) in one statement, optionally ON CONFLICT DO NOTHING.

    Written as driver SQL on both databases: SQLAlchemy does not cache its dialect-specific
    ON CONFLICT constructs, and compiling one cost ~0.4 ms of every public submission (two
    notification rows). PostgreSQL gets `INSERT … SELECT * FROM unnest(<one array per
    column>)`; SQLite, in-process, multi-row VALUES a thousand rows at a time."""
    if not rows:
        return []
    table = model.__table__
    columns = [table.c[name] for name in rows[0]]
    dialect = db.session.get_bind().dialect
    bound = []  # each column's values as the driver takes them (UTC to naive, enum to name)
    for column in columns:
        process = column.type.bind_processor(dialect)
        bound.append([process(row[column.name]) if process else row[column.name] for row in rows])
    names = ", ".join(column.name for column in columns)
    tail = ""
    if skip_duplicate_of:
        tail += f" ON CONFLICT ({skip_duplicate_of}) DO NOTHING"
    if returning:
        tail += f" RETURNING {', '.join(returning)}"
    if dialect.name == "postgresql":
        arrays, casts = {}, []
        for i, (column, values) in enumerate(zip(columns, bound)):
            arrays[f"c{i}"] = values
            casts.append(f"CAST(%(c{i})b AS {column.type.compile(dialect)}[])")
        result = execute_with_arrays(
            f"INSERT INTO {table.name} ({names}) SELECT * FROM unnest({', '.join(casts)}){tail}",
            arrays)
        return result.all() if returning else []
    found = []
    placeholders = f"({', '.join('?' for _ in columns)})"
    for start in range(0, len(rows), SQLITE_CHUNK):
        chunk = list(zip(*(values[start:start + SQLITE_CHUNK] for values in bound)))
        result = db.session.connection().exec_driver_sql(
            f"INSERT INTO {table.name} ({names}) VALUES "
            f"{', '.join([placeholders] * len(chunk))}{tail}",
            tuple(value for row in chunk for value in row))
        if returning:
            found += result.all()
    return found


def _clock(value: str) -> time:
    hours, minutes = value.split(":")
    return time(int(hours), int(minutes))


def quiet_hours_end(now: datetime, config=None) -> datetime:
    """`now`, or the end of the quiet hours (08:30 local by default) when `now` is inside them."""
    config = config or current_app.config
    return quiet_end(now, config.get("QUIET_HOURS_START", "22:00"),
                     config.get("QUIET_HOURS_END", "08:30"))


def quiet_end(now: datetime, start_text: str, end_text: str) -> datetime:
    """`now`, or the end of the quiet hours `start_text`–`end_text` ("HH:MM", local) when
    `now` is inside them."""
    start, end = _clock(start_text), _clock(end_text)
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


@dataclass
class Message:
    """One event to a list of people: a notification each, deliveries per channel."""
    kind: str
    recipients: list
    title: str
    body: str
    case: object = None  # a Case, or any row with id, urgency and complexity
    deadline_at: datetime | None = None
    link: str | None = None


def queue_notification(kind: str, recipients, *, title: str, body: str, case=None,
                       deadline_at: datetime | None = None, link: str | None = None,
                       now: datetime | None = None) -> list[int]:
    """Record one notification per recipient unless it exists already; return the new ids."""
    return queue_notifications([Message(kind, recipients, title, body, case, deadline_at, link)],
                               now=now)


def queue_notifications(messages: list[Message], now: datetime | None = None) -> list[int]:
    """Queue many messages at once: one INSERT for their notifications, one executemany for
    their deliveries, whatever their number (the scheduler's batch); return the new ids."""
    now = now or utcnow()
    config = current_app.config
    smtp = bool(config.get("SMTP_URL"))
    quiet_end = quiet_hours_end(now, config)
    rows, planned, seen = [], [], set()
    for message in messages:
        users = list({user.id: user for user in message.recipients
                      if user is not None}.values())
        case_id = message.case.id if message.case is not None else None
        keys = []
        for user in users:
            key = dedupe_key(message.kind, user.id, case_id, message.deadline_at)
            keys.append(key)
            if key in seen:  # the same message twice in one call: one row, one delivery
                keys[-1] = None
                continue
            seen.add(key)
            rows.append({"dedupe_key": key, "case_id": case_id, "kind": message.kind,
                         "recipient_id": user.id, "deadline_at": message.deadline_at,
                         "title": message.title, "body": message.body, "link": message.link,
                         "created_at": now})
        planned.append((message, users, keys))
    if not rows:
        return []
    new_ids = {key: new_id for new_id, key in _bulk_insert(
        Notification, rows, returning=("id", "dedupe_key"), skip_duplicate_of="dedupe_key")}
    created, deliveries = [], []
    for message, users, keys in planned:
        # Nobody is paged at night for a non-urgent case: outside channels wait for the morning.
        send_at = now if is_urgent(message.case) else quiet_end
        webhooks_queued = set()
        # In the callers' order, so the first new recipient carries the robot.
        for user, key in zip(users, keys):
            new_id = new_ids.get(key)
            if new_id is None:
                continue  # already sent: the key was taken
            created.append(new_id)
            if user.email and smtp:
                deliveries.append(_delivery(new_id, "email", user.email, send_at))
            url = webhook_url_for(user, config)
            if url and url not in webhooks_queued:
                webhooks_queued.add(url)
                deliveries.append(_delivery(new_id, "webhook", url, send_at))
    _bulk_insert(Delivery, deliveries)
    return created


def _delivery(notification_id: int, channel: str, target: str, send_at: datetime) -> dict:
    return {"notification_id": notification_id, "channel": channel, "target": target,
            "status": DeliveryStatus.pending, "attempts": 0, "next_attempt_at": send_at}
