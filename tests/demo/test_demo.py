"""The demo county: what `flask demo load` builds, that it is idempotent, and the banner."""
import re

from sqlalchemy import event, func

from app.auth.models import Role, User
from app.auth.passwords import verify_password
from app.cards.models import Card, CardKind
from app.cards.operations import card_by_token
from app.cases.models import (AuditEvent, Case, CaseSource, CaseState, Category, Reply)
from app.core.clock import utcnow
from app.demo import data
from app.departments.models import Department, DepartmentKind
from app.enterprises.credit_code import is_valid_credit_code
from app.enterprises.models import Enterprise
from app.extensions import db


def count(model, *where):
    return db.session.execute(db.select(func.count()).select_from(model).where(*where)).scalar()


def snapshot():
    """Row counts of every table: what a second load must leave as it is."""
    return {t.name: db.session.execute(db.select(func.count()).select_from(t)).scalar()
            for t in db.metadata.sorted_tables}


def load(runner, *args):
    result = runner.invoke(args=["demo", "load", *args])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return result.output


def test_load_builds_the_demo_county_with_every_state_source_and_category(runner):
    assert "new cases" in load(runner, "--if-empty")  # an empty database: --if-empty loads

    assert count(Department, Department.kind != DepartmentKind.township) == 26
    assert count(Department, Department.kind == DepartmentKind.lead) == 7
    assert count(Department, Department.kind == DepartmentKind.township) >= 8
    assert all(c.default_department is not None
               for c in db.session.execute(db.select(Category)).scalars())
    enterprises = db.session.execute(db.select(Enterprise)).scalars().all()
    assert 85 <= len(enterprises) <= 95
    assert sum(e.is_monitoring_point for e in enterprises) == 7
    assert 15 <= sum(e.is_key_enterprise for e in enterprises) <= 25
    assert all(is_valid_credit_code(e.credit_code) for e in enterprises)
    assert all(e.package_leader.role is Role.leader for e in enterprises if e.is_key_enterprise)

    users = db.session.execute(db.select(User)).scalars().all()
    assert {u.role for u in users} == set(Role)
    assert not any(u.must_change_password for u in users)
    admin = next(u for u in users if u.username == "admin")
    assert verify_password(admin.password_hash, data.DEMO_PASSWORD)

    cases = db.session.execute(db.select(Case)).scalars().all()
    assert len(cases) >= 190
    assert {c.state for c in cases} == set(CaseState)
    assert {c.source for c in cases} == set(CaseSource)
    assert len({c.category_id for c in cases}) == 13
    # The story's cases by their keys; the field's (app/demo/field.py) by their visit or finding.
    from app.field.models import SupervisionFinding, VisitCase
    field_cases = set(db.session.execute(db.select(VisitCase.case_id)).scalars()) | set(
        db.session.execute(db.select(SupervisionFinding.case_id)).scalars())
    # The rounds' suggestions (app/demo/rounds.py) by their suggestion rows.
    from app.rounds.models import RoundSuggestion
    field_cases |= set(db.session.execute(db.select(RoundSuggestion.case_id)).scalars())
    from app.assessments.models import AssessmentCase  # the 现场测评's (app/demo/assessments.py)
    field_cases |= set(db.session.execute(db.select(AssessmentCase.case_id)).scalars())
    assert field_cases and all(c.submission_key.startswith("demo-") for c in cases
                               if c.id not in field_cases)
    # Replied through the operations, so the figures' median has every handling time.
    from app.cases.operations import handling_seconds
    from app.workdays.calendar import WorkCalendar
    calendar = WorkCalendar.from_database()
    handled = [c for c in cases if c.dispatched_at and c.replied_at
               and c.state in (CaseState.replied, CaseState.closed)]
    assert len(handled) >= 50
    assert all(c.handling_seconds == handling_seconds(c.dispatched_at, c.replied_at, calendar)
               for c in handled)


