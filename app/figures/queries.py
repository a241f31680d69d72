"""The figures of DESIGN §5, computed in SQL — the one source for the dashboard, API, CLI and export.

Every figure is a pair of predicates over the cases table (numerator, denominator), each
defined ONCE below as a SQLAlchemy expression. The aggregates SUM(CASE WHEN predicate ...)
and the drill-down lists (`case_ids_for`) are both built from those same expressions, so a
link can never list a different set of cases than its number counts.
"""
from dataclasses import dataclass
from operator import add
from datetime import date, datetime, time, timedelta, timezone
from typing import Callable

from sqlalchemy import (and_, bindparam, case as sql_case, func, literal, null, or_, select,
                        union_all)

from app.cases.models import (AuditEvent, Case, CaseSource, CaseState, Category,
                              SATISFIED_RATINGS)
from app.cases.queries import overdue_condition
from app.core.clock import utcnow
from app.core.timeutil import LOCAL_TZ
from app.core.types import is_id  # noqa: F401  (views check drill-down ids with it)
from app.settings.closure_basis import CLOSURE_BASES, closure_basis
from app.departments.models import Department
from app.enterprises.models import Enterprise
from app.extensions import db

GROUP_KEYS = ("department", "category", "source", "enterprise", "township", "month")
HANDLED_STATES = (CaseState.replied, CaseState.closed)
EMPTY = "—"


@dataclass(frozen=True)
class Figure:
    name: str
    label: str
    numerator: Callable[[datetime], object]
    denominator: Callable[[datetime], object] | None = None  # None: a plain count

    @property
    def is_rate(self):
        return self.denominator is not None


# --- the predicates, each defined once --------------------------------------------------------

def received(now):
    """Every valid case of the period (the period and validity are the base WHERE)."""
    return literal(True)


def closed(now):
    return Case.state == CaseState.closed


def replied(now):
    """At least one reply visible to the submitter (answer_now sets first_replied_at too)."""
    return Case.first_replied_at.is_not(None)


def sign_judged(now):
    """Dispatched cases whose signing can be judged: signed, or unsigned past the deadline.

    An unsigned case the department returned in time is not judged (it answered by returning);
    one returned after its sign deadline without signing counts as late, so returning late
    cannot be used to escape the figure."""
    unsigned_late = and_(
        Case.signed_at.is_(None), Case.sign_due_at.is_not(None),
        or_(and_(Case.state == CaseState.dispatched, Case.sign_due_at < now),
            and_(Case.state == CaseState.returned, Case.returned_at > Case.sign_due_at)))
    return or_(and_(Case.signed_at.is_not(None), Case.sign_due_at.is_not(None)), unsigned_late)


def signed_on_time(now):
    return and_(Case.signed_at.is_not(None), Case.sign_due_at.is_not(None),
                Case.signed_at <= Case.sign_due_at)


def closed_on_time(now):
    """Closed, and the latest reply no later than the (extended) handling deadline.

    Cases answered at intake (answer_now) have no handling deadline: they count as on time."""
    return and_(Case.state == CaseState.closed,
                or_(Case.reply_due_at.is_(None), Case.replied_at <= Case.reply_due_at))


def closure_due(now):
    """应办结: closed, or not yet closed and past the handling deadline while with a department
    or awaiting the rating. Cases with the office (待受理, 已退回) are not due."""
    return or_(Case.state == CaseState.closed,
               and_(Case.state.in_((CaseState.dispatched, CaseState.signed, CaseState.replied)),
                    Case.reply_due_at < now))


def closure_denominator(now):
    """办结率's denominator, as the office set it (app.settings.closure_basis)."""
    return closure_due(now) if closure_basis() == "due" else received(now)


def reply_due(now):
    """Replies due (应答复): answered (待评价, 已办结), or with a department and past the handling
    deadline without an answer. Answered at intake counts as answered."""
    return or_(Case.state.in_((CaseState.replied, CaseState.closed)),
               and_(Case.state.in_((CaseState.dispatched, CaseState.signed)),
                    Case.reply_due_at < now))


def replied_on_time(now):
    """Answered, the latest reply no later than the (extended or reopening) handling deadline;
    answered at intake has no deadline and is on time, as for 按期办结率."""
    return and_(Case.state.in_((CaseState.replied, CaseState.closed)),
                or_(Case.reply_due_at.is_(None), Case.replied_at <= Case.reply_due_at))


def closed_late(now):
    """逾期办结: closed, the latest reply after the handling deadline (closure − on-time closure)."""
    return and_(Case.state == CaseState.closed, Case.reply_due_at.is_not(None),
                Case.replied_at > Case.reply_due_at)


def rated(now):
    """满意率's denominator: the latest rating, unless an upheld appeal set it aside (申诉复核)."""
    return and_(Case.rating.is_not(None), Case.rating_excluded.is_(False))


