"""The scheduler's jobs: plain functions, each safe to run twice at the same moment.

A job selects due rows through an index, does the work and moves them on in the same
transaction. Two processes cannot act on one case twice: on PostgreSQL the batch is locked
with FOR UPDATE SKIP LOCKED, and everywhere the case is claimed by a compare-and-set on
next_check_at before anything is written; the notifications' unique keys are the last guard.
"""
from datetime import datetime
import logging

from flask import current_app
from sqlalchemy import update
from sqlalchemy.orm.attributes import set_committed_value

from app.auth.models import Role
from app.auth.queries import HANDLING_ROLES, OFFICE_ROLES, users_of_department, users_with_role
from app.cases import operations as ops
from app.cases.errors import CaseActionError
from app.cases.models import Case, CaseState
from app.core.timeutil import format_local, local_datetime, to_local
from app.core.types import utcnow
from app.extensions import db
from app.reminders import queries
from app.reminders.models import Notification
from app.reminders.notify import _clock, dedupe_key, queue_notification
from app.reminders.timeline import Timeline
from app.workdays.calendar import WorkCalendar

log = logging.getLogger(__name__)

BATCH_SIZE = 100
PHASE_LABEL = {"sign": "签收", "handle": "办理"}


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


class _Recipients:
    """The people of a tick, looked up once per department rather than once per case."""

    def __init__(self):
        self._departments = {}

    def lead_team(self, case: Case):
        """The assignee if there is one, else the lead department's handlers and head."""
        if case.assignee_id and case.assignee and case.assignee.is_active:
            return [case.assignee]
        key = case.lead_department_id
        if key not in self._departments:
            self._departments[key] = users_of_department(key, *HANDLING_ROLES)
        return self._departments[key]


# --- the due cases: reminders, urge, supervise, close -----------------------------------

def remind_due(now: datetime | None = None) -> int:
    """Remind, urge and supervise every running deadline whose next point has passed."""
    return _process_due_cases(now or utcnow(), (CaseState.dispatched, CaseState.signed))


def close_unrated_cases(now: datetime | None = None) -> int:
    """Close replied cases nobody rated within the configured working days."""
    return _process_due_cases(now or utcnow(), (CaseState.replied,))


def due_cases_query(now: datetime, states, limit: int = BATCH_SIZE):
    """Cases whose next point has passed, oldest first: an index range scan, never the table."""
    query = (db.select(Case).where(Case.next_check_at <= now, Case.state.in_(states))
             .order_by(Case.next_check_at, Case.id).limit(limit))
    if _is_postgres():
        query = query.with_for_update(skip_locked=True, of=Case)
    return query


def _process_due_cases(now: datetime, states) -> int:
    timeline = Timeline.load()
    recipients = _Recipients()
    fired = 0
    for _batch in range(10_000):  # a bound, not a number we expect to reach
        cases = db.session.execute(due_cases_query(now, states)).scalars().all()
        if not cases:
            break
        try:
            for case in cases:
                fired += _advance_case(case, now, timeline, recipients)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("scheduler: a batch of %d due cases failed; retrying one by one",
                          len(cases))
            fired += _process_one_by_one([c.id for c in cases], now, states, timeline)
        if len(cases) < BATCH_SIZE:
            break
    return fired


def _process_one_by_one(case_ids, now, states, timeline) -> int:
    fired = 0
    for case_id in case_ids:
        try:
            case = db.session.execute(due_cases_query(now, states).where(Case.id == case_id)
                                      ).scalar_one_or_none()
            if case is not None:
                fired += _advance_case(case, now, timeline, _Recipients())
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("scheduler: case id %s failed; it stays due", case_id)
    return fired