def test_demo_cases_tell_the_ten_stories_through_the_real_operations(runner):
    load(runner)
    now = utcnow()
    cases = db.session.execute(db.select(Case)).scalars().all()
    actions = {}
    for e in db.session.execute(db.select(AuditEvent).order_by(AuditEvent.id)).scalars():
        actions.setdefault(e.case_id, []).append(e)
    # Every state was reached by operations: each case's story starts with submit and runs forward.
    for case in cases:
        events = actions[case.id]
        assert events[0].action == "submit"
        times = [e.created_at for e in events]
        assert times == sorted(times) and times[-1] <= now
        assert case.state.name == ([e.to_state for e in events if e.to_state][-1])
    closed = [c for c in cases if c.state is CaseState.closed]
    assert any(actions[c.id][1].action == "answer_now" for c in closed)                # story 1
    assert any(c.co_departments and any(not r.is_public for r in c.replies)
               for c in closed)                                                          # 3
    assert any(c.return_count and c.state is CaseState.closed for c in cases)            # 4
    assert any(c.extension_count and c.replied_at > c.original_reply_due_at
               and c.replied_at <= c.reply_due_at for c in closed)                       # 5
    assert any(c.reopen_count and c.rating.is_satisfied for c in closed)                 # 6
    overdue = [c for c in cases if c.state is CaseState.signed and c.reply_due_at < now]
    assert any(c.escalation_level == 2 for c in overdue)                                 # 7
    assert any(c.state is CaseState.invalid and c.invalid_reason == "广告信息"
               for c in cases)                                                           # 8
    revoked = [c for c in cases if c.via_revoked_card]
    assert revoked and all(c.card.is_revoked for c in revoked)                           # 9
    assert any(c.source is CaseSource.hotline and c.rating
               and actions[c.id][-1].actor.role is Role.dispatcher for c in closed)      # 10
    assert any(c.closed_unrated for c in closed)
    assert any(c.signed_at > c.sign_due_at for c in cases if c.signed_at)
    assert any(c.first_replied_at > c.original_reply_due_at
               for c in cases if c.first_replied_at and c.original_reply_due_at)
    assert any(c.state is CaseState.dispatched and c.sign_due_at < now for c in cases)
    assert count(Reply) > 150


def test_second_load_changes_nothing(runner):
    load(runner)
    before = snapshot()
    writes = []

    def record(conn, cursor, statement, *args):
        if statement.lstrip().split()[0].upper() in {"INSERT", "UPDATE", "DELETE"}:
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert "0 new cases" in load(runner)
        assert "not loaded" in load(runner, "--if-empty")
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert writes == []
    assert snapshot() == before


def test_if_empty_does_nothing_when_departments_exist(runner, make_department):
    make_department(code="OWN", name="本县自有部门")
    assert "not loaded" in load(runner, "--if-empty")
    assert count(Department) == 1 and count(Case) == 0 and count(User) == 0


def test_banner_shows_logins_and_card_urls_that_resolve(runner):
    load(runner)
    result = runner.invoke(args=["demo", "banner", "--base-url", "http://county.example/"])
    assert result.exit_code == 0, result.output
    assert data.DEMO_PASSWORD in result.output
    for username in ("admin", "dispatcher", "handler_power", "head_power", "leader", "supervisor",
                     "jiwei", "jd_wang"):
        assert username in result.output
    tokens = re.findall(r"http://county\.example/q/(\S+)", result.output)
    assert len(tokens) == 2
    enterprise_card, hall_card = (card_by_token(t) for t in tokens)
    assert enterprise_card is not None and not enterprise_card.is_revoked
    assert enterprise_card.enterprise.is_monitoring_point
    assert hall_card.kind is CardKind.hall and not hall_card.is_revoked
    assert count(Card, Card.kind == CardKind.hall) == 2


def test_banner_without_demo_data_says_how_to_load_it(runner):
    result = runner.invoke(args=["demo", "banner"])
    assert result.exit_code == 0 and "demo load" in result.output


def test_the_demo_has_supervisors_a_finished_and_a_running_campaign(runner):
    from app.assessments import queries
    from app.assessments.models import Assessment
    load(runner)
    past, running = sorted(queries.campaigns(), key=lambda c: c.starts_on)
    assert len(past.targets) == 19  # the county's functional departments
    assert len(queries.campaign_matrix(running).unfinished) >= 1
    assert sum(r.finished for r in queries.campaign_matrix(past).rows) >= 1
    assert count(Assessment) >= 80
    load(runner)  # a second load adds nothing
    assert len(queries.campaigns()) == 2