def satisfied(now):
    return and_(Case.rating.in_(SATISFIED_RATINGS), Case.rating_excluded.is_(False))


def rated_any(now):
    """参评: the enterprise rated the case at least once (a set-aside rating included)."""
    return Case.rating.is_not(None)


def complained(now):
    """Cases with a 差评 that started the loop (回访, 整改, 追评)."""
    return Case.complaint_at.is_not(None)


def callback_due(now):
    """差评 whose 回访 is due: called back, or its 回访 deadline passed."""
    return and_(complained(now), or_(Case.callback_at.is_not(None), Case.callback_due_at < now))


def called_back(now):
    return and_(complained(now), Case.callback_at.is_not(None))


def rework_due(now):
    """差评 whose 整改 is due: 整改反馈 given, or the 整改 deadline passed."""
    return and_(complained(now), or_(Case.rework_feedback_at.is_not(None),
                                     Case.rework_due_at < now))


def reworked_on_time(now):
    return and_(complained(now), Case.rework_feedback_at.is_not(None),
                Case.rework_feedback_at <= Case.rework_due_at)


def appeal_upheld(now):
    """Cases with a 差评 set aside by an upheld appeal (申诉复核成立)."""
    return Case.appeals_upheld > 0


def overdue_now(now):
    """Open and past its sign deadline (unsigned) or its handling deadline at `now`."""
    return overdue_condition(now)


def counted_from_events(now):
    """Not a predicate over the period's cases: 退回 and 回退率 count events by when they were
    made (`events_made`). Kept so these figures have their place and label like the others."""
    raise TypeError("counted from events: use events_made()")


def extended(now):
    return Case.extension_count > 0


def reopened(now):
    return Case.reopen_count > 0


def handled(now):
    """Dispatched and currently answered: the cases behind the median handling time."""
    # The states are written into the SQL, not bound: PostgreSQL can then match the partial
    # index ix_cases_handled even in a generic (prepared) plan.
    states = bindparam("handled_states", list(HANDLED_STATES), expanding=True,
                       literal_execute=True)
    return and_(Case.dispatched_at.is_not(None), Case.replied_at.is_not(None),
                Case.state.in_(states))


FIGURES = {f.name: f for f in [
    Figure("received", "受理量", received),
    Figure("closure", "办结率", closed, closure_denominator),
    Figure("on_time_sign", "按期签收率", signed_on_time, sign_judged),
    Figure("reply", "回复率", replied, received),
    Figure("on_time_closure", "按期办结率", closed_on_time, closed),
    Figure("on_time_reply", "按期答复率", replied_on_time, reply_due),
    Figure("closed_late", "逾期办结", closed_late),
    Figure("satisfaction", "满意率", satisfied, rated),
    Figure("overdue_now", "当前逾期", overdue_now),
    Figure("returned", "退回", counted_from_events),
    Figure("return_rate", "回退率", counted_from_events, counted_from_events),
    Figure("extended", "延期", extended),
    Figure("reopened", "重办", reopened),
    # The 差评 loop (issue 20; docs/figures.md)
    Figure("participation", "参评率", rated_any, replied),
    Figure("callback_rate", "差评回访率", called_back, callback_due),
    Figure("rework_on_time", "差评整改按期率", reworked_on_time, rework_due),
    Figure("reopen_rate", "重办率", reopened, replied),
    Figure("appeals_upheld", "申诉复核成立", appeal_upheld),
]}
# Figures counted from case events by when they were made, not from the period's cases:
# figure → (numerator's action, denominator's action or None). They take no part in the
# one-pass aggregates and are counted by `events_made`.
EVENT_FIGURES = {"returned": ("return", None), "return_rate": ("return", "dispatch")}
# The 差评 loop's figures: on the dashboard (their own row), in the API, the CLI's JSON and the
# ledger; the monthly report's headline table keeps the figures of DESIGN §5.
LOOP_FIGURES = ("participation", "callback_rate", "rework_on_time", "reopen_rate",
                "appeals_upheld")
HEADLINE = ("received", "closure", "on_time_sign", "reply", "on_time_reply", "on_time_closure",
            "satisfaction")
MEDIAN = "median_handling_hours"
MEDIAN_LABEL = "办理时长中位数（工作日小时）"


# --- periods, truncation ----------------------------------------------------------------------

# The dates a period may use: wide enough for any real ledger, narrow enough that time-zone
# arithmetic never leaves the calendar (year 1 or 9999 overflows).
DATE_MIN, DATE_MAX = date(2000, 1, 1), date(2100, 12, 31)
DATE_RANGE_MESSAGE = f"日期应在{DATE_MIN.isoformat()}至{DATE_MAX.isoformat()}之间"


def date_in_range(day: date) -> bool:
    return DATE_MIN <= day <= DATE_MAX


