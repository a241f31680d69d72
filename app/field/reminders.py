"""The scheduler's field job: remind before a plan's period ends with visits still to make,
and before a help measure or a 问题线索 falls due.

Safe to run in two processes at once and again and again: every reminder is a Notification
keyed on (kind, recipient, the period's or due date's end), so the unique key lets one
through per person per period (app/reminders/notify.py)."""
from collections import defaultdict
from datetime import datetime, time, timedelta

from sqlalchemy import select

from app.auth.models import Role
from app.auth.queries import HANDLING_ROLES, users_of_department
from app.core.clock import local_today, utcnow
from app.core.timeutil import local_datetime
from app.extensions import db
from app.field import queries
from app.field.models import HelpMeasure, ItemState, SupervisionFinding
from app.reminders.notify import Message, queue_notifications

REMIND_DAYS_BEFORE = 2  # a period's last 3 days (its end day and the 2 before it)
DUE_DAYS_BEFORE = 3  # a help measure's or a clue's due date and the 3 days before it


def _end_of(day) -> datetime:
    """The instant a day ends (the next local midnight): a reminder's deadline and key."""
    return local_datetime(day + timedelta(days=1), time.min)


def _office_week_messages(today) -> list[Message]:
    period = queries.current_period("office_week", today)
    if period is None or (period.end - today).days > REMIND_DAYS_BEFORE:
        return []
    unvisited = defaultdict(list)
    for status in queries.pair_statuses([period]):
        a = status.assignment
        if not status.visited and a.is_active_on(today) and a.leader.is_active:
            unvisited[a.leader].append(a.enterprise.name)
    return [Message("field_office_week", [leader], deadline_at=_end_of(period.end),
                    link="/field/visits/new",
                    title=f"{period.label}将于{period.end:%m月%d日}结束，尚有{len(names)}家包联企业未走访",
                    body="未走访：" + "、".join(names))
            for leader, names in unvisited.items()]


def _dekad_messages(today) -> list[Message]:
    period = queries.current_period("dekad", today)
    if period is None or (period.end - today).days > REMIND_DAYS_BEFORE:
        return []
    messages = []
    for status in queries.team_statuses([period]):
        if status.made >= queries.TEAM_VISITS_PER_DEKAD or not status.team.is_active_on(today):
            continue
        members = [m.user for m in queries.team_members(status.team, today) if m.user.is_active]
        left = queries.TEAM_VISITS_PER_DEKAD - status.made
        messages.append(Message(
            "field_dekad", members, deadline_at=_end_of(period.end), link="/field/visits/new",
            title=f"{status.team.name}：{period.label}还差{left}次走访（10天3次）",
            body=f"{period.label}至{period.end:%m月%d日}，已走访{status.made}次，请在期末前完成。"))
    return messages


def _owners(department_id, user):
    if user is not None and user.is_active:
        return [user]
    return users_of_department(department_id, Role.department_head) or \
        users_of_department(department_id, *HANDLING_ROLES)


def _due_messages(today) -> list[Message]:
    horizon = today + timedelta(days=DUE_DAYS_BEFORE)
    grouped = defaultdict(list)  # (kind, recipient, due date) → items
    for m in db.session.execute(select(HelpMeasure).where(
            HelpMeasure.state == ItemState.open, HelpMeasure.due_on >= today,
            HelpMeasure.due_on <= horizon)).scalars():
        for user in _owners(m.owner_department_id, m.owner_user):
            grouped[("help_measure_due", user, m.due_on)].append(
                f"{m.enterprise.name}：{m.content[:40]}")
    for f in db.session.execute(select(SupervisionFinding).where(
            SupervisionFinding.state == ItemState.open, SupervisionFinding.due_on >= today,
            SupervisionFinding.due_on <= horizon)).scalars():
        for user in _owners(f.owner_department_id, f.owner_user):
            grouped[("clue_due", user, f.due_on)].append(f.content[:40])
    what = {"help_measure_due": ("一企一策帮扶措施", "/field/plans"),
            "clue_due": ("纪委监委问题线索", "/field/")}
    return [Message(kind, [user], deadline_at=_end_of(due), link=what[kind][1],
                    title=f"{len(items)}项{what[kind][0]}将于{due:%m月%d日}到期",
                    body="；".join(items))
            for (kind, user, due), items in grouped.items()]


def remind_field(now: datetime | None = None) -> int:
    """One run of the field reminders at `now`; returns the notifications created."""
    now = now or utcnow()
    today = local_today(now)
    messages = _office_week_messages(today) + _dekad_messages(today) + _due_messages(today)
    created = queue_notifications(messages, now=now) if messages else []
    db.session.commit()
    return len(created)
