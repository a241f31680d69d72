"""Closed months pre-aggregated: the dashboard adds them up and must equal the live SQL exactly."""
from datetime import date, datetime, timedelta, timezone
import importlib.util
from pathlib import Path
import random

from sqlalchemy import text

from app.cases.models import Case, CaseSource, CaseState, Category, Rating
from app.extensions import db
from app.figures import queries, rollup
from app.figures.models import (COUNTED_PREDICATES, FigureMonth, FigureMonthCount,
                                FigureMonthEvent, FigureMonthHandling)

NOW0 = datetime(2026, 12, 10, 2, 0, tzinfo=timezone.utc)
FIRST = datetime(2025, 9, 20, tzinfo=timezone.utc)
STATES = [CaseState.closed, CaseState.closed, CaseState.replied, CaseState.signed,
          CaseState.dispatched, CaseState.returned, CaseState.invalid, CaseState.submitted]


def random_cases(rng, world, make_enterprise, n=260, handling=None):
    """Cases over 15 months in every state, with deadlines met, missed and still ahead of
    NOW0 (so a month's counts hold only until its next deadline)."""
    categories = db.session.execute(db.select(Category.id)).scalars().all()[:4]
    enterprises = [make_enterprise().id for _ in range(3)] + [None]
    for i in range(n):
        submitted = FIRST + timedelta(seconds=rng.randrange(int((NOW0 - FIRST).total_seconds())))
        state = rng.choice(STATES)
        dispatched = submitted + timedelta(hours=rng.randrange(1, 48))
        sign_due = dispatched + timedelta(days=1)
        reply_due = dispatched + timedelta(days=rng.randrange(3, 12))
        case = Case(tracking_no=f"R{i:05d}", access_code="000000", access_failures=0,
                    via_revoked_card=False, is_anonymous=False, escalation_level=0,
                    source=rng.choice(list(CaseSource)[:4]), category_id=rng.choice(categories),
                    urgency="normal", content="随机案件", state=state, submitted_at=submitted,
                    enterprise_id=rng.choice(enterprises), return_count=0, extension_count=0,
                    reopen_count=rng.choice([0, 0, 1]), closed_unrated=False)
        if state not in (CaseState.submitted, CaseState.invalid) or rng.random() < 0.3:
            case.lead_department_id = rng.choice([world.dept.id, world.other_dept.id])
            case.dispatched_at, case.sign_due_at, case.reply_due_at = dispatched, sign_due, reply_due
        if state in (CaseState.signed, CaseState.replied, CaseState.closed):
            case.signed_at = dispatched + timedelta(hours=rng.randrange(1, 40))
        if state in (CaseState.replied, CaseState.closed):
            case.replied_at = case.first_replied_at = dispatched + timedelta(days=rng.randrange(1, 14))
            case.handling_seconds = (handling or (lambda: rng.randrange(3600, 900000)))()
            case.extension_count = rng.choice([0, 1])
        if state is CaseState.closed:
            case.rating = rng.choice(list(Rating))
            case.rating_excluded = rng.random() < 0.1
            case.appeals_upheld = int(case.rating_excluded)
        if case.replied_at and rng.random() < 0.4:  # a 差评 loop: 回访 and 整改 met, missed, ahead
            case.complaint_at = case.replied_at + timedelta(hours=rng.randrange(1, 30))
            case.callback_due_at = case.complaint_at + timedelta(days=1)
            case.rework_due_at = case.complaint_at + timedelta(days=rng.randrange(3, 8))
            if rng.random() < 0.6:
                case.callback_at = case.complaint_at + timedelta(hours=rng.randrange(1, 40))
            if rng.random() < 0.6:
                case.rework_feedback_at = case.complaint_at + timedelta(days=rng.randrange(1, 9))
        if state is CaseState.returned:
            case.returned_at = dispatched + timedelta(hours=rng.randrange(1, 60))
            case.return_count = 1
        db.session.add(case)
    db.session.commit()


def dashboards(rng, world, periods):
    results = []
    for date_from, date_to, filters, now in periods:
        data = queries.dashboard_figures(date_from, date_to, filters, now)
        data.pop("overdue_ids")
        results.append(data)
    db.session.rollback()
    return results


