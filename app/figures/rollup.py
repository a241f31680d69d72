"""Closed months' figures pre-aggregated, so that long periods cost months, not cases.

`figure_month_counts` keeps, for each closed local month and each (lead department, category,
source), how many of the month's valid cases each counted predicate holds for — the same
predicates, written once in queries.py, that the live aggregates sum. The dashboard's one pass
(`queries._cube`) and its 12-month trend (`queries._raw_months`) add up the stored months the
period covers whole, and compute the rest live: the open edge (the month not yet ended, a
partial first or last month) and any month whose counts are stale. The sums are therefore
exactly the live figures (tested over random periods, `now`s and changes on both databases):

- **Changes.** A trigger on `cases` (migration 0060) bumps `figure_months.version` of the
  month of every case inserted, deleted, or updated in a column the figures read
  (FIGURE_COLUMNS); counts built at another version are not used. It is the database's own
  trigger, so every write path — the operations, bulk SQL, a migration, psql — is covered.
- **Time.** Four predicates compare a deadline with `now` (当前逾期, 按期签收's denominator,
  应办结, 应答复), and only for open cases (待签收, 办理中, 待评价). Counts computed at
  `computed_at` hold for any `now` before the next of those deadlines still ahead
  (`valid_until`): a deadline passed then has passed now, one not reached by `valid_until`
  is not reached now. Outside [computed_at, valid_until) the month is computed live.
- **Settings.** 办结率's denominator is a setting; both choices (`received`, `closure_due`)
  are kept.
- **Filters.** Stored months serve the county's view and the filters on their keys
  (department, category, source); any other filter (a leader's enterprises, a township, an
  enterprise) is computed live.

With the counts, each month keeps (migration 0140) the histograms of its handled cases'
handling times, per hour and per hundredth of an hour (`figure_month_handling`: the median
read off them exactly, `stored_median`), and its return/dispatch events counted per (action,
department, previous times) (`figure_month_events`: 退回 and 回退率, `stored_events`), valid
while `events_version` — bumped by triggers on audit_events and on a case's validity — is
the one they were built at.

`refresh(now)` (the scheduler's `figures` job, and `flask metrics rollup`) builds the closed
months that have no valid counts. A month's build holds its `figure_months` row locked
(PostgreSQL: SELECT … FOR UPDATE; SQLite: the write lock, BEGIN IMMEDIATE) while it reads the
cases, so a case changed meanwhile either is in the counts or bumps the version after them.
"""
from datetime import date, datetime
import logging

from sqlalchemy import and_, exists, func, insert, literal, null, or_, select

from app.cases.models import AuditEvent, Case, CaseSource, CaseState
from app.core.clock import utcnow
from app.core.timeutil import LOCAL_TZ
from app.core.types import UTCDateTime
from app.extensions import db, open_write_transaction
from app.figures import queries
from app.figures.models import (COUNTED_PREDICATES, FigureMonth, FigureMonthCount,
                                FigureMonthEvent, FigureMonthHandling)

log = logging.getLogger(__name__)

# The columns of `cases` the counted predicates and the grouping read: the trigger of
# migration 0060 bumps the month's version when one of them changes (a test checks the list
# against the predicates' SQL).
FIGURE_COLUMNS = ("submitted_at", "state", "lead_department_id", "category_id", "source",
                  "dispatched_at", "sign_due_at", "signed_at", "returned_at", "reply_due_at",
                  "first_replied_at", "replied_at", "rating", "rating_excluded", "extension_count",
                  "reopen_count", "complaint_at", "callback_at", "callback_due_at",
                  "rework_feedback_at", "rework_due_at", "appeals_upheld", "handling_seconds")
# The filters stored months can answer: those on the grouping's own columns.
STORED_FILTERS = {"department": FigureMonthCount.lead_department_id,
                  "category": FigureMonthCount.category_id, "source": FigureMonthCount.source}
KEY_COLUMNS = {"department": (Case.lead_department_id, FigureMonthCount.lead_department_id),
               "category": (Case.category_id, FigureMonthCount.category_id),
               "source": (Case.source, FigureMonthCount.source)}