def period_bounds(date_from: date, date_to: date) -> tuple[datetime, datetime]:
    """[from 00:00 local, to 00:00 local) as aware UTC instants."""
    if not (DATE_MIN <= date_from and date_to <= DATE_MAX + timedelta(days=1)):
        raise ValueError(DATE_RANGE_MESSAGE)
    start = datetime.combine(date_from, time(0), tzinfo=LOCAL_TZ).astimezone(timezone.utc)
    end = datetime.combine(date_to, time(0), tzinfo=LOCAL_TZ).astimezone(timezone.utc)
    return start, end


def rate_hundredths(numerator: int, denominator: int) -> int | None:
    """numerator ÷ denominator as a percentage in hundredths, truncated (integer arithmetic);
    None for an empty denominator."""
    if not denominator:
        return None
    return numerator * 10000 // denominator


def hundredths_text(points: int) -> str:
    """Hundredths as the two-decimal text every rate and score is shown with (6666 → "66.66")."""
    return f"{points // 100}.{points % 100:02d}"


def truncated_rate(numerator: int, denominator: int) -> str | None:
    """A percentage truncated (never rounded) to two decimals, by integer arithmetic."""
    points = rate_hundredths(numerator, denominator)
    return None if points is None else hundredths_text(points)


def figure_value(figure: Figure, numerator: int, denominator: int | None) -> dict:
    if not figure.is_rate:
        return {"label": figure.label, "kind": "count", "numerator": numerator,
                "denominator": None, "rate": None, "display": str(numerator)}
    rate = truncated_rate(numerator, denominator)
    return {"label": figure.label, "kind": "rate", "numerator": numerator,
            "denominator": denominator, "rate": rate,
            "display": f"{rate}%" if rate is not None else EMPTY}


# --- filters and groupings --------------------------------------------------------------------

def dialect_name():
    return db.session.get_bind().dialect.name


def month_starts(start: datetime, end: datetime) -> list[tuple[str, datetime]]:
    """('YYYY-MM', first instant) of every local month that [start, end) touches."""
    first = start.astimezone(LOCAL_TZ).date().replace(day=1)
    months = []
    while True:
        instant = period_bounds(first, first)[0]
        if instant >= end:
            return months
        months.append((f"{first:%Y-%m}", instant))
        first = add_months(first, 1)


def base_conditions(start: datetime, end: datetime, filters: dict | None = None) -> list:
    """Cases submitted in [start, end), invalid excluded, narrowed by `filters`."""
    return [Case.submitted_at >= start, Case.submitted_at < end,
            Case.state != CaseState.invalid, *filter_conditions(filters)]


def filter_conditions(filters: dict | None) -> list:
    """The conditions of `filters` alone (empty values ignored)."""
    return [_filter_condition(key, value) for key, value in (filters or {}).items()
            if value is not None and value != ""]


def _id(value) -> int:
    if not is_id(value):
        raise ValueError(f"not an id: {value!r}")
    return int(value)


# The `department` filter value of the cases no department leads (the league table's last row).
NO_DEPARTMENT = "none"
# The `channel` filter: 群众反馈问题 (the work summary's received/closed) are the cases that came
# in by scanning a QR code — an enterprise's card or a hall card (「您码上说，我马上办」).
CHANNELS = {"qr": (CaseSource.card, CaseSource.hall)}
CHANNEL_LABELS = {"qr": "群众反馈问题（企业码、大厅码）"}


def _filter_condition(key, value):
    if key == "department":
        if value == NO_DEPARTMENT:
            return Case.lead_department_id.is_(None)
        return Case.lead_department_id == _id(value)
    if key == "category":
        return Case.category_id == _id(value)
    if key == "source":
        return Case.source == (value if isinstance(value, CaseSource) else CaseSource[value])
    if key == "channel":
        return Case.source.in_(CHANNELS[value])
    if key == "enterprise":
        return Case.enterprise_id == _id(value)
    if key == "township":
        return Case.enterprise_id.in_(
            select(Enterprise.id).where(Enterprise.township_id == _id(value)))
    if key == "leader":  # a package leader sees the figures of his enterprises
        return Case.enterprise_id.in_(
            select(Enterprise.id).where(Enterprise.package_leader_id == _id(value)))
    if key == "month":
        month_start, month_end = period_bounds(*month_bounds(str(value)))
        return and_(Case.submitted_at >= month_start, Case.submitted_at < month_end)
    if key == "area":  # 营商环境月分析: the categories an area holds (app/areas)
        from app.areas.queries import area_condition
        return area_condition(value)
    raise ValueError(f"unknown filter {key!r}")


def _group_column(by: str):
    """The column a grouping other than by month groups on (months: `_raw_months`)."""
    if by == "department":
        return Case.lead_department_id
    if by == "category":
        return Case.category_id
    if by == "source":
        return Case.source
    if by == "enterprise":
        return Case.enterprise_id
    if by == "township":
        return Enterprise.township_id
    raise ValueError(f"unknown grouping {by!r}; one of {', '.join(GROUP_KEYS)}")


