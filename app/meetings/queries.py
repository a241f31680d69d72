"""What a meeting's agenda is made of, the meetings' lists, and the meetings' figures.

The agenda's selection rules (docs/mechanisms.md) are each one condition below; the overdue
rule is the one overdue_condition every list and figure shares (app/cases/queries.py)."""
from datetime import date, datetime, timedelta

from flask import abort
from sqlalchemy import and_, case as sql_case, func, or_, select

from app.cases.models import OPEN_STATES, AuditEvent, Case, CaseSource, CaseState, Rating
from app.cases.queries import overdue_condition
from app.core.clock import local_today, utcnow
from app.core.timeutil import local_datetime
from app.core.types import is_id
from app.extensions import db
from app.figures import queries as figures_queries
from app.meetings.models import AgendaItem, AgendaReason, Meeting, MeetingIssue, MeetingType
from app.settings.operations import setting_value
from app.workdays.calendar import WorkCalendar

# Setting: a case with no change of state for more than this many working days is 久拖未决.
STUCK_SETTING = "meeting_stuck_workdays"
STUCK_DEFAULT = 10
STUCK_MAX = 120
# The first meeting of a type looks this far back for 差评 and for its department figures.
FIRST_LOOKBACK = timedelta(days=30)
UNSATISFIED = (Rating.dissatisfied, Rating.very_dissatisfied)
# A meeting type that reviews one channel only: 12345周调度 looks at the hotline's cases.
TYPE_SOURCES = {"hotline_weekly": (CaseSource.hotline,)}
# Not yet settled: still open, or answered and waiting for the rating.
UNSETTLED = tuple(s for s in CaseState if s not in (CaseState.closed, CaseState.invalid))
DEPARTMENT_FIGURES = ("received", "closure", "on_time_closure", "overdue_now", "reopened",
                      "satisfaction")


def meeting_types(active_only=True) -> list[MeetingType]:
    query = select(MeetingType).order_by(MeetingType.sort_order, MeetingType.id)
    if active_only:
        query = query.where(MeetingType.is_active)
    return list(db.session.execute(query).scalars())


def meeting_type_by_code(code) -> MeetingType | None:
    if not isinstance(code, str):
        return None
    return db.session.execute(select(MeetingType).filter_by(code=code)).scalar_one_or_none()


def get_meeting(meeting_id) -> Meeting | None:
    return db.session.get(Meeting, int(meeting_id)) if is_id(meeting_id) else None


def get_meeting_or_404(meeting_id) -> Meeting:
    meeting = get_meeting(meeting_id)
    if meeting is None:
        abort(404)
    return meeting


def meetings(type_id: int | None = None, limit: int = 200) -> list[Meeting]:
    query = select(Meeting).order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(limit)
    if type_id:
        query = query.where(Meeting.type_id == type_id)
    return list(db.session.execute(query).scalars())


def stuck_workdays() -> int:
    value = setting_value(STUCK_SETTING)
    return int(value) if value and value.isdecimal() else STUCK_DEFAULT


def previous_meeting(meeting: Meeting) -> Meeting | None:
    """The latest earlier meeting of the same type (by date, then by entry order)."""
    return db.session.execute(
        select(Meeting).where(
            Meeting.type_id == meeting.type_id, Meeting.id != meeting.id,
            or_(Meeting.held_on < meeting.held_on,
                and_(Meeting.held_on == meeting.held_on, Meeting.id < meeting.id)))
        .order_by(Meeting.held_on.desc(), Meeting.id.desc()).limit(1)).scalar_one_or_none()


def since_date(meeting: Meeting, previous: Meeting | None) -> date:
    """The first day the meeting reviews: the previous meeting's day, or 30 days back."""
    if previous is not None:
        return previous.held_on
    return max(meeting.held_on - FIRST_LOOKBACK, figures_queries.DATE_MIN)


