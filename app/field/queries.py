"""The field's plans, coverage and figures (docs/mechanisms.md, docs/figures.md).

Plans:
- 一线办公周: the first week of each month = from the 1st to the month's 5th working day
  (the office's work calendar: a holiday such as 国庆 pushes the week on). Every 包联 pair
  is to be visited once in it, with its leader among the visitors.
- 10天3次: each 旬 (上旬 1–10, 中旬 11–20, 下旬 21–month end) every service team makes 3
  visits (visits recorded in the team's name).

A pair (or team) that starts or ends inside a period is planned there only if it was visited
in the days it ran: half a window is no obligation, but a visit made still counts. Periods
count from the first day in the range asked for and only once they have begun."""
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import and_, func, or_, select

from app.auth.models import Role, User
from app.cases.models import Case, CaseState
from app.core.clock import local_today
from app.enterprises.models import Enterprise
from app.extensions import db
from app.field.models import (
    FindingOutcome, HelpMeasure, ItemState, ServiceAssignment, ServiceTeam, SupervisionFinding,
    SupervisionVisit, TeamMembership, Visit, VisitCase, VisitLevel, VisitParticipant,
    running_between)
from app.figures.queries import add_months, period_bounds, truncated_rate
from app.workdays.calendar import WorkCalendar

OFFICE_WEEK_WORKDAYS = 5
TEAM_VISITS_PER_DEKAD = 3
DEKAD_NAMES = ("上旬", "中旬", "下旬")


@dataclass(frozen=True)
class Period:
    kind: str  # "office_week" or "dekad"
    start: date  # first day
    end: date  # last day (inclusive)
    label: str

    def overlaps(self, starts_on: date, ends_on: date | None) -> bool:
        return starts_on <= self.end and (ends_on is None or ends_on >= self.start)

    def covers(self, starts_on: date, ends_on: date | None) -> bool:
        """Whether something running from `starts_on` to `ends_on` runs the whole period."""
        return starts_on <= self.start and (ends_on is None or ends_on >= self.end)


def office_week(year: int, month: int, calendar: WorkCalendar | None = None) -> Period:
    """The month's 一线办公周: its 1st to its 5th working day."""
    calendar = calendar or WorkCalendar.from_database()
    first = day = date(year, month, 1)
    workdays = 0
    while True:
        workdays += calendar.is_workday(day)
        if workdays == OFFICE_WEEK_WORKDAYS or day.month != month:
            break
        day += timedelta(days=1)
    day = min(day, add_months(first, 1) - timedelta(days=1))
    return Period("office_week", first, day, f"{year}年{month}月一线办公周")


def dekads(year: int, month: int) -> list[Period]:
    """The month's three 旬."""
    last = add_months(date(year, month, 1), 1) - timedelta(days=1)
    bounds = [(1, 10), (11, 20), (21, last.day)]
    return [Period("dekad", date(year, month, a), date(year, month, b),
                   f"{year}年{month}月{DEKAD_NAMES[i]}") for i, (a, b) in enumerate(bounds)]


def _months(date_from: date, date_to: date):
    month = date_from.replace(day=1)
    while month < date_to:
        yield month.year, month.month
        month = add_months(month, 1)


def periods(kind: str, date_from: date, date_to: date, today: date | None = None,
            calendar: WorkCalendar | None = None) -> list[Period]:
    """The periods of `kind` whose first day is in [date_from, date_to) and not after today."""
    today = today or local_today()
    calendar = calendar or WorkCalendar.from_database()
    found = []
    for year, month in _months(date_from, date_to):
        candidates = ([office_week(year, month, calendar)] if kind == "office_week"
                      else dekads(year, month))
        found += [p for p in candidates if date_from <= p.start < date_to and p.start <= today]
    return found


def current_period(kind: str, today: date, calendar: WorkCalendar | None = None) -> Period | None:
    """The period of `kind` running on `today`, if any (一线办公周 runs only early in a month)."""
    candidates = ([office_week(today.year, today.month, calendar)] if kind == "office_week"
                  else dekads(today.year, today.month))
    return next((p for p in candidates if p.start <= today <= p.end), None)