OPEN_STATES = (CaseState.dispatched, CaseState.signed, CaseState.replied)
# The histograms of handling times: level → bucket width in seconds. Level 2's width, 36 s, is
# a hundredth of an hour: the median figure's resolution (hours truncated to two decimals).
HISTOGRAM_LEVELS = {1: 3600, 2: 36}


def predicate(name: str):
    """The predicate function of queries.py a stored column counts."""
    return getattr(queries, name)


def column_of(figure_predicate) -> str:
    """The stored column counting `figure_predicate` (a FIGURES numerator or denominator);
    办结率's denominator is the column of the office's current choice."""
    name = figure_predicate.__name__
    if name == "closure_denominator":
        from app.settings.closure_basis import closure_basis
        return "closure_due" if closure_basis() == "due" else "received"
    return name


# --- building ---------------------------------------------------------------------------------

def closed_months(now: datetime) -> list[tuple[str, date]]:
    """('YYYY-MM', first day) of every local month from the first case's to the last ended."""
    first = db.session.execute(select(func.min(Case.submitted_at))).scalar()
    if first is None:
        return []
    month = first.astimezone(LOCAL_TZ).date().replace(day=1)
    this_month = now.astimezone(LOCAL_TZ).date().replace(day=1)
    months = []
    while month < this_month:
        months.append((f"{month:%Y-%m}", month))
        month = queries.add_months(month, 1)
    return months


def refresh(now: datetime | None = None, limit: int | None = None) -> int:
    """Build the closed months without valid counts (at most `limit`); return how many."""
    now = now or utcnow()
    valid = set(db.session.execute(select(FigureMonth.month).where(
        *_valid(now), FigureMonth.events_built_version == FigureMonth.events_version)).scalars())
    stale = [(month, first) for month, first in closed_months(now) if month not in valid]
    db.session.rollback()
    for month, first in stale[:limit]:
        build_month(month, first, now)
    if stale:
        log.info("figures: %d closed month(s) pre-aggregated", len(stale[:limit]))
    return len(stale[:limit])


def build_month(month: str, first: date, now: datetime) -> None:
    """(Re)build one closed month's counts as at `now`, in its own transactions."""
    start, end = queries.period_bounds(first, queries.add_months(first, 1))
    # The month's row exists (committed) before its cases are read, so the trigger of a case
    # changed during the build finds it and bumps its version.
    if db.session.execute(select(FigureMonth.id).filter_by(month=month)).scalar() is None:
        db.session.add(FigureMonth(month=month, period_start=start, period_end=end, version=0))
    db.session.commit()
    if queries.dialect_name() == "sqlite":  # the write lock before the month's cases are read
        open_write_transaction(db.session.connection())
    row = db.session.execute(select(FigureMonth).filter_by(month=month)
                             .with_for_update()).scalar_one()
    for table in (FigureMonthCount, FigureMonthHandling, FigureMonthEvent):
        db.session.execute(table.__table__.delete().where(table.month_id == row.id))
    keys = [KEY_COLUMNS[by][0] for by in queries.CUBE_KEYS]
    counts = [func.sum(queries.sql_case((predicate(name)(now), 1), else_=0))
              for name in COUNTED_PREDICATES]
    columns = ["month_id", "lead_department_id", "category_id", "source", *COUNTED_PREDICATES]
    db.session.execute(insert(FigureMonthCount).from_select(columns, select(
        literal(row.id), *keys, *counts).select_from(Case)
        .where(*queries.base_conditions(start, end)).group_by(*keys)))
    _build_histograms(row.id, start, end, now)
    _build_events(row.id, start, end)
    row.events_built_version = row.events_version
    # The next deadline still ahead of an open case of the month: until then no time-dependent
    # predicate of the month changes.
    ahead = list(db.session.execute(select(
        func.min(queries.sql_case((Case.sign_due_at > now, Case.sign_due_at), else_=None)),
        func.min(queries.sql_case((Case.reply_due_at > now, Case.reply_due_at), else_=None)))
        .where(Case.submitted_at >= start, Case.submitted_at < end,
               Case.state.in_(OPEN_STATES))).one())
    # A 差评's 回访 and 整改 become due when their deadline passes, whatever the case's state
    # (a 追评 may close it before the 回访 was made): the next such deadline, open or not.
    ahead += db.session.execute(select(
        func.min(queries.sql_case((and_(Case.callback_at.is_(None), Case.callback_due_at > now),
                                   Case.callback_due_at), else_=None)),
        func.min(queries.sql_case((and_(Case.rework_feedback_at.is_(None),
                                        Case.rework_due_at > now),
                                   Case.rework_due_at), else_=None)))
        .where(Case.submitted_at >= start, Case.submitted_at < end,
               Case.complaint_at.is_not(None))).one()
    row.valid_until = min((at for at in ahead if at is not None), default=None)
    row.computed_at, row.built_version = now, row.version
    db.session.commit()