def _advance_case(case: Case, now: datetime, timeline: Timeline, recipients) -> int:
    """Claim the case's passed points, move next_check_at on, and act on them."""
    previous = case.next_check_at
    points = timeline.points(case)
    passed = [p for p in points if previous <= p.at <= now]
    later = [p.at for p in points if p.at > now]
    following = min(later) if later else None
    # The claim: only the process that moves next_check_at from the value it read may act.
    claimed = db.session.execute(
        update(Case).where(Case.id == case.id, Case.next_check_at == previous)
        .values(next_check_at=following).execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        return 0
    set_committed_value(case, "next_check_at", following)
    # After an outage only the latest reminder is worth sending; escalations all happen.
    reminders = [p for p in passed if p.is_reminder]
    actions = [p for p in passed if not p.is_reminder] + reminders[-1:]
    for point in sorted(actions, key=lambda p: p.at):
        _act(case, point, now, timeline, recipients)
    return len(actions)


def _act(case: Case, point, now: datetime, timeline: Timeline, recipients):
    due_text = format_local(point.deadline) if point.deadline else ""
    label = PHASE_LABEL.get(point.phase, "")
    try:
        if point.is_reminder:
            _remind(case, point, now, timeline, recipients, label, due_text)
        elif point.kind == "urge":
            note = (f"已超过签收时限（{due_text}），请尽快签收" if point.phase == "sign"
                    else f"已超过办理时限（{due_text}），请抓紧办理并答复")
            ops.urge_case(case, None, note=note, deadline_at=point.deadline, now=now)
        elif point.kind == "supervise":
            note = (f"超过{label}时限（{due_text}）已满{timeline.label('supervise_after')}，"
                    "已挂牌督办")
            ops.supervise_case(case, None, note=note, deadline_at=point.deadline, now=now)
        elif point.kind == "close_unrated":
            ops.close_unrated(case, now=now)
        log.info("scheduler: %s on case %s", point.kind, case.tracking_no)
    except CaseActionError as exc:  # the case moved on in a way the timeline did not foresee
        log.warning("scheduler: %s on case %s refused: %s", point.kind, case.tracking_no,
                    exc.message)


def _remind(case, point, now, timeline, recipients, label, due_text):
    if point.kind.endswith("_before"):
        headline = f"距{label}时限不足{timeline.label('remind_before')}"
    elif point.kind.endswith("_80"):
        headline = f"{label}时限已用去80%"
    else:
        headline = f"{label}时限已过半"
    queue_notification(
        point.kind, recipients.lead_team(case), case=case, deadline_at=point.deadline,
        title=f"{label}提醒 {case.tracking_no}：{headline}",
        body=f"请于{due_text}前完成{label}。{case.content[:60]}",
        link=ops.case_link(case), now=now)


# --- digests -------------------------------------------------------------------------------

def send_digests(now: datetime | None = None) -> int:
    """Each working day a digest per department head; each Monday one for the office."""
    now = now or utcnow()
    today = to_local(now).date()
    at = local_datetime(today, _clock(current_app.config.get("DIGEST_TIME", "08:30")))
    if now < at:
        return 0
    sent = 0
    if WorkCalendar.from_database().is_workday(today):
        sent += _daily_digests(now, at)
    if today.weekday() == 0:
        sent += _weekly_digest(now, at)
    db.session.commit()
    return sent


def _not_yet_sent(kind: str, users, at: datetime):
    keys = {dedupe_key(kind, user.id, None, at): user for user in users}
    if not keys:
        return []
    taken = set(db.session.execute(db.select(Notification.dedupe_key)
                                   .where(Notification.dedupe_key.in_(keys))).scalars())
    return [user for key, user in keys.items() if key not in taken]


def _daily_digests(now, at) -> int:
    sent = 0
    for head in _not_yet_sent("digest_daily", users_with_role(Role.department_head), at):
        if head.department_id is None:
            continue
        summary = queries.department_summary(head.department_id, now)
        sent += len(queue_notification(
            "digest_daily", [head], deadline_at=at, now=now, link="/handling/cases",
            title=f"每日待办汇总 {to_local(now):%m月%d日}：{head.department.name}",
            body=summary.text()))
    return sent


def _weekly_digest(now, at) -> int:
    office = _not_yet_sent("digest_weekly", users_with_role(*OFFICE_ROLES), at)
    if not office:
        return 0
    summary = queries.office_summary(now)
    return len(queue_notification(
        "digest_weekly", office, deadline_at=at, now=now, link="/office/cases",
        title=f"每周案件汇总 {to_local(now):%m月%d日}", body=summary))


# --- sending -------------------------------------------------------------------------------

def deliver_pending(now: datetime | None = None) -> dict:
    """Send the e-mails and webhook messages whose time has come (after their commit)."""
    from app.reminders.delivery import deliver_due
    return deliver_due(now or utcnow())


def tick(now: datetime | None = None, deliver: bool = True) -> dict:
    """One scheduler tick: every job in turn; one job failing never stops the others."""
    now = now or utcnow()
    jobs = [remind_due, close_unrated_cases, send_digests] + ([deliver_pending] if deliver else [])
    results = {}
    for job in jobs:
        try:
            results[job.__name__] = job(now)
        except Exception:
            db.session.rollback()
            log.exception("scheduler: job %s failed", job.__name__)
            results[job.__name__] = "error"
    return results