@dataclass
class Coverage:
    planned: int = 0
    visited: int = 0

    @property
    def rate(self) -> str | None:
        return truncated_rate(self.visited, self.planned)

    @property
    def display(self) -> str:
        return f"{self.rate}%" if self.rate is not None else "—"

    def as_dict(self) -> dict:
        return {"planned": self.planned, "visited": self.visited, "rate": self.rate}


@dataclass
class PairStatus:
    period: Period
    assignment: ServiceAssignment
    planned: bool
    visited: bool


def pair_statuses(period_list: list[Period]) -> list[PairStatus]:
    """Each 包联 pair of each period: planned, and whether its leader visited it while it ran."""
    if not period_list:
        return []
    first, last = min(p.start for p in period_list), max(p.end for p in period_list)
    assignments = list(db.session.execute(
        select(ServiceAssignment).where(running_between(ServiceAssignment, first, last))
        .order_by(ServiceAssignment.id)).scalars())
    visits = defaultdict(list)  # (enterprise, leader) → the days they visited
    for enterprise_id, user_id, day in db.session.execute(
            select(Visit.enterprise_id, VisitParticipant.user_id, Visit.visited_on)
            .join(VisitParticipant, VisitParticipant.visit_id == Visit.id)
            .where(Visit.visited_on >= first, Visit.visited_on <= last)):
        visits[(enterprise_id, user_id)].append(day)
    statuses = []
    for period in period_list:
        for a in assignments:
            if not period.overlaps(a.starts_on, a.ends_on):
                continue
            visited = any(period.start <= day <= period.end and a.is_active_on(day)
                          for day in visits.get((a.enterprise_id, a.leader_id), ()))
            planned = period.covers(a.starts_on, a.ends_on) or visited
            statuses.append(PairStatus(period, a, planned, visited))
    return statuses


@dataclass
class TeamStatus:
    period: Period
    team: ServiceTeam
    planned: int
    visited: int  # visits counted: at most TEAM_VISITS_PER_DEKAD
    made: int  # visits made


def team_statuses(period_list: list[Period]) -> list[TeamStatus]:
    if not period_list:
        return []
    first, last = min(p.start for p in period_list), max(p.end for p in period_list)
    teams = list(db.session.execute(
        select(ServiceTeam).where(running_between(ServiceTeam, first, last))
        .order_by(ServiceTeam.id)).scalars())
    days = defaultdict(list)
    for team_id, day in db.session.execute(
            select(Visit.team_id, Visit.visited_on).where(
                Visit.team_id.is_not(None), Visit.visited_on >= first, Visit.visited_on <= last)):
        days[team_id].append(day)
    statuses = []
    for period in period_list:
        for team in teams:
            if not period.overlaps(team.starts_on, team.ends_on):
                continue
            made = sum(period.start <= d <= period.end and team.is_active_on(d)
                       for d in days.get(team.id, ()))
            counted = min(made, TEAM_VISITS_PER_DEKAD)
            planned = TEAM_VISITS_PER_DEKAD if period.covers(team.starts_on, team.ends_on) else counted
            statuses.append(TeamStatus(period, team, planned, counted, made))
    return statuses


def leader_coverage(statuses: list[PairStatus]) -> dict[int, Coverage]:
    by_leader = defaultdict(Coverage)
    for s in statuses:
        if s.planned:
            by_leader[s.assignment.leader_id].planned += 1
            by_leader[s.assignment.leader_id].visited += s.visited
    return dict(by_leader)


def team_coverage(statuses: list[TeamStatus]) -> dict[int, Coverage]:
    by_team = defaultdict(Coverage)
    for s in statuses:
        by_team[s.team.id].planned += s.planned
        by_team[s.team.id].visited += s.visited
    return dict(by_team)


def total(coverages) -> Coverage:
    result = Coverage()
    for c in coverages:
        result.planned += c.planned
        result.visited += c.visited
    return result


# --- the figures ---------------------------------------------------------------------------

def _count(statement) -> int:
    return db.session.execute(statement).scalar() or 0


