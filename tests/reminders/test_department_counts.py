"""department_case_counts (migration 0160) stays equal to a live count of the cases, whatever
writes them: the case operations, bulk SQL, deletes; and the migration fills it from the cases
already there. The digests' overdue counts read it (the kept counts less the cases not yet
overdue) and must equal a live count of overdue_condition."""
from datetime import timedelta

import flask_migrate
from sqlalchemy import event, func, text

from app.auth.models import Role
from app.cases import operations as ops
from app.cases.models import COUNTED_STATES, Case, CaseState, DepartmentCaseCount, Rating
from app.extensions import db
from app.reminders.queries import (department_state_counts, department_summaries,
                                   office_summary, overdue_condition, overdue_counts)
from app.reminders.tasks import send_digests
from tests.reminders.conftest import T0


def live_counts():
    return {(department_id, state): count for department_id, state, count in db.session.execute(
        db.select(Case.lead_department_id, Case.state, func.count())
        .where(Case.lead_department_id.is_not(None), Case.state.in_(COUNTED_STATES))
        .group_by(Case.lead_department_id, Case.state))}


def kept_counts():
    db.session.expire_all()
    return {(department_id, state): count
            for department_id, counts in department_state_counts().items()
            for state, count in counts.items() if count}


def live_overdue(now):
    return dict(db.session.execute(
        db.select(Case.lead_department_id, func.count()).where(overdue_condition(now))
        .group_by(Case.lead_department_id)).all())


def assert_exact(now=None):
    db.session.commit()
    assert kept_counts() == live_counts()
    for moment in ([now] if now else []) + [T0, T0 + timedelta(days=3), T0 + timedelta(days=40)]:
        assert overdue_counts(moment) == live_overdue(moment), moment


def test_the_counts_follow_every_operation(app, world, make_case):
    """Dispatch, sign, return and re-dispatch elsewhere, reply, a 差评 reopening, a satisfied
    rating closing, the scheduler's close, invalid: after each, kept == live."""
    assert_exact()
    cases = [make_case(state, now=T0 + timedelta(hours=index), department=department)
             for index, (state, department) in enumerate([
                 (CaseState.dispatched, world.dept), (CaseState.dispatched, world.other_dept),
                 (CaseState.signed, world.dept), (CaseState.replied, world.dept),
                 (CaseState.replied, world.other_dept), (CaseState.submitted, world.dept)])]
    assert kept_counts()[(world.dept.id, CaseState.replied)] == 1
    assert_exact()
    first, second, signed, replied, other_replied, fresh = cases
    ops.sign_case(first, world.handler, now=T0 + timedelta(hours=8))
    assert_exact()
    ops.return_case(second, world.other_handler, "不属于本部门职责", now=T0 + timedelta(hours=9))
    assert_exact()
    ops.dispatch_case(second, world.dispatcher, world.dept, now=T0 + timedelta(hours=10))
    assert_exact()
    ops.reply_to_case(signed, world.handler, "已处理", now=T0 + timedelta(days=1))
    assert_exact()
    ops.rate_case(replied, Rating.dissatisfied, now=T0 + timedelta(days=2), tags=["slow"])
    assert_exact()
    ops.rate_case(signed, Rating.satisfied, now=T0 + timedelta(days=2))
    assert_exact()
    ops.close_unrated(other_replied, now=T0 + timedelta(days=30))
    assert_exact()
    ops.mark_invalid(fresh, world.dispatcher, "广告信息", now=T0)
    ops.dispatch_case(make_case(now=T0), world.dispatcher, world.other_dept, now=T0)
    assert_exact()
    # signed (first), reopened by the 差评 (replied), re-dispatched (second); the new one.
    assert kept_counts() == {(world.dept.id, CaseState.signed): 2,
                             (world.dept.id, CaseState.dispatched): 1,
                             (world.other_dept.id, CaseState.dispatched): 1}