def _group_labels(by: str, keys) -> dict:
    keys = [k for k in keys if k is not None]
    if by in ("department", "township"):
        rows = db.session.execute(select(Department.id, Department.name)
                                  .where(Department.id.in_(keys))).all()
        return dict(rows)
    if by == "category":
        return dict(db.session.execute(select(Category.id, Category.name)
                                       .where(Category.id.in_(keys))).all())
    if by == "enterprise":
        return dict(db.session.execute(select(Enterprise.id, Enterprise.name)
                                       .where(Enterprise.id.in_(keys))).all())
    if by == "source":
        return {k: k.label for k in keys}
    return {k: k for k in keys}


# Cases no department leads: pending acceptance (待受理) and those answered at intake.
NO_GROUP_LABEL = {"department": "未派发（待受理或当即答复）", "category": "未分类", "source": "未知",
                  "enterprise": "未关联企业", "township": "未关联乡镇", "month": "—"}


def _case_names(names) -> tuple:
    """The figures among `names` that are predicates over the period's cases."""
    return tuple(name for name in names if name not in EVENT_FIGURES)


def _aggregates(now, names):
    columns = []
    for name in _case_names(names):
        figure = FIGURES[name]
        columns.append(func.sum(sql_case((figure.numerator(now), 1), else_=0)).label(f"{name}__n"))
        if figure.is_rate:
            columns.append(func.sum(sql_case((figure.denominator(now), 1), else_=0))
                           .label(f"{name}__d"))
    return columns


def _counts(row, names) -> dict[str, tuple[int, int | None]]:
    """{figure: (numerator, denominator)} from one aggregate row (a Row or its mapping)."""
    mapping = getattr(row, "_mapping", row)
    return {name: (int(mapping[f"{name}__n"] or 0),
                   int(mapping[f"{name}__d"] or 0) if FIGURES[name].is_rate else None)
            for name in _case_names(names)}


def _values(counts: dict) -> dict:
    return {name: figure_value(FIGURES[name], n, d) for name, (n, d) in counts.items()}


def events_made(action: str, start, end, filters=None, by: str | None = None):
    """The cases with an `action` event (return, dispatch) made in [start, end), as a SELECT.

    退回 is `return`, one definition for every view: the cases returned in the period — by
    when the return was made. The `department` filter names the department of the event (the
    department that returned the case, or the one it was dispatched to), not the case's
    current lead: a department head's 退回 are the returns his department made. A `month`
    filter is the month the event was made in; the other filters narrow the cases as for
    every figure, and invalid cases are left out. A case with two such events by the same
    department in the period is one case. Without `by` the SELECT lists the case ids (the
    drill-down); with `by` it counts distinct cases per group (by department: per event's
    department, so a case returned by two departments counts for both)."""
    conditions = [AuditEvent.action == action, AuditEvent.department_id.is_not(None),
                  AuditEvent.created_at >= start, AuditEvent.created_at < end,
                  Case.state != CaseState.invalid]
    if action == "return":  # only such cases have return events: few rows to look up
        conditions.append(Case.return_count > 0)
    for key, value in (filters or {}).items():
        if value is None or value == "":
            continue
        if key == "department":
            conditions.append(AuditEvent.department_id == (
                None if value == NO_DEPARTMENT else _id(value)))
        elif key == "month":
            month_start, month_end = period_bounds(*month_bounds(str(value)))
            conditions += [AuditEvent.created_at >= month_start, AuditEvent.created_at < month_end]
        else:
            conditions.append(_filter_condition(key, value))
    joined = select(Case.id).join(AuditEvent, AuditEvent.case_id == Case.id)
    if by is None:
        return joined.where(*conditions).distinct()
    column = AuditEvent.department_id if by == "department" else _group_column(by)
    statement = joined.with_only_columns(column.label("group_key"),
                                         func.count(func.distinct(Case.id)))
    if by == "township":
        statement = statement.outerjoin(Enterprise, Enterprise.id == Case.enterprise_id)
    return statement.where(*conditions).group_by(column)