def random_dates(rng, start_days, length_days):
    """A first and last day from September 2025 on, each a month's edge half the time, the
    last no later than 1 March 2027 (the draws in the order both callers made them)."""
    first = date(2025, 9, 1) + timedelta(days=rng.randrange(0, start_days))
    if rng.random() < 0.5:
        first = first.replace(day=1)
    last = first + timedelta(days=rng.randrange(1, length_days))
    if rng.random() < 0.5:
        last = queries.add_months(last.replace(day=1), 1)
    return first, min(last, date(2027, 3, 1))


def random_periods(rng, world, count=30):
    filters = [None, None, {"department": world.dept.id}, {"department": queries.NO_DEPARTMENT},
               {"category": db.session.execute(db.select(Category.id)).scalars().first()},
               {"source": "card"}, {"department": world.other_dept.id, "source": "hall"},
               {"township": world.dept.id}]
    periods = []
    for _ in range(count):
        first, last = random_dates(rng, start_days=400, length_days=500)
        now = NOW0 + timedelta(hours=rng.randrange(-48, 24 * 40))
        periods.append((first, last, rng.choice(filters), now))
    return periods


def live(rng, world, periods):
    """The same dashboards with no stored month: every figure from the cases."""
    db.session.execute(FigureMonthCount.__table__.delete())
    db.session.execute(FigureMonthHandling.__table__.delete())
    db.session.execute(FigureMonthEvent.__table__.delete())
    db.session.execute(FigureMonth.__table__.delete())
    db.session.commit()
    db.session.expunge_all()
    return dashboards(rng, world, periods)


def used(periods):
    return sum(bool(rollup.stored_months(*queries.period_bounds(a, b), now))
               for a, b, f, now in periods if rollup.usable(f))


def test_stored_months_add_up_to_the_live_figures(world, make_enterprise):
    rng = random.Random(23)
    random_cases(rng, world, make_enterprise)
    assert rollup.refresh(NOW0) == 15  # 2025-09 … 2026-11; December is still open
    periods = random_periods(rng, world)
    assert used(periods) >= 10  # the test covers the stored path
    assert dashboards(rng, world, periods) == live(rng, world, periods)


def test_the_stored_median_is_the_live_median(world, make_enterprise):
    """The median handling time off the months' histograms equals the live one, over random
    periods (odd and even counts), `now`s and the department filters — with handling times
    that often share an hour, a hundredth of an hour, or a value, and some an hour apart."""
    rng = random.Random(7)
    choices = [lambda: rng.randrange(0, 40), lambda: 36 * rng.randrange(50, 54),
               lambda: 3600 * rng.randrange(1, 4) + rng.choice([0, 35, 36, 71, 3599]),
               lambda: rng.randrange(3600, 90000), lambda: 7200]
    random_cases(rng, world, make_enterprise, n=420, handling=lambda: rng.choice(choices)())
    assert rollup.refresh(NOW0) == 15
    assert db.session.execute(db.select(db.func.count()).select_from(FigureMonthHandling)
                              ).scalar() > 100
    filters = [None, None, {"department": world.dept.id}, {"department": world.other_dept.id},
               {"department": queries.NO_DEPARTMENT}]
    periods = []
    for _ in range(80):
        periods.append((*queries.period_bounds(*random_dates(rng, start_days=460,
                                                             length_days=480)),
                        rng.choice(filters), NOW0 + timedelta(hours=rng.randrange(-48, 24 * 40))))

    def medians():
        return [queries.median_handling(start, end, f, now) for start, end, f, now in periods]
    assert sum(bool(rollup.stored_months(start, end, now))
               for start, end, f, now in periods) >= 40  # the stored path is taken
    stored = medians()
    counts = [m["numerator"] for m in stored]
    assert any(c % 2 == 0 and c for c in counts) and any(c % 2 for c in counts)
    live(rng, world, [])  # no stored month left: every median computed live
    assert stored == medians()


