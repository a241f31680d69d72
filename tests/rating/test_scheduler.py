"""The scheduler's part of the 差评 loop: a reminder before the 回访 deadline and its overdue
escalation, 整改 reminders and urging, once each however often the tick runs."""
import pytest

from app.cases import operations as ops
from app.cases.models import AuditEvent, CaseState, Rating
from app.core.timeutil import format_deadline, format_local
from app.extensions import db
from app.rating import operations as rating_ops
from app.reminders.models import Notification
from app.reminders.tasks import tick
from tests.reminders.conftest import T0, minutes, set_limit


@pytest.fixture
def loop_limits(app):
    """回访 60 min, 整改 120 min, warn 10 min before, supervise 30 min after."""
    set_limit("callback", 60)
    set_limit("rework", 120)
    set_limit("remind_before", 10)
    set_limit("supervise_after", 30)
    set_limit("close_unrated", 600)
    db.session.commit()


def sent(case):
    return sorted((n.kind, n.recipient.username) for n in db.session.scalars(
        db.select(Notification).where(Notification.case_id == case.id,
                                      Notification.kind.like("%callback%")
                                      | Notification.kind.like("%rework%"))))


def count(case, action):
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .filter_by(case_id=case.id, action=action))


def run(at, fixed_clock):
    fixed_clock.set(at)
    tick(at, deliver=False)
    db.session.expire_all()


def test_callback_and_rework_are_reminded_and_escalated_once(loop_limits, make_case, world,
                                                             fixed_clock):
    case = make_case(CaseState.replied, now=T0)
    ops.rate_case(case, Rating.very_dissatisfied, "没解决", now=T0, tags=["unresolved"])
    db.session.commit()
    assert case.callback_due_at == minutes(60) and case.rework_due_at == minutes(120)
    assert case.next_check_at == minutes(50)  # the 回访 reminder comes first

    run(minutes(50), fixed_clock)
    assert sent(case) == [("callback_due", "dispatcher"),
                          ("remind_callback_before", "dispatcher")]
    for _ in range(2):  # a second tick (or a second process) adds nothing
        run(minutes(61), fixed_clock)
    assert count(case, "callback_overdue") == 1
    assert ("callback_overdue", "dispatcher") in sent(case)
    assert ("callback_overdue", "supervisor") in sent(case)
    assert ("remind_rework_50", "handler_market") in sent(case)

    rating_ops.record_callback(case, world.dispatcher, True, "企业说设备仍有故障",
                               now=minutes(70))
    db.session.commit()
    run(minutes(121), fixed_clock)
    run(minutes(121), fixed_clock)
    urges = db.session.scalars(db.select(AuditEvent).filter_by(case_id=case.id, action="urge"))
    assert [e.note for e in urges] == [f"已超过整改时限（{format_deadline(minutes(120))}），请抓紧整改并答复"]
    assert count(case, "callback_overdue") == 1

    ops.reply_to_case(case, world.handler, "已更换设备", now=minutes(130))
    db.session.commit()
    assert case.state is CaseState.replied and count(case, "rework_feedback") == 1


def test_a_callback_runs_while_the_case_waits_in_the_office(loop_limits, make_case, world,
                                                           fixed_clock):
    """Answered at intake, a 差评 sends the case back to 待受理: the 回访 still runs."""
    case = make_case(now=T0)
    ops.answer_now(case, world.dispatcher, "可网上办理", now=T0)
    ops.rate_case(case, Rating.dissatisfied, now=T0, tags=["unclear"])
    db.session.commit()
    assert case.state is CaseState.submitted and case.next_check_at == minutes(50)
    run(minutes(61), fixed_clock)
    assert count(case, "callback_overdue") == 1 and case.next_check_at is None
    # A phase change reschedules the case from its first point (the 回访's, still pending):
    # the escalation already made is not made again.
    ops.dispatch_case(case, world.dispatcher, world.dept, now=minutes(62))
    db.session.commit()
    assert case.next_check_at == minutes(50)
    run(minutes(63), fixed_clock)
    assert count(case, "callback_overdue") == 1