def events_counted(action: str, start, end, filters=None, by: str | None = None,
                   live=None):
    """How many cases `events_made` lists (with `by`: per group), counted without DISTINCT.

    Each `return`/`dispatch` event carries the time of the case's previous event of the same
    action (`previous_at`) and of the previous one of the same department
    (`previous_department_at`), kept by a trigger (migration 0110). A case with such events in
    the period is counted by exactly one of them: the first of the period, the one whose
    previous event is before the period's start (or which has none) — so the count is a plain
    range count, equal to the distinct cases. Per department (and within a `department`
    filter) the previous event of the same department decides. Without case filters the
    count is read from the index alone (ix_audit_events_action_created_at), less the events
    of invalid cases (few); with them, from the events joined to their cases.

    Returns (sign, statement) pairs whose counts add up. `live` (no case filter, by None or
    department): the ranges of [start, end) not covered by stored months — the index is read
    only within them; the stored months' counts (rollup.stored_events, invalid cases left
    out) are added by the caller."""
    previous, low = AuditEvent.previous_at, start
    events = [AuditEvent.action == action, AuditEvent.department_id.is_not(None),
              AuditEvent.created_at >= start, AuditEvent.created_at < end]
    cases = []
    for key, value in (filters or {}).items():
        if value is None or value == "":
            continue
        if key == "department":
            previous = AuditEvent.previous_department_at
            events.append(AuditEvent.department_id == (
                None if value == NO_DEPARTMENT else _id(value)))
        elif key == "month":
            month_start, month_end = period_bounds(*month_bounds(str(value)))
            events += [AuditEvent.created_at >= month_start, AuditEvent.created_at < month_end]
            low = max(low, month_start)
        else:
            cases.append(_filter_condition(key, value))
    # Per department the previous event of the same department decides; it is never later
    # than the case's previous event of any department, so the rows of the group's count
    # include those of the total's, and one statement gives both (the second column).
    first = or_(previous.is_(None), previous < low)
    if by == "department":
        previous = AuditEvent.previous_department_at
    events.append(or_(previous.is_(None), previous < low))
    grouping = [] if by is None else [
        AuditEvent.department_id if by == "department" else _group_column(by)]
    key = grouping[0] if grouping else null()

    def statement(*conditions, joined=True):
        query = select(key.label("group_key"), func.count(),
                       func.sum(sql_case((first, 1), else_=0))).select_from(AuditEvent)
        if joined:
            query = query.join(Case, Case.id == AuditEvent.case_id)
            if by == "township":
                query = query.outerjoin(Enterprise, Enterprise.id == Case.enterprise_id)
        return query.where(*events, *conditions).group_by(*grouping)
    if cases or by not in (None, "department"):
        assert live is None, "stored months count no case filter"
        return [(1, statement(Case.state != CaseState.invalid, *cases))]
    if live is None:
        return [(1, statement(joined=False)), (-1, statement(Case.state == CaseState.invalid))]
    statements = []
    for low, high in live:
        within = (AuditEvent.created_at >= low, AuditEvent.created_at < high)
        statements += [(1, statement(*within, joined=False)),
                       (-1, statement(*within, Case.state == CaseState.invalid))]
    return statements


def _counted(statements) -> tuple[dict, int]:
    """({group key: cases}, the period's cases) of `events_counted`'s (sign, statement)s."""
    groups, total = {}, 0
    for sign, statement in statements:
        for key, count, first in db.session.execute(statement):
            groups[key] = groups.get(key, 0) + sign * count
            total += sign * int(first or 0)
    return {key: count for key, count in groups.items() if count}, total


def _events_count(action, start, end, filters) -> int:
    return _counted(events_counted(action, start, end, filters))[1]


def _events_grouped(action, by, start, end, filters) -> dict:
    """{group key: cases with such an event in the period} (months: by the event's month)."""
    if by == "month":
        counts = {}
        for label, at in month_starts(start, end):
            month_end = period_bounds(*month_bounds(label))[1]
            count = _events_count(action, max(at, start), min(month_end, end), filters)
            if count:
                counts[label] = count
        return counts
    return _counted(events_counted(action, start, end, filters, by=by))[0]


def _events_by_department(start, end, filters, names) -> tuple[dict, dict]:
    """({action: cases}, {action: {department: cases}}) of the event figures among `names`,
    from one statement (set) per action."""
    from app.figures import rollup
    totals, groups = {}, {}
    # Closed months' stored counts (app/figures/rollup.py), the rest of the period live.
    months = rollup.event_months(start, end) if rollup.department_only(filters) else []
    live = rollup.live_ranges(start, end, months) if months else None
    for action in _event_actions(names):
        groups[action], totals[action] = _counted(
            events_counted(action, start, end, filters, by="department", live=live))
        if months:
            stored, total = rollup.stored_events(action, months, start, filters)
            totals[action] += total
            for key, count in stored.items():
                groups[action][key] = groups[action].get(key, 0) + count
            groups[action] = {key: count for key, count in groups[action].items() if count}
    return totals, groups


def _event_actions(names) -> set:
    return {action for name in names if name in EVENT_FIGURES
            for action in EVENT_FIGURES[name] if action}


def _event_counts(counted: dict, names, key=None) -> dict:
    """{figure: (numerator, denominator)} of the event figures among `names`, from
    {action: count} (or {action: {group key: count}} with `key`)."""
    def get(action):
        value = counted[action]
        return value if key is _TOTAL else value.get(key, 0)
    return {name: (get(num), get(den) if den else None)
            for name, (num, den) in EVENT_FIGURES.items() if name in names}