def test_a_changed_case_makes_its_month_stale_by_every_write_path(world, make_enterprise):
    rng = random.Random(5)
    random_cases(rng, world, make_enterprise)
    rollup.refresh(NOW0)
    months = {m.month: m for m in db.session.execute(db.select(FigureMonth)).scalars()}
    assert all(m.built_version == m.version for m in months.values())
    in_month = {}
    for case in db.session.execute(db.select(Case).order_by(Case.id)).scalars():
        in_month.setdefault(f"{case.submitted_at.astimezone(queries.LOCAL_TZ):%Y-%m}", case)
    # The ORM, bulk SQL, a deletion, a case backdated into a closed month.
    in_month["2025-10"].state = CaseState.closed if in_month["2025-10"].state is not \
        CaseState.closed else CaseState.replied
    db.session.commit()
    db.session.execute(text("UPDATE cases SET rating = 'dissatisfied' WHERE id = :id"),
                       {"id": in_month["2026-01"].id})
    db.session.execute(text("DELETE FROM cases WHERE id = :id"), {"id": in_month["2026-03"].id})
    db.session.add(Case(tracking_no="RNEW", access_code="000000", access_failures=0,
                        via_revoked_card=False, is_anonymous=False, escalation_level=0,
                        source=CaseSource.card, category_id=in_month["2026-05"].category_id,
                        urgency="normal", content="补录案件", state=CaseState.submitted,
                        submitted_at=datetime(2026, 5, 31, 15, 59, tzinfo=timezone.utc),
                        return_count=0, extension_count=0, reopen_count=0, closed_unrated=False))
    # A column the figures do not read leaves the month as it is.
    db.session.execute(text("UPDATE cases SET next_check_at = NULL, escalation_level = 1 "
                            "WHERE id = :id"), {"id": in_month["2026-07"].id})
    db.session.commit()
    db.session.expire_all()
    stale = {m.month for m in db.session.execute(db.select(FigureMonth)).scalars()
             if m.built_version != m.version}
    assert stale == {"2025-10", "2026-01", "2026-03", "2026-05"}
    periods = random_periods(rng, world, 20) + [(date(2025, 9, 1), date(2026, 12, 1), None, NOW0)]
    assert dashboards(rng, world, periods) == live(rng, world, periods)
    assert rollup.refresh(NOW0) == 15  # rebuilt (the table was emptied by live())


def test_counts_hold_only_until_the_next_deadline_of_an_open_case(world, make_enterprise):
    rng = random.Random(7)
    random_cases(rng, world, make_enterprise)
    late = db.session.execute(db.select(Case).where(
        Case.submitted_at >= datetime(2026, 10, 31, 16, tzinfo=timezone.utc),
        Case.submitted_at < datetime(2026, 11, 30, 16, tzinfo=timezone.utc))).scalars().first()
    late.state, late.lead_department_id, late.signed_at = CaseState.dispatched, world.dept.id, None
    late.sign_due_at, late.reply_due_at = NOW0 + timedelta(days=1), NOW0 + timedelta(days=6)
    db.session.commit()
    rollup.refresh(NOW0)
    month = db.session.execute(db.select(FigureMonth).filter_by(month="2026-11")).scalar_one()
    assert month.valid_until == NOW0 + timedelta(days=1)  # the open case's sign deadline
    bounds = (month.period_start, month.period_end)
    assert rollup.stored_months(*bounds, month.valid_until - timedelta(seconds=1))
    assert not rollup.stored_months(*bounds, month.valid_until)
    assert not rollup.stored_months(*bounds, NOW0 - timedelta(seconds=1))  # before it was built


def test_the_trigger_watches_every_column_the_counted_predicates_read(app):
    """FIGURE_COLUMNS (and the trigger's copy in migration 0140, after 0060's) hold every
    column of `cases` the stored predicates, the grouping and the histograms read."""
    read = set()
    for name in COUNTED_PREDICATES:
        expression = rollup.predicate(name)(NOW0)
        read |= {column.name for column in _columns(expression) if column.table.name == "cases"}
    read |= {"submitted_at", "lead_department_id", "category_id", "source", "state",
             "handling_seconds"}  # the histograms' value
    assert read <= set(rollup.FIGURE_COLUMNS)
    assert _migration("0140_figure_month_handling").FIGURE_COLUMNS == rollup.FIGURE_COLUMNS
    assert _migration("0060_figure_months").COUNTED == COUNTED_PREDICATES


def _migration(name):
    path = Path(__file__).parents[2] / f"migrations/versions/{name}.py"
    spec = importlib.util.spec_from_file_location(f"migration_{name}", path)
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    return migration


def _columns(expression):
    from sqlalchemy.sql import visitors
    return [element for element in visitors.iterate(expression)
            if getattr(element, "table", None) is not None and hasattr(element, "name")]