def test_the_counts_follow_bulk_sql_inserts_and_deletes(app, world, make_case):
    """Writes past the operations — an UPDATE of many cases' state and department, cases
    without a deadline, an INSERT copying rows, DELETEs — keep the counts exact, and the
    overdue count still equals the live one (a case without a deadline is never overdue)."""
    for index in range(12):
        make_case([CaseState.dispatched, CaseState.signed, CaseState.replied][index % 3],
                  now=T0 + timedelta(days=index), department=[world.dept, world.other_dept][index % 2])
    assert_exact(T0 + timedelta(days=9))
    with db.engine.begin() as conn:
        conn.execute(text("UPDATE cases SET lead_department_id = :to WHERE state = 'signed'"),
                     {"to": world.other_dept.id})
        for state, column in (("dispatched", "sign_due_at"), ("signed", "reply_due_at")):
            conn.execute(text(f"UPDATE cases SET {column} = NULL WHERE id IN "
                              f"(SELECT min(id) FROM cases WHERE state = '{state}')"))
        conn.execute(text("UPDATE cases SET state = 'closed' WHERE state = 'replied' "
                          "AND lead_department_id = :d"), {"d": world.dept.id})
        conn.execute(text("UPDATE cases SET state = state"))  # a no-op write moves nothing
    assert_exact(T0 + timedelta(days=9))
    # Copies of every case with a department (INSERT … SELECT), then the copies deleted.
    columns = ", ".join(c.name for c in Case.__table__.columns
                        if c.name not in ("id", "tracking_no"))
    db.session.execute(text(
        f"INSERT INTO cases (tracking_no, {columns}) SELECT 'COPY' || id, {columns} "
        f"FROM cases WHERE lead_department_id IS NOT NULL"))
    db.session.commit()
    assert_exact(T0 + timedelta(days=9))
    assert sum(kept_counts().values()) == 2 * db.session.scalar(
        db.select(func.count()).select_from(Case).where(
            Case.tracking_no.not_like("COPY%"), Case.lead_department_id.is_not(None),
            Case.state.in_(COUNTED_STATES)))
    db.session.execute(text("UPDATE cases SET state = 'signed' WHERE tracking_no LIKE 'COPY%' "
                            "AND state = 'dispatched'"))
    db.session.execute(text("DELETE FROM cases WHERE tracking_no LIKE 'COPY%' AND state = 'signed'"))
    db.session.commit()
    assert_exact(T0 + timedelta(days=9))
    db.session.execute(text("DELETE FROM cases WHERE tracking_no LIKE 'COPY%'"))
    db.session.commit()
    assert_exact(T0 + timedelta(days=9))


def test_the_digests_read_the_kept_counts(app, world, make_case):
    """What the heads and the office read: a corrupted kept count shows in the digest (so the
    digest does read the table), and the office's overdue lines equal the live count."""
    for index in range(5):
        make_case(CaseState.dispatched, now=T0 + timedelta(hours=index))
    make_case(CaseState.signed, now=T0, department=world.other_dept)
    later = T0 + timedelta(days=20)
    assert department_summaries({world.dept.id}, later)[world.dept.id].overdue_count == 5
    assert "· 市场监管局：逾期 5 件\n· 税务局：逾期 1 件" in office_summary(later)
    db.session.execute(db.update(DepartmentCaseCount).where(
        DepartmentCaseCount.department_id == world.dept.id).values(cases=7))
    summary = department_summaries({world.dept.id}, later)[world.dept.id]
    assert summary.counts["dispatched"] == 7 and summary.overdue_count == 7
    db.session.rollback()


def test_the_migration_fills_the_counts_from_the_cases_there(app, world, make_case):
    for index, state in enumerate([CaseState.dispatched, CaseState.signed, CaseState.replied,
                                   CaseState.closed, CaseState.signed]):
        make_case(state, now=T0 + timedelta(hours=index),
                  department=world.other_dept if index == 4 else world.dept)
    before = live_counts()
    assert len(before) == 4
    mine, other = world.dept.id, world.other_dept.id
    db.session.remove()  # release the read: PostgreSQL's DDL waits for every reader
    flask_migrate.downgrade(revision="0150")
    try:  # written while no trigger keeps the counts
        with db.engine.begin() as conn:
            conn.execute(text("UPDATE cases SET lead_department_id = :to WHERE state = 'replied'"),
                         {"to": other})
    finally:
        flask_migrate.upgrade()
    assert_exact()
    assert kept_counts()[(other, CaseState.replied)] == 1
    assert (mine, CaseState.replied) not in kept_counts()


def test_the_days_digests_take_as_many_statements_for_five_departments_as_for_two(
        app, world, make_department, make_user, make_case):
    """Nothing per department or per head: each head's department (read for the group robot)
    is the row the summaries read, held — not a lazy load each (the session keeps objects
    only weakly, so an unheld row is gone by the time the robot is looked up)."""
    def statements(now):
        db.session.remove()  # nothing of the test's own objects in the session
        seen = []
        listener = lambda *args: seen.append(args[2])  # noqa: E731 (the statement)
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            sent = send_digests(now)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
        return sent, len(seen)

    make_user(Role.department_head, world.other_dept, username="head_tax")
    make_case(CaseState.dispatched, now=T0)
    two = statements(T0)  # Tuesday 09:00, after the digest time
    for code in ("A", "B", "C"):
        make_user(Role.department_head, make_department(code=code, name=f"部门{code}"))
    five = statements(T0 + timedelta(days=1))  # the next working day: due again
    assert two[0] == 2 and five[0] == 5
    assert two[1] == five[1]
