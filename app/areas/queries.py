"""The monthly area analysis, read: the areas and their categories, each area's case figures
for a month (app/figures/queries.py with the `area` filter), the monitoring points' input,
and the month's requests."""
from dataclasses import dataclass, field
from datetime import date, datetime

from sqlalchemy import exists, or_, select

from app.areas.models import (NO_AREA, UNMAPPED_LABEL, AnalysisArea, AreaAnalysis,
                              AreaCategory, MonitoringPoint)
from app.auth.models import User
from app.cases.models import Case
from app.core.clock import utcnow
from app.core.types import is_id
from app.extensions import db
from app.field.models import Visit, VisitParticipant
from app.figures import queries as figures

# The figures of each area, as the figures module defines them (docs/figures.md).
AREA_FIGURES = ("received", "closure", "on_time_closure", "satisfaction")
CLOSED = "closure"  # its numerator: the closed cases
MONTH_FORMAT = "%Y-%m"


def areas(active_only: bool = False) -> list[AnalysisArea]:
    query = select(AnalysisArea).order_by(AnalysisArea.sort_order, AnalysisArea.id)
    if active_only:
        query = query.where(AnalysisArea.is_active.is_(True))
    return list(db.session.execute(query).scalars())


def mapping() -> dict[int, int]:
    """{category id: area id} of every mapped category."""
    return dict(db.session.execute(select(AreaCategory.category_id, AreaCategory.area_id)).all())


def area_condition(value):
    """The figures' `area` filter: the cases of an area's categories; `none` (NO_AREA) the
    cases whose category no area holds (未归类)."""
    mapped = select(AreaCategory.category_id)
    if value == NO_AREA:
        return Case.category_id.not_in(mapped)
    if not is_id(value):
        raise ValueError(f"not an id: {value!r}")
    return Case.category_id.in_(mapped.where(AreaCategory.area_id == int(value)))


def valid_month(text: str | None) -> str | None:
    """'YYYY-MM' when it is a real month in the figures' range, else None."""
    try:
        first = datetime.strptime(text or "", MONTH_FORMAT).date()
    except ValueError:
        return None
    return f"{first:{MONTH_FORMAT}}" if figures.date_in_range(first) and len(text) == 7 else None


@dataclass
class AreaRow:
    """One area's month: its figures, the monitoring points' input, the analysis."""
    key: str  # the `area` filter value: an id, or NO_AREA
    label: str
    area: AnalysisArea | None
    figures: dict
    point_cases: list = field(default_factory=list)
    point_visits: list = field(default_factory=list)
    analysis: AreaAnalysis | None = None


def _point_enterprises():
    return select(MonitoringPoint.enterprise_id)


def point_cases(month: str, key: str, limit: int | None = None) -> list[Case]:
    """The cases monitoring-point enterprises submitted in the month in the area (as the
    figures count them: invalid ones left out)."""
    start, end = figures.period_bounds(*figures.month_bounds(month))
    query = (select(Case).where(*figures.base_conditions(start, end, {"area": key}),
                                Case.enterprise_id.in_(_point_enterprises()))
             .order_by(Case.submitted_at, Case.id))
    return list(db.session.execute(query.limit(limit) if limit else query).scalars())


def point_visits(month: str, department_id: int | None) -> list[Visit]:
    """The visits made in the month to monitoring-point enterprises by the department: its
    user recorded the visit or went on it."""
    if department_id is None:
        return []
    first, after = figures.month_bounds(month)
    by_department = or_(
        Visit.recorded_by_id.in_(select(User.id).where(User.department_id == department_id)),
        exists().where(VisitParticipant.visit_id == Visit.id,
                       VisitParticipant.user_id == User.id,
                       User.department_id == department_id))
    return list(db.session.execute(
        select(Visit).where(Visit.visited_on >= first, Visit.visited_on < after,
                            Visit.enterprise_id.in_(_point_enterprises()), by_department)
        .order_by(Visit.visited_on, Visit.id)).scalars())


def month_rows(month: str, now: datetime | None = None, *, with_input: bool = True,
               only_area: int | None = None) -> list[AreaRow]:
    """Every active area of the month (and areas retired since that were requested), then
    未归类: the figures of each from the shared figure definitions, filtered by area."""
    now = now or utcnow()
    date_from, date_to = figures.month_bounds(month)
    analyses = {a.area_id: a for a in requests_of(month)}
    shown = [a for a in areas() if a.is_active or a.id in analyses]
    rows = []
    for area in shown:
        if only_area is not None and area.id != only_area:
            continue
        rows.append(AreaRow(str(area.id), area.name, area, {}, analysis=analyses.get(area.id)))
    if only_area is None:
        rows.append(AreaRow(NO_AREA, UNMAPPED_LABEL, None, {}))
    for row in rows:
        row.figures = figures.compute_figures(
            date_from, date_to, now=now, filters={"area": row.key}, with_median=False,
            names=AREA_FIGURES)["figures"]
        if with_input and row.area is not None:
            row.point_cases = point_cases(month, row.key)
            department = row.analysis.department_id if row.analysis else row.area.department_id
            row.point_visits = point_visits(month, department)
    return rows


def requests_of(month: str) -> list[AreaAnalysis]:
    return list(db.session.execute(
        select(AreaAnalysis).join(AnalysisArea).where(AreaAnalysis.month == month)
        .order_by(AnalysisArea.sort_order, AnalysisArea.id)).scalars())


@dataclass
class MonthSummary:
    month: str
    total: int
    submitted: int
    overdue: int
    due_on: date


def requested_months(today: date) -> list[MonthSummary]:
    """The months the office has requested analyses for, newest first, with their states."""
    rows = db.session.execute(select(AreaAnalysis).order_by(AreaAnalysis.month.desc())).scalars()
    months: dict[str, list[AreaAnalysis]] = {}
    for analysis in rows:
        months.setdefault(analysis.month, []).append(analysis)
    return [MonthSummary(month, len(items),
                         sum(a.state(today) == "submitted" for a in items),
                         sum(a.state(today) == "overdue" for a in items),
                         max(a.due_on for a in items))
            for month, items in months.items()]


def open_requests(department_id: int | None) -> list[AreaAnalysis]:
    """A department's requests not yet answered, soonest due first (its to-do)."""
    if department_id is None:
        return []
    return list(db.session.execute(
        select(AreaAnalysis).where(AreaAnalysis.department_id == department_id,
                                   AreaAnalysis.submitted_at.is_(None))
        .order_by(AreaAnalysis.due_on, AreaAnalysis.id)).scalars())


def department_requests(department_id: int) -> list[AreaAnalysis]:
    return list(db.session.execute(
        select(AreaAnalysis).where(AreaAnalysis.department_id == department_id)
        .order_by(AreaAnalysis.month.desc(), AreaAnalysis.id)).scalars())


def unanswered_requests() -> list[AreaAnalysis]:
    return list(db.session.execute(
        select(AreaAnalysis).where(AreaAnalysis.submitted_at.is_(None))
        .order_by(AreaAnalysis.due_on, AreaAnalysis.id)).scalars())


def monitoring_points() -> list[MonitoringPoint]:
    from app.enterprises.models import Enterprise
    return list(db.session.execute(
        select(MonitoringPoint).join(Enterprise).order_by(Enterprise.name)).scalars())