def meeting_case_ids(meeting: Meeting) -> list[int]:
    """The cases a meeting dealt with: the issues it assigned and the agenda items it kept."""
    issued = select(MeetingIssue.case_id).where(MeetingIssue.meeting_id == meeting.id)
    kept = select(AgendaItem.case_id).where(AgendaItem.meeting_id == meeting.id,
                                            AgendaItem.case_id.is_not(None),
                                            AgendaItem.is_dropped.is_(False))
    return list(db.session.execute(issued.union(kept)).scalars())


def _ids(*conditions) -> list[int]:
    return list(db.session.execute(select(Case.id).where(*conditions).order_by(Case.id)).scalars())


def stuck_cutoff(now: datetime, workdays: int, calendar: WorkCalendar) -> datetime:
    """The instant before which a last change of state is more than `workdays` working days
    ago: the start of the latest day from which more than `workdays` working days run up to
    today (today not counted, as in WorkCalendar.workdays_between)."""
    day, counted = local_today(now), 0
    while counted <= workdays:
        day -= timedelta(days=1)
        if calendar.is_workday(day):
            counted += 1
    return local_datetime(day + timedelta(days=1), datetime.min.time())


def stuck_case_ids(scope, now: datetime, workdays: int, calendar: WorkCalendar) -> list[int]:
    """Open cases whose last change of state is more than `workdays` working days ago."""
    open_ids = select(Case.id).where(Case.state.in_(OPEN_STATES), *scope)
    last_change = (select(AuditEvent.case_id, func.max(AuditEvent.created_at).label("at"))
                   .where(AuditEvent.to_state.is_not(None), AuditEvent.case_id.in_(open_ids))
                   .group_by(AuditEvent.case_id).subquery())
    return list(db.session.execute(
        select(Case.id).outerjoin(last_change, last_change.c.case_id == Case.id)
        .where(Case.id.in_(open_ids),
               func.coalesce(last_change.c.at, Case.submitted_at) < stuck_cutoff(now, workdays, calendar))
        .order_by(Case.id)).scalars())


def unsatisfied_case_ids(scope, since: datetime, now: datetime) -> list[int]:
    """Cases rated unsatisfied (差评) in [since, now), whatever became of them since."""
    rows = db.session.execute(
        select(AuditEvent.case_id, AuditEvent.data).join(Case, Case.id == AuditEvent.case_id)
        .where(AuditEvent.action == "rate", AuditEvent.created_at >= since,
               AuditEvent.created_at < now, *scope)
        .order_by(AuditEvent.case_id)).all()
    unsatisfied = {r.name for r in UNSATISFIED}
    return list(dict.fromkeys(case_id for case_id, data in rows
                              if (data or {}).get("rating") in unsatisfied))


def agenda_candidates(meeting: Meeting, now: datetime | None = None) -> dict[int, list[AgendaReason]]:
    """Every case the agenda's rules select, with the rules it meets, in the agenda's order:
    the previous meeting's unsettled cases, overdue, escalated, 差评 since the previous
    meeting, 重办, and open cases stuck more than N working days."""
    now = now or utcnow()
    previous = previous_meeting(meeting)
    since = local_datetime(since_date(meeting, previous), datetime.min.time())
    sources = TYPE_SOURCES.get(meeting.type.code)
    scope = [Case.source.in_(sources)] if sources else []
    found: dict[int, list[AgendaReason]] = {}

    def add(reason, ids):
        for case_id in ids:
            found.setdefault(case_id, []).append(reason)

    if previous is not None:
        earlier = meeting_case_ids(previous)
        if earlier:
            add(AgendaReason.previous_open, _ids(Case.id.in_(earlier), Case.state.in_(UNSETTLED)))
    add(AgendaReason.overdue, _ids(overdue_condition(now), *scope))
    add(AgendaReason.escalated, _ids(Case.escalation_level > 0, Case.state.in_(OPEN_STATES), *scope))
    add(AgendaReason.unsatisfied, unsatisfied_case_ids(scope, since, now))
    add(AgendaReason.reopened, _ids(Case.reopen_count > 0, Case.state.in_(OPEN_STATES), *scope))
    add(AgendaReason.stuck, stuck_case_ids(scope, now, stuck_workdays(),
                                           WorkCalendar.from_database()))
    return found