def _build_histograms(month_id: int, start, end, now) -> None:
    """The month's histograms of handling times (FigureMonthHandling): the county's and each
    lead department's, per hour and per hundredth of an hour."""
    seconds = Case.handling_seconds
    columns = ["month_id", "whole", "department_id", "level", "bucket", "cases", "low", "high"]
    for level, width in HISTOGRAM_LEVELS.items():
        bucket = seconds // width  # integer division on both databases
        for whole, department in ((True, null()), (False, Case.lead_department_id)):
            grouping = [bucket] if whole else [Case.lead_department_id, bucket]
            db.session.execute(insert(FigureMonthHandling).from_select(columns, select(
                literal(month_id), literal(whole), department, literal(level), bucket,
                func.count(), func.min(seconds), func.max(seconds)).select_from(Case)
                .where(*queries.base_conditions(start, end), queries.handled(now))
                .group_by(*grouping)))


EVENT_ACTIONS = ("return", "dispatch")  # 退回 and 回退率's (queries.EVENT_FIGURES)


def _build_events(month_id: int, start, end) -> None:
    """The month's return/dispatch events with a department, but not of an invalid case,
    counted per (action, department, previous_at, previous_department_at) — what
    `queries.events_counted` compares."""
    keys = [AuditEvent.action, AuditEvent.department_id, AuditEvent.previous_at,
            AuditEvent.previous_department_at]
    db.session.execute(insert(FigureMonthEvent).from_select(
        ["month_id", "action", "department_id", "previous_at", "previous_department_at",
         "events"],
        select(literal(month_id), *keys, func.count()).select_from(AuditEvent).where(
            AuditEvent.action.in_(EVENT_ACTIONS), AuditEvent.department_id.is_not(None),
            AuditEvent.created_at >= start, AuditEvent.created_at < end,
            ~exists().where(Case.id == AuditEvent.case_id, Case.state == CaseState.invalid))
        .group_by(*keys)))


def _valid(now):
    """The conditions of a month whose counts hold at `now`."""
    at = literal(now, UTCDateTime())
    return (FigureMonth.built_version == FigureMonth.version, FigureMonth.computed_at <= at,
            or_(FigureMonth.valid_until.is_(None), FigureMonth.valid_until > at))


# --- reading ----------------------------------------------------------------------------------

def usable(filters: dict | None) -> bool:
    """Whether stored months can answer with these filters."""
    return all(key in STORED_FILTERS for key, value in (filters or {}).items()
               if value is not None and value != "")


def stored_months(start: datetime, end: datetime, now: datetime) -> list[FigureMonth]:
    """The months inside [start, end) whose counts hold at `now`, by start."""
    return list(db.session.execute(select(FigureMonth).where(
        FigureMonth.period_start >= start, FigureMonth.period_end <= end, *_valid(now))
        .order_by(FigureMonth.period_start)).scalars())