def visits_made(date_from: date, date_to: date):
    """The visits made in [date_from, date_to) local dates (入企走访)."""
    return select(Visit).where(Visit.visited_on >= date_from, Visit.visited_on < date_to)


def field_figures(date_from: date, date_to: date, today: date | None = None) -> dict:
    """The field mechanisms' figures for [date_from, date_to) local dates (docs/figures.md)."""
    today = today or local_today()
    calendar = WorkCalendar.from_database()
    in_range = and_(Visit.visited_on >= date_from, Visit.visited_on < date_to)
    pairs = pair_statuses(periods("office_week", date_from, date_to, today, calendar))
    teams = team_statuses(periods("dekad", date_from, date_to, today, calendar))
    leaders, by_team = leader_coverage(pairs), team_coverage(teams)
    names = dict(db.session.execute(select(User.id, User.display_name)
                                    .where(User.id.in_(list(leaders) or [0]))).all())
    team_names = dict(db.session.execute(select(ServiceTeam.id, ServiceTeam.name)).all())
    by_level = dict(db.session.execute(select(Visit.level, func.count()).where(in_range)
                                       .group_by(Visit.level)).all())
    found = select(Case.state, func.count()).join(VisitCase, VisitCase.case_id == Case.id) \
        .join(Visit, Visit.id == VisitCase.visit_id).where(in_range).group_by(Case.state)
    issue_states = dict(db.session.execute(found).all())
    issues = sum(issue_states.values())
    solved = issue_states.get(CaseState.closed, 0)
    measures_made = and_(HelpMeasure.created_at >= _start(date_from), HelpMeasure.created_at < _start(date_to))
    sv_range = and_(SupervisionVisit.visited_on >= date_from, SupervisionVisit.visited_on < date_to)
    findings = dict(db.session.execute(
        select(SupervisionFinding.outcome, func.count())
        .join(SupervisionVisit, SupervisionVisit.id == SupervisionFinding.visit_id)
        .where(sv_range).group_by(SupervisionFinding.outcome)).all())
    office_week_total, team_total = total(leaders.values()), total(by_team.values())
    return {
        "period": {"from": date_from.isoformat(), "to": date_to.isoformat()},
        "visits": _count(select(func.count()).select_from(visits_made(date_from, date_to).subquery())),
        "visits_by_level": {level.name: by_level.get(level, 0) for level in VisitLevel},
        "office_week_coverage": office_week_total.as_dict(),
        "team_coverage": team_total.as_dict(),
        "visit_issues": issues,
        "visit_issues_solved": solved,
        "visit_issue_resolution": truncated_rate(solved, issues),
        "help_measures": _count(select(func.count()).select_from(HelpMeasure).where(measures_made)),
        "help_measures_done": _count(select(func.count()).select_from(HelpMeasure).where(
            measures_made, HelpMeasure.state == ItemState.done)),
        "help_measures_overdue": _count(select(func.count()).select_from(HelpMeasure).where(
            HelpMeasure.state == ItemState.open, HelpMeasure.due_on < today)),
        "supervision_visits": _count(select(func.count()).select_from(SupervisionVisit).where(sv_range)),
        "supervision_findings": sum(findings.values()),
        "supervision_findings_to_cases": findings.get(FindingOutcome.case, 0),
        "supervision_clues": findings.get(FindingOutcome.clue, 0),
        "supervision_clues_overdue": _count(select(func.count()).select_from(SupervisionFinding).where(
            SupervisionFinding.state == ItemState.open, SupervisionFinding.due_on < today)),
        "by_leader": [{"leader": names.get(i, str(i)), **c.as_dict()}
                      for i, c in sorted(leaders.items(), key=lambda kv: names.get(kv[0], ""))],
        "by_team": [{"team": team_names.get(i, str(i)), **c.as_dict()}
                    for i, c in sorted(by_team.items(), key=lambda kv: team_names.get(kv[0], ""))],
    }


def _start(day: date):
    """The UTC instant of `day`'s local midnight."""
    return period_bounds(day, day + timedelta(days=1))[0]


