"""The scheduler's jobs: plain functions, each safe to run twice at the same moment.

A job selects due rows through an index, does the work and moves them on in the same
transaction. Two processes cannot act on one case twice: on PostgreSQL the batch is locked
with FOR UPDATE SKIP LOCKED, and everywhere the case is claimed by a compare-and-set on
next_check_at before anything is written; the notifications' unique keys are the last guard.
"""
from datetime import datetime, time, timezone
import logging

from flask import current_app
from sqlalchemy import and_, func, or_, update
from sqlalchemy.orm import joinedload

from app.auth.models import Role, User
from app.auth.queries import HANDLING_ROLES, OFFICE_ROLES, dispatchers, users_with_role
from app.cases import operations as ops
from app.cases.errors import CaseActionError
from app.cases.models import Case, CaseState
from app.core.clock import local_today, utcnow
from app.core.timeutil import format_deadline, local_datetime, to_local
from app.extensions import db
from app.field.reminders import remind_field
from app.assessments.reminders import remind_assessments
from app.areas.reminders import remind_area_analyses
from app.figures.snapshots import take_due_snapshot
from app.intake.tasks import sweep_stale_uploads
from app.media.tasks import sweep_media_files
from app.reminders import queries
from app.reminders.models import Notification
from app.reminders.notify import Message, _clock, dedupe_key, execute_with_arrays, \
    queue_notification, queue_notifications
from app.rating import operations as rating_ops
from app.reminders.timeline import CALLBACK_STATES, Timeline
from app.workdays.calendar import WorkCalendar

log = logging.getLogger(__name__)

BATCH_SIZE = 1000
PHASE_LABEL = {"sign": "签收", "handle": "办理", "rework": "整改", "callback": "差评回访"}


def _is_postgres() -> bool:
    return db.session.get_bind().dialect.name == "postgresql"


def _lead_teams(cases) -> dict[int, list[User]]:
    """Each case's lead team in one query: the assignee if active, else the lead department's
    handlers and head (as app.cases.operations._lead_team, without a query per case)."""
    departments = {c.lead_department_id for c in cases if c.lead_department_id is not None}
    assignees = {c.assignee_id for c in cases if c.assignee_id}
    users = db.session.execute(
        db.select(User).options(joinedload(User.department)).where(User.is_active.is_(True))
        .where(or_(and_(User.department_id.in_(departments), User.role.in_(HANDLING_ROLES)),
                   User.id.in_(assignees)))
        .order_by(User.id)).scalars().all()
    by_id = {user.id: user for user in users}
    by_department = {}
    for user in users:
        if user.role in HANDLING_ROLES:
            by_department.setdefault(user.department_id, []).append(user)
    return {case.id: [by_id[case.assignee_id]] if case.assignee_id in by_id
            else by_department.get(case.lead_department_id, []) for case in cases}


# --- the due cases: reminders, urge, supervise, close -----------------------------------

def remind_due(now: datetime | None = None) -> int:
    """Remind, urge and supervise every running deadline whose next point has passed, and a
    差评's 回访 (reminder, overdue escalation) in whatever open state the case is."""
    return _process_due_cases(now or utcnow(), tuple(s for s in CALLBACK_STATES
                                                     if s is not CaseState.replied))


def close_unrated_cases(now: datetime | None = None) -> int:
    """Close replied cases nobody rated within the configured working days."""
    return _process_due_cases(now or utcnow(), (CaseState.replied,))


# What a tick needs of a case: the timeline's inputs, the recipients', the message's.
DUE_COLUMNS = (Case.id, Case.tracking_no, Case.state, Case.dispatched_at, Case.sign_due_at,
               Case.reply_due_at, Case.replied_at, Case.rated_at, Case.next_check_at,
               Case.complaint_at, Case.callback_due_at, Case.callback_at, Case.rework_due_at,
               Case.rework_feedback_at,
               Case.lead_department_id, Case.assignee_id, Case.urgency, Case.complexity,
               func.substr(Case.content, 1, 60).label("content_head"))


def due_cases_query(now: datetime, states, limit: int = BATCH_SIZE):
    """Cases whose next point has passed, oldest first: an index range scan, never the table."""
    query = (db.select(*DUE_COLUMNS).where(Case.next_check_at <= now, Case.state.in_(states))
             .order_by(Case.next_check_at, Case.id).limit(limit))
    if _is_postgres():
        query = query.with_for_update(skip_locked=True, of=Case)
    return query


