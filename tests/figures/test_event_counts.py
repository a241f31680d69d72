"""退回 and 回退率 counted without DISTINCT (`events_counted`, migration 0110's trigger) must
equal the distinct cases `events_made` lists, for every period, filter and grouping."""
from datetime import date, datetime, timedelta, timezone
import random

from sqlalchemy import func, select, text

from app.cases.models import AuditEvent, Case, Category
from app.extensions import db
from app.figures import queries, rollup
from app.figures.models import FigureMonth
from tests.figures.test_rollup import FIRST, NOW0, random_cases

GROUPINGS = (None, "department", "category", "source", "township", "month")


def random_events(rng, world):
    """1–4 `return`/`dispatch` events on most cases, by two departments or none, inserted in
    random order (many back-dated behind later ones), some at the same instant, half through
    the ORM one by one and half by one bulk INSERT … SELECT."""
    case_ids = db.session.execute(select(Case.id).order_by(Case.id)).scalars().all()
    departments = [world.dept.id, world.other_dept.id, world.dept.id, None]
    rows = []
    for case_id in case_ids:
        for _ in range(rng.choice([0, 1, 1, 2, 3, 4])):
            at = FIRST + timedelta(minutes=rng.randrange(0, 480 * 24 * 60, 7 * 24 * 60 // 3))
            rows.append((case_id, rng.choice(["dispatch", "dispatch", "return"]),
                         rng.choice(departments), at))
    rng.shuffle(rows)
    half = len(rows) // 2
    for case_id, action, department_id, at in rows[:half]:
        db.session.add(AuditEvent(case_id=case_id, action=action, department_id=department_id,
                                  actor_label="系统", created_at=at))
        db.session.flush()
    db.session.commit()
    db.session.execute(text("CREATE TEMPORARY TABLE bulk_events (case_id INTEGER, action "
                            "VARCHAR(40), department_id INTEGER, created_at TIMESTAMP)"))
    db.session.execute(text("INSERT INTO bulk_events VALUES (:c, :a, :d, :t)"),
                       [{"c": c, "a": a, "d": d, "t": t.replace(tzinfo=None)}
                        for c, a, d, t in rows[half:]])
    db.session.execute(text("INSERT INTO audit_events (case_id, action, department_id, "
                            "actor_label, created_at) SELECT case_id, action, department_id, "
                            "'系统', created_at FROM bulk_events"))
    # As return_case keeps it: a case with return events has return_count > 0.
    db.session.execute(text("UPDATE cases SET return_count = (SELECT count(*) FROM audit_events "
                            "WHERE case_id = cases.id AND action = 'return') WHERE id IN "
                            "(SELECT case_id FROM audit_events WHERE action = 'return')"))
    db.session.commit()
    return len(rows)


def distinct_cases(action, start, end, filters, by):
    """The definition: the distinct cases `events_made` lists (per group)."""
    if by is None:
        return {None: db.session.execute(select(func.count()).select_from(
            queries.events_made(action, start, end, filters).subquery())).scalar_one()}
    if by == "month":
        counts = {}
        for label, at in queries.month_starts(start, end):
            month_end = queries.period_bounds(*queries.month_bounds(label))[1]
            counts[label] = distinct_cases(action, max(at, start), min(month_end, end),
                                           filters, None)[None]
        return counts
    return dict(db.session.execute(queries.events_made(action, start, end, filters, by=by)).all())


def test_event_figures_count_each_case_once_per_period(world, make_enterprise):
    rng = random.Random(17)
    random_cases(rng, world, make_enterprise, n=160)
    assert random_events(rng, world) > 200
    # Closed months' event counts stored (rollup): the dashboard's statement reads them.
    assert rollup.refresh(NOW0) == 15
    stored = 0
    category = db.session.execute(select(Category.id)).scalars().first()
    filters = [None, {"department": world.dept.id}, {"department": world.other_dept.id},
               {"department": queries.NO_DEPARTMENT}, {"category": category},
               {"source": "card"}, {"month": "2026-02"}, {"township": world.dept.id},
               {"department": world.dept.id, "month": "2026-03"}]
    repeated = 0
    for _ in range(40):
        first = date(2025, 9, 1) + timedelta(days=rng.randrange(0, 420))
        last = first + timedelta(days=rng.randrange(1, 400))
        start, end = queries.period_bounds(first, last)
        chosen = rng.choice(filters)
        for action in ("return", "dispatch"):
            for by in GROUPINGS:
                expected = {k: v for k, v in distinct_cases(action, start, end, chosen, by).items()
                            if v}
                got = (({None: queries._events_count(action, start, end, chosen)} if by is None
                        else queries._events_grouped(action, by, start, end, chosen)))
                assert {k: v for k, v in got.items() if v} == expected, (action, by, chosen,
                                                                         first, last)
        # The dashboard's one statement per action: per department and the total together
        # (the stored months' counts and the rest live, when the filter allows).
        stored += bool(rollup.department_only(chosen) and rollup.event_months(start, end))
        totals, groups = queries._events_by_department(start, end, chosen, ("return_rate",))
        for action in ("return", "dispatch"):
            assert totals[action] == distinct_cases(action, start, end, chosen, None)[None]
            assert groups[action] == {k: v for k, v in distinct_cases(
                action, start, end, chosen, "department").items() if v}
        events = db.session.execute(select(func.count()).select_from(AuditEvent).where(
            AuditEvent.created_at >= start, AuditEvent.created_at < end,
            AuditEvent.department_id.is_not(None))).scalar_one()
        repeated += events > sum(distinct_cases(a, start, end, None, None)[None]
                                 for a in ("return", "dispatch"))
    assert repeated >= 20  # most periods have cases with several events: DISTINCT mattered
    assert stored >= 10  # the stored path is covered


def test_stored_event_counts_go_stale_by_every_write_path(world, make_enterprise):
    """An event inserted back-dated into a closed month (by the ORM or bulk SQL, which also
    moves the next event's previous time), or a case's events deleted, makes exactly the
    months holding them stale; the dashboard's counts still equal the distinct cases."""
    rng = random.Random(29)
    random_cases(rng, world, make_enterprise, n=120)
    random_events(rng, world)
    assert rollup.refresh(NOW0) == 15

    def month_of(at):
        return f"{at.astimezone(queries.LOCAL_TZ):%Y-%m}"
    event = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "dispatch", AuditEvent.previous_at.is_not(None),
        AuditEvent.created_at < datetime(2026, 6, 1, tzinfo=timezone.utc))
        .order_by(AuditEvent.id)).scalars().first()
    # Back-dated before `event`, after its previous one: `event`'s previous times move too.
    at = event.previous_at + (event.created_at - event.previous_at) / 2
    db.session.add(AuditEvent(case_id=event.case_id, action="dispatch",
                              department_id=event.department_id, actor_label="系统",
                              created_at=at))
    db.session.commit()
    expected = {month_of(at), month_of(event.created_at)}
    bulk_at = datetime(2026, 8, 15, 3, 0, tzinfo=timezone.utc)
    db.session.execute(text("INSERT INTO audit_events (case_id, action, department_id, "
                            "actor_label, created_at) VALUES (:c, 'return', :d, '系统', :t)"),
                       {"c": event.case_id, "d": world.dept.id, "t": bulk_at.replace(tzinfo=None)})
    expected.add("2026-08")
    later = db.session.execute(select(AuditEvent).where(
        AuditEvent.case_id == event.case_id, AuditEvent.action == "return",
        AuditEvent.created_at > bulk_at)).scalars().all()
    expected |= {month_of(e.created_at) for e in later}  # their previous times moved
    doomed = db.session.execute(select(AuditEvent).where(
        AuditEvent.action == "return", AuditEvent.case_id != event.case_id,
        AuditEvent.created_at < datetime(2026, 12, 1, tzinfo=timezone.utc))
        .order_by(AuditEvent.id.desc())).scalars().first()
    expected.add(month_of(doomed.created_at))

    db.session.execute(text("DELETE FROM audit_events WHERE id = :id"), {"id": doomed.id})
    # An event other than return/dispatch does not count.
    db.session.add(AuditEvent(case_id=event.case_id, action="urge", department_id=world.dept.id,
                              actor_label="系统", created_at=datetime(2026, 2, 3, tzinfo=timezone.utc)))
    db.session.commit()
    db.session.expire_all()
    stale = {m.month for m in db.session.execute(select(FigureMonth)).scalars()
             if m.events_built_version != m.events_version}
    # Months from the open one (2026-12) on have no stored row to go stale; the random events
    # run to 2027-01-13, so a case's events may lie there too.
    assert stale == {month for month in expected if month < "2026-12"}
    assert all(m.built_version == m.version for m in db.session.execute(
        select(FigureMonth)).scalars())  # the cases' counts hold
    # A case made invalid (its events leave the counts), and an invalid one made valid.
    for state in ("closed", "invalid"):
        case = db.session.execute(select(Case).where(
            Case.state == ("invalid" if state == "closed" else "closed"),
            Case.id.in_(select(AuditEvent.case_id).where(
                AuditEvent.action.in_(("return", "dispatch")), AuditEvent.created_at < datetime(
                    2026, 12, 1, tzinfo=timezone.utc)))).order_by(Case.id)).scalars().first()
        db.session.execute(text("UPDATE cases SET state = :s WHERE id = :id"),
                           {"s": state, "id": case.id})
        expected |= {month_of(at) for at in db.session.execute(select(AuditEvent.created_at).where(
            AuditEvent.case_id == case.id, AuditEvent.action.in_(("return", "dispatch")),
            AuditEvent.department_id.is_not(None))).scalars()}
    db.session.commit()
    db.session.expire_all()
    stale = {m.month for m in db.session.execute(select(FigureMonth)).scalars()
             if m.events_built_version != m.events_version}
    assert stale == {month for month in expected if month < "2026-12"}
    for first, last in [(date(2025, 9, 1), date(2026, 12, 1)), (date(2025, 10, 17), date(2026, 9, 2)),
                        (date(2026, 1, 1), date(2026, 9, 1)), (date(2025, 12, 31), date(2026, 12, 10))]:
        start, end = queries.period_bounds(first, last)
        for chosen in (None, {"department": world.dept.id}):
            totals, groups = queries._events_by_department(start, end, chosen, ("return_rate",))
            for action in ("return", "dispatch"):
                assert totals[action] == distinct_cases(action, start, end, chosen, None)[None]
                assert groups[action] == {k: v for k, v in distinct_cases(
                    action, start, end, chosen, "department").items() if v}
    rollup.refresh(NOW0)
    assert all(m.events_built_version == m.events_version for m in db.session.execute(
        select(FigureMonth)).scalars())


def test_the_previous_event_times_match_the_audit_trail(world, make_enterprise):
    rng = random.Random(3)
    random_cases(rng, world, make_enterprise, n=60)
    random_events(rng, world)
    events = db.session.execute(select(AuditEvent).where(
        AuditEvent.action.in_(("return", "dispatch")), AuditEvent.department_id.is_not(None))
        .order_by(AuditEvent.created_at, AuditEvent.id)).scalars().all()
    last, last_department = {}, {}
    for event in events:
        case_key = (event.case_id, event.action)
        assert event.previous_at == last.get(case_key)
        assert event.previous_department_at == last_department.get((*case_key,
                                                                    event.department_id))
        last[case_key] = last_department[(*case_key, event.department_id)] = event.created_at
    assert any(event.previous_at for event in events)