# --- lists for the pages ---------------------------------------------------------------------

def active_assignments(day: date) -> list[ServiceAssignment]:
    return list(db.session.execute(
        select(ServiceAssignment).join(Enterprise).where(running_between(ServiceAssignment, day))
        .order_by(Enterprise.name)).scalars())


def all_assignments() -> list[ServiceAssignment]:
    """Every pair, running and ended (the history), by enterprise then start."""
    return list(db.session.execute(
        select(ServiceAssignment).join(Enterprise)
        .order_by(Enterprise.name, ServiceAssignment.starts_on.desc())).scalars())


def my_enterprises(user: User, day: date) -> list[Enterprise]:
    """The enterprises a user looks after on `day`: as 包联 leader or liaison."""
    return list(db.session.execute(
        select(Enterprise).join(ServiceAssignment, ServiceAssignment.enterprise_id == Enterprise.id)
        .where(or_(ServiceAssignment.leader_id == user.id, ServiceAssignment.liaison_id == user.id),
               running_between(ServiceAssignment, day))
        .order_by(Enterprise.name).distinct()).scalars())


def key_enterprises() -> list[Enterprise]:
    return list(db.session.execute(select(Enterprise).where(Enterprise.is_key_enterprise.is_(True))
                                   .order_by(Enterprise.name)).scalars())


def teams() -> list[ServiceTeam]:
    return list(db.session.execute(select(ServiceTeam).order_by(
        ServiceTeam.ends_on.is_not(None), ServiceTeam.is_lead.desc(), ServiceTeam.id)).scalars())


def recent_visits(user: User | None = None, limit: int = 100) -> list[Visit]:
    query = select(Visit).order_by(Visit.visited_on.desc(), Visit.id.desc()).limit(limit)
    if user is not None:
        query = query.where(Visit.id.in_(select(VisitParticipant.visit_id)
                                         .where(VisitParticipant.user_id == user.id)))
    return list(db.session.execute(query).scalars())


def help_measures(enterprise_ids=None, open_only=False) -> list[HelpMeasure]:
    query = select(HelpMeasure).order_by(HelpMeasure.state, HelpMeasure.due_on, HelpMeasure.id)
    if enterprise_ids is not None:
        query = query.where(HelpMeasure.enterprise_id.in_(list(enterprise_ids)))
    if open_only:
        query = query.where(HelpMeasure.state == ItemState.open)
    return list(db.session.execute(query).scalars())


def supervision_visits(limit: int = 200) -> list[SupervisionVisit]:
    return list(db.session.execute(select(SupervisionVisit).order_by(
        SupervisionVisit.visited_on.desc(), SupervisionVisit.id.desc()).limit(limit)).scalars())


def open_clues() -> list[SupervisionFinding]:
    return list(db.session.execute(select(SupervisionFinding).where(
        SupervisionFinding.outcome == FindingOutcome.clue)
        .order_by(SupervisionFinding.state, SupervisionFinding.due_on)).scalars())


def supervised_cases(limit: int = 500) -> list[Case]:
    """The cases that reached 挂牌督办 (escalation level 2), newest first: the 纪委监委's list."""
    return list(db.session.execute(select(Case).where(Case.escalation_level >= 2)
                                   .order_by(Case.submitted_at.desc()).limit(limit)).scalars())


SEE_EVERY_VISIT = (Role.admin, Role.dispatcher, Role.supervisor, Role.discipline)


def may_see_visit(user: User, visit: Visit) -> bool:
    """The office and the supervisors see every visit; others those they went on, recorded,
    made in the name of a team they are in, or to an enterprise they look after."""
    if user.role in SEE_EVERY_VISIT or visit.recorded_by_id == user.id:
        return True
    if any(p.user_id == user.id for p in visit.participants):
        return True
    if visit.team is not None and any(m.user_id == user.id for m in visit.team.memberships):
        return True
    return visit.enterprise in my_enterprises(user, local_today())


def team_members(team: ServiceTeam, day: date) -> list[TeamMembership]:
    return [m for m in team.memberships if m.is_active_on(day)]