def event_months(start: datetime, end: datetime) -> list[FigureMonth]:
    """The months inside [start, end) whose event counts hold (they depend on no `now`)."""
    return list(db.session.execute(select(FigureMonth).where(
        FigureMonth.period_start >= start, FigureMonth.period_end <= end,
        FigureMonth.events_built_version == FigureMonth.events_version)
        .order_by(FigureMonth.period_start)).scalars())


def stored_events(action: str, months: list[FigureMonth], start: datetime,
                  filters) -> tuple[dict, int]:
    """({department: cases}, the cases) of `action`'s events in the stored `months` of a
    period from `start`, counted as `queries.events_counted` counts them: an event counts
    when its previous one (of the same department per department, and in a department's
    view) is before `start` or absent. Invalid cases' events are left out (a case becoming
    invalid, or valid again, makes the months of its events stale: migration 0140)."""
    stored = FigureMonthEvent
    at = literal(start, UTCDateTime())
    department = (filters or {}).get("department")
    conditions = [stored.month_id.in_([month.id for month in months]), stored.action == action]
    first = or_(stored.previous_at.is_(None), stored.previous_at < at)
    if department is not None and department != "":
        first = or_(stored.previous_department_at.is_(None), stored.previous_department_at < at)
        conditions.append(stored.department_id == (
            None if department == queries.NO_DEPARTMENT else queries._id(department)))
    per_department = or_(stored.previous_department_at.is_(None),
                         stored.previous_department_at < at)
    rows = db.session.execute(select(
        stored.department_id, func.sum(queries.sql_case((per_department, stored.events),
                                                        else_=0)),
        func.sum(queries.sql_case((first, stored.events), else_=0)))
        .where(*conditions).group_by(stored.department_id)).all()
    return ({key: int(count or 0) for key, count, _first in rows},
            sum(int(first or 0) for _key, _count, first in rows))


def live_ranges(start: datetime, end: datetime, months: list[FigureMonth]):
    """The parts of [start, end) the stored `months` (sorted, inside it) leave uncovered."""
    ranges, at = [], start
    for month in months:
        if month.period_start > at:
            ranges.append((at, month.period_start))
        at = month.period_end
    if at < end:
        ranges.append((at, end))
    return ranges


def stored_sums(months: list[FigureMonth], group_by, filters, names, extra=()):
    """SELECT the sums of the stored counts of `months`, grouped by `group_by` (columns of
    figure_month_counts, labelled), as the live aggregates name them (`{figure}__n|d`)."""
    columns = []
    for name in queries._case_names(names):
        figure = queries.FIGURES[name]
        columns.append(func.sum(getattr(FigureMonthCount, column_of(figure.numerator)))
                       .label(f"{name}__n"))
        if figure.is_rate:
            columns.append(func.sum(getattr(FigureMonthCount, column_of(figure.denominator)))
                           .label(f"{name}__d"))
    conditions = [FigureMonthCount.month_id.in_([m.id for m in months])]
    for key, value in (filters or {}).items():
        if value is None or value == "":
            continue
        column = STORED_FILTERS[key]
        if key == "department" and value == queries.NO_DEPARTMENT:
            conditions.append(column.is_(None))
        elif key == "source":
            conditions.append(column == (value if isinstance(value, CaseSource)
                                         else CaseSource[value]))
        else:
            conditions.append(column == queries._id(value))
    return (select(*group_by, *columns, *extra).select_from(FigureMonthCount)
            .where(and_(*conditions)).group_by(*group_by))


# --- the median handling time off the histograms ------------------------------------------------

def department_only(filters: dict | None) -> bool:
    """Whether the stored histograms and event counts can answer with these filters: the
    county's view and a department's (they are kept per department only)."""
    return all(key == "department" for key, value in (filters or {}).items()
               if value is not None and value != "")