def department_figures(meeting: Meeting, now: datetime | None = None) -> dict:
    """Per-department figures of the cases submitted since the previous meeting (its day
    included) up to the meeting's day (included): the figures of docs/figures.md."""
    previous = previous_meeting(meeting)
    date_from = since_date(meeting, previous)
    date_to = max(meeting.held_on, date_from) + timedelta(days=1)
    return figures_queries.compute_figures(date_from, date_to, by="department", now=now,
                                           with_median=False, names=DEPARTMENT_FIGURES)


def previous_issues(meeting: Meeting) -> tuple[Meeting | None, list[MeetingIssue]]:
    """The previous meeting of the type and the issues it assigned (each with its case)."""
    previous = previous_meeting(meeting)
    return previous, list(previous.issues) if previous else []


def active_items(meeting: Meeting) -> list[AgendaItem]:
    return [item for item in meeting.agenda_items if not item.is_dropped]


# --- figures ---------------------------------------------------------------------------------

def held_between(date_from: date, date_to: date):
    """Meetings held in [date_from, date_to): the condition every meeting figure uses."""
    return and_(Meeting.held_on >= date_from, Meeting.held_on < date_to)


def meetings_held(date_from: date, date_to: date, type_code: str | None = None):
    """The meetings held in the period (of one type when `type_code` is given)."""
    query = select(Meeting).join(MeetingType, MeetingType.id == Meeting.type_id) \
        .where(held_between(date_from, date_to))
    return query.where(MeetingType.code == type_code) if type_code else query


def issue_cases(date_from: date, date_to: date, type_code: str | None = None):
    """The cases of the issues those meetings assigned (交办问题), one per issue."""
    return (select(Case).join(MeetingIssue, MeetingIssue.case_id == Case.id)
            .where(MeetingIssue.meeting_id.in_(
                meetings_held(date_from, date_to, type_code).with_only_columns(Meeting.id))))


def meeting_figures(date_from: date, date_to: date) -> dict:
    """Per meeting type for meetings held in [date_from, date_to): meetings held, issues
    assigned, issues solved (the issue's case 已办结) and still open (docs/figures.md)."""
    issues = (select(MeetingIssue.meeting_id, func.count().label("assigned"),
                     func.sum(case_when(Case.state == CaseState.closed)).label("solved"),
                     func.sum(case_when(Case.state.in_(OPEN_STATES))).label("open"))
              .join(Case, Case.id == MeetingIssue.case_id)
              .group_by(MeetingIssue.meeting_id).subquery())
    rows = db.session.execute(
        select(MeetingType.code, MeetingType.name, func.count(Meeting.id),
               func.coalesce(func.sum(issues.c.assigned), 0),
               func.coalesce(func.sum(issues.c.solved), 0),
               func.coalesce(func.sum(issues.c.open), 0))
        .select_from(MeetingType)
        .outerjoin(Meeting, and_(Meeting.type_id == MeetingType.id,
                                 held_between(date_from, date_to)))
        .outerjoin(issues, issues.c.meeting_id == Meeting.id)
        .group_by(MeetingType.id, MeetingType.code, MeetingType.name, MeetingType.sort_order)
        .order_by(MeetingType.sort_order, MeetingType.id)).all()
    groups = []
    for code, name, held, assigned, solved, still_open in rows:
        assigned, solved = int(assigned), int(solved)
        groups.append({"type": code, "label": name, "meetings_held": int(held),
                       "issues_assigned": assigned, "issues_solved": solved,
                       "issues_open": int(still_open),
                       "solved_rate": figures_queries.truncated_rate(solved, assigned)})
    totals = {key: sum(g[key] for g in groups)
              for key in ("meetings_held", "issues_assigned", "issues_solved", "issues_open")}
    totals["solved_rate"] = figures_queries.truncated_rate(totals["issues_solved"],
                                                           totals["issues_assigned"])
    return {"totals": totals, "by_type": groups}


def case_when(condition):
    """1 where `condition` holds, else 0: the summand of a conditional count."""
    return sql_case((condition, 1), else_=0)