_TOTAL = object()


# --- the median handling time -----------------------------------------------------------------

def median_handling(start, end, filters, now, count: int | None = None) -> dict:
    """Median working hours from dispatch to the latest reply over the handled cases.

    Each case's handling time is fixed when it is answered (`Case.handling_seconds`, set by
    reply_to_case with the working-day calendar of that moment), so the median is a sort of
    one column: percentile_cont on PostgreSQL; on SQLite, which has no percentile function,
    the one or two middle rows by ORDER BY … LIMIT/OFFSET once the count is known (`count`,
    when the caller has counted the handled cases already)."""
    from app.figures import rollup
    if rollup.department_only(filters):  # closed months' histograms (app/figures/rollup.py)
        months = rollup.stored_months(start, end, now)
        if months:
            return median_figure(*rollup.stored_median(start, end, filters, now, months))
    where = (*base_conditions(start, end, filters), handled(now))
    seconds = Case.handling_seconds
    if dialect_name() == "postgresql":
        count, median = db.session.execute(select(
            func.count(), func.percentile_cont(0.5).within_group(seconds)).where(*where)).one()
    else:
        if count is None:
            count = db.session.execute(select(func.count()).where(*where)).scalar_one()
        median = None
        if count:
            middle = db.session.execute(select(seconds).where(*where).order_by(seconds)
                                        .offset((count - 1) // 2)
                                        .limit(2 - count % 2)).scalars().all()
            median = sum(middle) / len(middle)
    return median_figure(count, median)


def median_figure(count: int, median) -> dict:
    """The figure for `count` handled cases whose median handling time is `median` seconds."""
    figure = {"label": MEDIAN_LABEL, "kind": "duration", "numerator": count,
              "denominator": None, "rate": None, "hours": None, "display": EMPTY}
    if not count:
        return figure
    # An even count takes the mean of the two middle values, then whole seconds, then hours
    # truncated to two decimals like every other figure.
    centi_hours = int(median) * 100 // 3600
    figure["hours"] = f"{centi_hours // 100}.{centi_hours % 100:02d}"
    figure["display"] = f"{figure['hours']} 小时"
    return figure


# --- the public interface ---------------------------------------------------------------------

def compute_figures(date_from: date, date_to: date, by: str | None = None, now=None,
                    filters: dict | None = None, with_median: bool = True,
                    names: tuple[str, ...] | None = None) -> dict:
    """Every figure of DESIGN §5 for [date_from, date_to) local, optionally grouped by `by`.

    `names` limits the figures computed (the dashboard's charts need only a few). With `by`,
    the totals are the sums of the groups' counts — the groups partition the cases — so a
    grouping costs one statement, not two."""
    now = now or utcnow()
    names = tuple(names or FIGURES)
    start, end = period_bounds(date_from, date_to)
    if by:
        raw_groups = _raw_groups(by, start, end, filters, now, names)
        totals = _sum_counts(raw_groups.values(), names)
    else:
        statement = (select(*_aggregates(now, names)).select_from(Case)
                     .where(*base_conditions(start, end, filters)))
        totals = _counts(db.session.execute(statement).one(), names)
    counted = None
    if by == "department":
        event_totals, counted = _events_by_department(start, end, filters, names)
        totals.update(_event_counts(event_totals, names, _TOTAL))
    else:
        totals.update(_event_totals(start, end, filters, names))
    median = median_handling(start, end, filters, now) if with_median else None
    return _result(date_from, date_to, filters, now, names, by, totals,
                   raw_groups if by else None, median, counted)


def _event_totals(start, end, filters, names) -> dict:
    """The totals of the event figures among `names` (never summed from groups: a case
    returned by two departments is one case of the total)."""
    counted = {action: _events_count(action, start, end, filters)
               for action in _event_actions(names)}
    return _event_counts(counted, names, _TOTAL)


def _result(date_from, date_to, filters, now, names, by, totals, raw_groups, median,
            counted=None) -> dict:
    start, end = period_bounds(date_from, date_to)
    figures = _values({name: totals[name] for name in names if name in totals})  # FIGURES' order
    if "closure" in figures:  # the chosen denominator, printed under the figure everywhere
        basis = closure_basis()
        figures["closure"].update(basis=basis, note=CLOSURE_BASES[basis])
    if median is not None:
        figures[MEDIAN] = median
    result = {"period": {"from": date_from.isoformat(), "to": date_to.isoformat(),
                         "to_exclusive": True, "timezone": str(LOCAL_TZ),
                         "start_utc": start.isoformat(), "end_utc": end.isoformat()},
              "filters": {k: (v.name if isinstance(v, CaseSource) else v)
                          for k, v in (filters or {}).items() if v not in (None, "")},
              "figures": figures}
    if by:
        result["by"] = by
        result["groups"] = _groups(by, raw_groups, start, end, filters, names, counted)
    return result


def _sum_counts(groups, names) -> dict:
    """The counts of several groups added up, figure by figure."""
    groups = list(groups)
    return {name: (sum(g[name][0] for g in groups),
                   sum(g[name][1] for g in groups) if FIGURES[name].is_rate else None)
            for name in _case_names(names)}


def _raw_groups(by, start, end, filters, now, names) -> dict:
    if by == "month":
        return _raw_months(start, end, filters, now, names)
    column = _group_column(by).label("group_key")
    statement = select(column, *_aggregates(now, names)).select_from(Case)
    if by == "township":
        statement = statement.outerjoin(Enterprise, Enterprise.id == Case.enterprise_id)
    statement = statement.where(*base_conditions(start, end, filters)).group_by(column)
    return {row.group_key: _counts(row, names) for row in db.session.execute(statement)}


def _raw_months(start, end, filters, now, names) -> dict:
    """By local month: one aggregate per month's range, UNION ALL, in one statement.

    Each month is a plain range of the index, so no per-row month expression and no sort or
    hash of the period's rows by month; a month without cases has no group, as in GROUP BY."""
    from app.figures import rollup
    from app.figures.models import FigureMonthCount
    months = month_starts(start, end)
    bounds = [max(at, start) for _label, at in months] + [end]
    stored = rollup.stored_months(start, end, now) if rollup.usable(filters) else []
    kept = {month.month for month in stored}
    parts = [select(literal(label).label("group_key"), func.count().label("rows"),
                    *_aggregates(now, names)).select_from(Case)
             .where(*base_conditions(low, high, filters))
             for (label, _at), low, high in zip(months, bounds, bounds[1:]) if label not in kept]
    rows = [row._mapping for row in db.session.execute(
        union_all(*parts) if len(parts) > 1 else parts[0])] if parts else []
    if stored:  # closed months pre-aggregated (app/figures/rollup.py)
        labels = {month.id: month.month for month in stored}
        rows += [{**row._mapping, "group_key": labels[row.group_key]} for row in db.session.execute(
            rollup.stored_sums(stored, [FigureMonthCount.month_id.label("group_key")], filters,
                               names, (func.sum(FigureMonthCount.received).label("rows"),)))]
    return {row["group_key"]: _counts(row, names) for row in rows if row["rows"]}


CUBE_KEYS = ("department", "category", "source")


def _cube(start, end, filters, now, names) -> tuple[dict, int]:
    """Counts grouped by department, by category and by source, and the handled cases, in one pass.

    One GROUP BY over (department, category, source) reads the period once; the three
    groupings are its roll-ups (each partitions the cases, so the sums are exact) — a few
    thousand rows at most, added up in Python."""
    from app.figures import rollup
    from app.figures.models import FigureMonthCount
    keys = [_group_column(by).label(by) for by in CUBE_KEYS]
    handled_count = func.sum(sql_case((handled(now), 1), else_=0)).label("handled")
    # Closed months pre-aggregated (app/figures/rollup.py), the rest of the period live.
    stored = rollup.stored_months(start, end, now) if rollup.usable(filters) else []
    rows = []
    for low, high in rollup.live_ranges(start, end, stored):
        rows += db.session.execute(
            select(*keys, *_aggregates(now, names), handled_count).select_from(Case)
            .where(*base_conditions(low, high, filters)).group_by(*keys)).all()
    if stored:
        stored_keys = [column.label(by) for by, (_live, column) in rollup.KEY_COLUMNS.items()]
        rows += db.session.execute(rollup.stored_sums(
            stored, stored_keys, filters, names,
            (func.sum(FigureMonthCount.handled).label("handled"),))).all()
    # Roll up in Python: per row one list of the counts, added element-wise into each of the
    # three groupings (thousands of rows; a dict per figure per row cost more than the SQL).
    labels = [f"{name}__{part}" for name in _case_names(names)
              for part in (("n", "d") if FIGURES[name].is_rate else ("n",))]
    rolled = {by: {} for by in CUBE_KEYS}
    handled_total = 0
    for row in rows:
        mapping = row._mapping
        values = [mapping[label] or 0 for label in labels]
        handled_total += int(row.handled or 0)
        for by in CUBE_KEYS:
            key = mapping[by]
            total = rolled[by].get(key)
            rolled[by][key] = values if total is None else list(map(add, total, values))
    return ({by: {key: _counts(dict(zip(labels, totals)), names)
                  for key, totals in groups.items()}
             for by, groups in rolled.items()}, handled_total)


def _groups(by, raw_groups, start, end, filters, names, counted=None) -> list[dict]:
    """The groups' figures; `counted`: the event figures' {action: {group key: cases}} when
    the caller has them already."""
    rows = {key: _values(counts) for key, counts in raw_groups.items()}
    actions = _event_actions(names)
    if actions:
        # Returns and dispatches are counted when made and, by department, for the department
        # of the event — not the case's current lead (a returned case is usually
        # re-dispatched). With a `department` filter (a head's scope) only that department's
        # events count, so his league table has no row for another department.
        counted = counted or {action: _events_grouped(action, by, start, end, filters)
                              for action in actions}
        for key in set().union(*counted.values()) - set(rows):
            rows[key] = _values({name: (0, 0 if FIGURES[name].is_rate else None)
                                 for name in _case_names(names)})
        for key, figures in rows.items():
            figures.update(_values(_event_counts(counted, names, key)))
    labels = _group_labels(by, rows.keys())
    groups = []
    for key, figures in rows.items():
        label = NO_GROUP_LABEL[by] if key is None else labels.get(key) or NO_GROUP_LABEL[by]
        groups.append({"key": key.name if isinstance(key, CaseSource) else key,
                       "label": label, "figures": figures})
    if by == "month":
        groups.sort(key=lambda g: (g["key"] is None, str(g["key"])))
    else:
        groups.sort(key=lambda g: (g["key"] is None,
                                   -g["figures"].get("received", {"numerator": 0})["numerator"],
                                   g["label"]))
    return groups


PARTS = ("numerator", "denominator")


def case_ids_for(figure: str, part: str, date_from: date, date_to: date,
                 filters: dict | None = None, now=None):
    """A SELECT of the ids of the cases behind one figure's numerator or denominator.

    Built from the same predicate and base conditions as the aggregate, so it lists exactly
    as many cases as the figure counts. 退回 lists the cases returned in the period
    (`events_made`), the `department` filter naming the returning department."""
    now = now or utcnow()
    start, end = period_bounds(date_from, date_to)
    filters = dict(filters or {})
    if figure in EVENT_FIGURES:
        action = dict(zip(PARTS, EVENT_FIGURES[figure])).get(part)
        if not action:
            raise ValueError(f"figure {figure!r} has no {part!r}")
        return events_made(action, start, end, filters)
    if figure == MEDIAN:
        predicate = handled(now)
    else:
        if figure not in FIGURES:
            raise ValueError(f"unknown figure {figure!r}")
        spec = FIGURES[figure]
        if part not in PARTS or (part == "denominator" and not spec.is_rate):
            raise ValueError(f"figure {figure!r} has no {part!r}")
        predicate = spec.numerator(now) if part == "numerator" else spec.denominator(now)
    return select(Case.id).where(*base_conditions(start, end, filters), predicate)


def dashboard_figures(date_from: date, date_to: date, filters: dict | None = None,
                      now=None) -> dict:
    """Everything the dashboard shows, as the dashboard (and the bench) computes it.

    The same numbers as compute_figures by department, by category and by source (and
    tested to be), but the period is read once for all three (`_cube`)."""
    now = now or utcnow()
    names = tuple(FIGURES)
    start, end = period_bounds(date_from, date_to)
    cube, handled_count = _cube(start, end, filters, now, names)
    totals = _sum_counts(cube["department"].values(), names)
    event_totals, counted = _events_by_department(start, end, filters, names)
    totals.update(_event_counts(event_totals, names, _TOTAL))
    median = median_handling(start, end, filters, now, count=handled_count)
    result = _result(date_from, date_to, filters, now, names, "department", totals,
                     cube["department"], median, counted)

    def chart(by):
        received = {key: {"received": counts["received"]} for key, counts in cube[by].items()}
        return _groups(by, received, start, end, filters, ("received",))
    last_day = date_to - timedelta(days=1)
    trend_to = add_months(last_day.replace(day=1), 1)  # the 12 months up to the period's end
    trend_from = add_months(trend_to, -12)
    return {
        "result": result,
        "by_category": chart("category"),
        "by_source": chart("source"),
        "trend_from": trend_from, "trend_to": trend_to,
        "months": compute_figures(trend_from, trend_to, by="month", now=now, filters=filters,
                                  with_median=False,
                                  names=("received", "closure", "on_time_closure"))["groups"],
        "overdue_ids": case_ids_for("overdue_now", "numerator", date_from, date_to, filters, now),
    }


# --- named periods ----------------------------------------------------------------------------

def named_period(name: str, today: date) -> tuple[date, date]:
    """This month / quarter / year as [first day, first day of the next) local dates."""
    if name == "quarter":
        first_month = (today.month - 1) // 3 * 3 + 1
        start = date(today.year, first_month, 1)
        end = add_months(start, 3)
    elif name == "year":
        start, end = date(today.year, 1, 1), date(today.year + 1, 1, 1)
    else:
        start = today.replace(day=1)
        end = add_months(start, 1)
    return start, end


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def month_bounds(month: str) -> tuple[date, date]:
    """'2026-11' → (2026-11-01, 2026-12-01)."""
    start = datetime.strptime(month, "%Y-%m").date()
    return start, add_months(start, 1)