def stored_median(start: datetime, end: datetime, filters, now: datetime,
                  months: list[FigureMonth]) -> tuple[int, float | None]:
    """(handled cases, their median handling seconds) of [start, end): the stored months'
    histograms added to the live ones of what they leave uncovered — the same figure as the
    live median (`queries.median_handling`).

    The hour histogram finds the hour of each middle case (rank (n-1)/2 and n/2 from 0), the
    hundredth-of-an-hour histogram of that hour the hundredth. The figure only needs that
    hundredth (it is the median in hours truncated to two decimals), except for an even count
    whose two middle cases lie in different hundredths: the first is then the largest value of
    its bucket, the second the smallest of its, both stored exactly (`low`, `high`)."""
    ranges = live_ranges(start, end, months)
    hours = _histogram(1, months, ranges, filters, now)
    count = sum(cases for cases, _low, _high in hours.values())
    if not count:
        return 0, None
    fine = {}
    middle = []
    for rank in sorted({(count - 1) // 2, count // 2}):
        hour, within = _find(hours, rank)
        if hour not in fine:
            width = HISTOGRAM_LEVELS[1] // HISTOGRAM_LEVELS[2]
            fine[hour] = _histogram(2, months, ranges, filters, now,
                                    (hour * width, hour * width + width - 1))
        bucket, within = _find(fine[hour], within)
        cases, low, high = fine[hour][bucket]
        exact = low if within == 0 else high if within == cases - 1 else None
        middle.append((bucket, exact))
    if len(middle) == 2 and middle[0][0] != middle[1][0]:
        return count, (middle[0][1] + middle[1][1]) / 2  # both exact (see above)
    bucket, exact = middle[0]
    if len(middle) == 1 and exact is not None:
        return count, exact
    # Both middle values (or the one) in one hundredth of an hour: its first second gives the
    # same figure (the values are whole seconds >= 0, as is their mean's whole part).
    return count, bucket * HISTOGRAM_LEVELS[2]


def _find(histogram: dict, rank: int) -> tuple[int, int]:
    """(bucket, rank within it) of the case at `rank` (from 0) in {bucket: (cases, …)}."""
    seen = 0
    for bucket in sorted(histogram):
        cases = histogram[bucket][0]
        if rank < seen + cases:
            return bucket, rank - seen
        seen += cases
    raise ValueError(f"rank {rank} beyond {seen} cases")


def _histogram(level, months, ranges, filters, now, buckets=None) -> dict:
    """{bucket: (cases, lowest, highest)} of the level over the stored months and the live
    ranges, optionally only the buckets in [buckets[0], buckets[1]]."""
    width = HISTOGRAM_LEVELS[level]
    seconds = Case.handling_seconds
    statements = []
    for low, high in ranges:
        bucket = seconds // width
        conditions = [*queries.base_conditions(low, high, filters), queries.handled(now)]
        if buckets:
            conditions.append(seconds.between(buckets[0] * width, buckets[1] * width + width - 1))
        statements.append(select(bucket.label("bucket"), func.count().label("cases"),
                                 func.min(seconds).label("low"), func.max(seconds).label("high"))
                          .where(*conditions).group_by(bucket))
    if months:
        stored = FigureMonthHandling
        conditions = [stored.month_id.in_([month.id for month in months]), stored.level == level]
        department = (filters or {}).get("department")
        if department is None or department == "":
            conditions.append(stored.whole.is_(True))
        else:
            conditions += [stored.whole.is_(False), stored.department_id.is_(None)
                           if department == queries.NO_DEPARTMENT
                           else stored.department_id == queries._id(department)]
        if buckets:
            conditions.append(stored.bucket.between(*buckets))
        statements.append(select(stored.bucket.label("bucket"),
                                 func.sum(stored.cases).label("cases"),
                                 func.min(stored.low).label("low"),
                                 func.max(stored.high).label("high"))
                          .where(*conditions).group_by(stored.bucket))
    histogram = {}
    for statement in statements:
        for bucket, cases, low, high in db.session.execute(statement):
            if bucket is None:  # a handled case always has its handling time; never counted
                continue
            if bucket in histogram:
                had, had_low, had_high = histogram[bucket]
                histogram[bucket] = (had + int(cases), min(had_low, low), max(had_high, high))
            else:
                histogram[bucket] = (int(cases), low, high)
    return histogram