def _process_due_cases(now: datetime, states) -> int:
    timeline = Timeline.load()
    fired = 0
    for _batch in range(10_000):  # a bound, not a number we expect to reach
        cases = db.session.execute(due_cases_query(now, states)).all()
        if not cases:
            break
        try:
            fired += _advance_batch(cases, now, timeline)
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
            cases = db.session.execute(due_cases_query(now, states)
                                       .where(Case.id == case_id)).all()
            fired += _advance_batch(cases, now, timeline)
            db.session.commit()
        except Exception:
            db.session.rollback()
            log.exception("scheduler: case id %s failed; it stays due", case_id)
    return fired


def _advance_batch(cases, now: datetime, timeline: Timeline) -> int:
    """Claim the batch's passed points, move next_check_at on, and act on them.

    Reminders are only notifications: they go in one INSERT for the whole batch.
    Escalations change the case, so each goes through its case operation."""
    plans = {}
    for case in cases:
        points = timeline.points(case)
        passed = [p for p in points if case.next_check_at <= p.at <= now]
        later = [p.at for p in points if p.at > now]
        plans[case.id] = (case, passed, min(later) if later else None)
    claimed = claim_cases([(case.id, case.next_check_at, following)
                           for case, _passed, following in plans.values()])
    messages, escalations = [], []
    for case_id in [case_id for case_id in plans if case_id in claimed]:
        case, passed, _following = plans[case_id]
        # After an outage only the latest reminder of each phase is worth sending (a 差评's
        # 回访 runs beside the handling phase); escalations all happen.
        latest = {p.phase: p for p in passed if p.is_reminder}
        messages += [(case, point) for point in latest.values()]
        escalations += [(case_id, p) for p in passed if not p.is_reminder]
    if messages:
        teams = _lead_teams([case for case, _point in messages])
        office = list(dispatchers())
        queue_notifications([_reminder(case, point, timeline,
                                       office if point.phase == "callback" else teams[case.id], now)
                             for case, point in messages], now=now)
    if escalations:
        loaded = {case.id: case for case in db.session.execute(
            db.select(Case).where(Case.id.in_({case_id for case_id, _p in escalations}))
            .execution_options(populate_existing=True)).scalars()}
        for case_id, point in escalations:
            _escalate(loaded[case_id], point, now, timeline)
    return len(messages) + len(escalations)


def claim_cases(claims: list[tuple[int, datetime, datetime | None]]) -> set[int]:
    """Move each case's next_check_at from the value read to the next one; return the ids moved.

    The compare-and-set is the claim: only the process whose update hits the row acts on it,
    so a case another scheduler moved on meanwhile is left alone. PostgreSQL does the batch in
    one UPDATE … FROM unnest(…); SQLite, in-process, one UPDATE per case."""
    if not claims:
        return set()
    if _is_postgres():
        ids, read, following = zip(*claims)
        return set(execute_with_arrays(CLAIM_SQL, {
            "ids": list(ids), "read": [_naive_utc(t) for t in read],
            "following": [_naive_utc(t) for t in following]}).scalars())
    claimed = set()
    for case_id, read, following in claims:
        if db.session.execute(
                update(Case).where(Case.id == case_id, Case.next_check_at == read)
                .values(next_check_at=following)
                .execution_options(synchronize_session=False)).rowcount == 1:
            claimed.add(case_id)
    return claimed


CLAIM_SQL = """
    UPDATE cases SET next_check_at = claim.following
    FROM unnest(CAST(%(ids)b AS integer[]), CAST(%(read)b AS timestamp[]),
                CAST(%(following)b AS timestamp[])) AS claim(id, read, following)
    WHERE cases.id = claim.id AND cases.next_check_at = claim.read
    RETURNING cases.id"""


def _naive_utc(value: datetime | None):
    """A UTC column's stored form (see app.core.types.UTCDateTime), for the raw claim."""
    return value.astimezone(timezone.utc).replace(tzinfo=None) if value else None


def _escalate(case: Case, point, now: datetime, timeline: Timeline):
    due_text = format_deadline(point.deadline, local_today(now)) if point.deadline else ""
    label = PHASE_LABEL.get(point.phase, "")
    try:
        if point.kind == "urge":
            note = (f"已超过签收时限（{due_text}），请尽快签收" if point.phase == "sign"
                    else f"已超过{label}时限（{due_text}），请抓紧{label}并答复")
            ops.urge_case(case, None, note=note, deadline_at=point.deadline, now=now)
        elif point.kind == "supervise":
            note = (f"超过{label}时限（{due_text}）已满{timeline.label('supervise_after')}，"
                    "已挂牌督办")
            ops.supervise_case(case, None, note=note, deadline_at=point.deadline, now=now)
        elif point.kind == "close_unrated":
            ops.close_unrated(case, now=now)
        elif point.kind == "callback_overdue":
            rating_ops.callback_overdue(case, now=now)
        log.info("scheduler: %s on case %s", point.kind, case.tracking_no)
    except CaseActionError as exc:  # the case moved on in a way the timeline did not foresee
        log.warning("scheduler: %s on case %s refused: %s", point.kind, case.tracking_no,
                    exc.message)


def _reminder(case, point, timeline: Timeline, recipients, now: datetime) -> Message:
    label = PHASE_LABEL.get(point.phase, "")
    if point.kind.endswith("_before"):
        headline = f"距{label}时限不足{timeline.label('remind_before')}"
    elif point.kind.endswith("_80"):
        headline = f"{label}时限已用去80%"
    else:
        headline = f"{label}时限已过半"
    link = (f"/office/cases/{case.tracking_no}" if point.phase == "callback"
            else ops.case_link(case))
    return Message(point.kind, recipients, case=case, deadline_at=point.deadline,
                   title=f"{label}提醒 {case.tracking_no}：{headline}",
                   body=f"请在{format_deadline(point.deadline, local_today(now))}完成{label}。{case.content_head}",
                   link=link)


# --- digests -------------------------------------------------------------------------------

def send_digests(now: datetime | None = None) -> int:
    """Each working day a digest per department head; each Monday one for the office."""
    now = now or utcnow()
    today = to_local(now).date()
    at = local_datetime(today, _clock(current_app.config.get("DIGEST_TIME", "08:30")))
    if now < at:
        return 0
    # Keyed on the local date, not on DIGEST_TIME: moving the time during the day sends nothing
    # twice (the key's instant is the day's local midnight).
    day = local_datetime(today, time.min)
    sent = 0
    if WorkCalendar.from_database().is_workday(today):
        sent += _daily_digests(now, day)
    if today.weekday() == 0:
        sent += _weekly_digest(now, day)
    db.session.commit()
    return sent


def _not_yet_sent(kind: str, users, day: datetime):
    keys = {dedupe_key(kind, user.id, None, day): user for user in users}
    if not keys:
        return []
    taken = set(db.session.execute(db.select(Notification.dedupe_key)
                                   .where(Notification.dedupe_key.in_(keys))).scalars())
    return [user for key, user in keys.items() if key not in taken]


def _daily_digests(now, day) -> int:
    heads = [head for head in _not_yet_sent("digest_daily", users_with_role(Role.department_head),
                                            day) if head.department_id is not None]
    summaries = queries.department_summaries({head.department_id for head in heads}, now)
    return len(queue_notifications([Message(
        "digest_daily", [head], deadline_at=day, link="/handling/",
        title=f"每日待办汇总 {to_local(now):%m月%d日}：{summaries[head.department_id].name}",
        body=summaries[head.department_id].text()) for head in heads], now=now))


def _weekly_digest(now, day) -> int:
    office = _not_yet_sent("digest_weekly", users_with_role(*OFFICE_ROLES), day)
    if not office:
        return 0
    summary = queries.office_summary(now)
    return len(queue_notification(
        "digest_weekly", office, deadline_at=day, now=now, link="/office/cases",
        title=f"每周案件汇总 {to_local(now):%m月%d日}", body=summary))


# --- sending -------------------------------------------------------------------------------

def deliver_pending(now: datetime | None = None) -> dict:
    """One delivery run: at most DELIVERY_BATCH of the e-mails and webhook messages whose time
    has come (after their commit)."""
    from app.reminders.delivery import deliver_due
    return deliver_due(now or utcnow())


def send_deliveries(keep_going=lambda: True) -> dict:
    """The scheduler's delivery job: a run, then another while the last one came back full
    (more is due) and `keep_going()` (the scheduler still runs and holds the lock); each run
    at the clock's now. Returns the counts of all its runs."""
    batch = current_app.config["DELIVERY_BATCH"]
    totals = {"runs": 0, "sent": 0, "failed": 0, "unknown": 0}
    while True:
        counts = deliver_pending(utcnow())
        totals["runs"] += 1
        for outcome, count in counts.items():
            totals[outcome] += count
        if sum(counts.values()) < batch or not keep_going():
            return totals


def tick(now: datetime | None = None, deliver: bool = True) -> dict:
    """One scheduler tick: every job in turn; one job failing never stops the others."""
    now = now or utcnow()
    jobs = [remind_due, close_unrated_cases, send_digests, sweep_stale_uploads,
            sweep_media_files, take_due_snapshot, remind_field, remind_assessments,
            remind_area_analyses] + (
        [deliver_pending] if deliver else [])
    results = {}
    for job in jobs:
        try:
            results[job.__name__] = job(now)
        except Exception:
            db.session.rollback()
            log.exception("scheduler: job %s failed", job.__name__)
            results[job.__name__] = "error"
    return results
