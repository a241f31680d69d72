"""Every transition and every refusal of DESIGN §3, through the operations everyone calls."""
from datetime import datetime, timedelta, timezone

import pytest

from app.auth.models import Role
from app.cases import operations as ops
from app.cases.errors import CaseActionError
from app.cases.models import (AuditEvent, Case, CaseSource, CaseState, Complexity, ExtensionStatus,
                              Rating, Urgency)
from app.extensions import db
from app.reminders.models import Notification
from tests.conftest import category

# A Tuesday morning in Shanghai, far from holidays.
T0 = datetime(2026, 11, 17, 1, 0, tzinfo=timezone.utc)  # 09:00 local


def refused(code, fn, *args, **kw):
    with pytest.raises(CaseActionError) as info:
        fn(*args, **kw)
    assert info.value.code == code, info.value.message
    assert info.value.message  # a Chinese sentence for the person
    db.session.rollback()
    return info.value


def events(case):
    return [e.action for e in db.session.execute(
        db.select(AuditEvent).filter_by(case_id=case.id).order_by(AuditEvent.id)).scalars()]


def test_submit_creates_case_with_unsequential_tracking_number_and_audit(make_case):
    a, b = make_case(), make_case()
    assert a.state is CaseState.submitted and a.tracking_no != b.tracking_no
    assert a.tracking_no.startswith("MS") and len(a.access_code) == 6
    assert events(a) == ["submit"]


def test_submit_same_key_twice_gives_one_case(app):
    kw = dict(source=CaseSource.card, category=category(), content="路灯坏了很久了",
              contact_phone="13900001111")
    first, created = ops.submit_case(submission_key="k-1", **kw)
    db.session.commit()
    second, created_again = ops.submit_case(submission_key="k-1", **kw)
    assert created and not created_again and first.id == second.id


def test_a_tracking_number_drawn_twice_is_drawn_again_and_the_transaction_goes_on(
        app, world, monkeypatch):
    """A collision breaks the unique constraint inside retryable_write: PostgreSQL rolls back
    a savepoint, SQLite only the failed statement. Either way the caller's earlier writes in
    the same transaction stay, and so does a double tap's answer (the first case)."""
    kw = dict(source=CaseSource.card, category=category(), content="路灯坏了很久了",
              contact_phone="13900001111")
    taken, _ = ops.submit_case(submission_key="k-taken", **kw)
    db.session.commit()
    taken_no = taken.tracking_no
    draws, draw = iter([taken_no, taken_no, "MS2611-NEW777"]), ops.new_tracking_no
    monkeypatch.setattr(ops, "new_tracking_no", lambda now: next(draws, None) or draw(now))
    world.dept.name = "市场监督管理局"  # a write of this transaction before the collision
    case, created = ops.submit_case(submission_key="k-new", **kw)
    assert created and case.tracking_no == "MS2611-NEW777"
    again, created_again = ops.submit_case(submission_key="k-taken", **kw)
    assert not created_again and again.id == taken.id  # the key, not the number, collided
    db.session.commit()
    db.session.expire_all()
    assert world.dept.name == "市场监督管理局"
    assert [c.tracking_no for c in db.session.execute(
        db.select(Case).order_by(Case.id)).scalars()] == [taken_no, "MS2611-NEW777"]
    assert events(case) == ["submit"]


@pytest.mark.parametrize("content,phone,anonymous,field", [
    ("短", "13800138000", False, "content"),
    ("x" * 2001, "13800138000", False, "content"),
    ("足够长的问题描述", "", False, "contact_phone"),
    ("足够长的问题描述", "12345678901", False, "contact_phone"),
])
def test_submit_refuses_bad_input_naming_the_field(app, content, phone, anonymous, field):
    err = refused("invalid_input", ops.submit_case, source=CaseSource.card, category=category(),
                  content=content, contact_phone=phone, is_anonymous=anonymous)
    assert err.field == field and err.status == 400


def test_anonymous_submission_keeps_no_contact(app):
    case, _ = ops.submit_case(source=CaseSource.card, category=category(), content="匿名反映问题",
                              contact_name="李", contact_phone="13800138000", is_anonymous=True)
    assert case.is_anonymous and case.contact_phone is None and case.contact_name is None


def test_staff_sources_need_an_office_role(world):
    refused("wrong_role", ops.submit_case, source=CaseSource.hotline, category=category(),
            content="热线转来的问题", contact_phone="13800138000", actor=world.handler)


def test_answer_now_replies_without_department(make_case, world):
    case = make_case()
    ops.answer_now(case, world.dispatcher, "需要营业执照和环评表", now=T0)
    assert case.state is CaseState.replied and case.lead_department_id is None
    assert case.replied_at == T0


def test_answer_now_refused_for_handler_and_wrong_state(make_case, world):
    case = make_case()
    refused("wrong_role", ops.answer_now, case, world.handler, "答复")
    refused("content_required", ops.answer_now, case, world.dispatcher, "  ")
    dispatched = make_case(CaseState.dispatched)
    refused("wrong_state", ops.answer_now, dispatched, world.dispatcher, "答复")


def test_dispatch_sets_deadlines_and_notifies_department(make_case, world):
    case = make_case()
    ops.dispatch_case(case, world.dispatcher, world.dept, co_departments=[world.other_dept],
                      complexity=Complexity.consultation, now=T0)
    db.session.commit()
    assert case.state is CaseState.dispatched
    local = lambda d: d.astimezone(timezone(timedelta(hours=8)))
    assert local(case.sign_due_at).date().isoformat() == "2026-11-18"
    assert local(case.reply_due_at).date().isoformat() == "2026-11-20"  # 3 working days
    assert local(case.return_due_at).date().isoformat() == "2026-11-19"
    assert [cd.department_id for cd in case.co_departments] == [world.other_dept.id]
    recipients = {n.recipient_id for n in db.session.execute(
        db.select(Notification).filter_by(case_id=case.id, kind="dispatched")).scalars()}
    assert recipients == {world.handler.id, world.head.id}


def test_urgent_case_gets_30_minutes_to_sign(make_case, world):
    case = make_case(urgency=Urgency.urgent)
    ops.dispatch_case(case, world.dispatcher, world.dept, now=T0)
    assert case.complexity is Complexity.urgent
    assert case.sign_due_at - T0 == timedelta(minutes=30)


def test_dispatch_refusals(make_case, world):
    case = make_case()
    refused("wrong_role", ops.dispatch_case, case, world.handler, world.dept)
    refused("invalid_input", ops.dispatch_case, case, world.dispatcher, world.dept,
            co_departments=[world.dept])
    refused("wrong_state", ops.dispatch_case, make_case(CaseState.signed), world.dispatcher,
            world.dept)


def test_sign_by_lead_handler_stamps_time(make_case, world):
    case = make_case(CaseState.dispatched, now=T0)
    ops.sign_case(case, world.handler, now=T0 + timedelta(hours=1))
    assert case.state is CaseState.signed and case.signed_at == T0 + timedelta(hours=1)
    assert case.assignee is world.handler


def test_sign_refusals(make_case, world):
    case = make_case(CaseState.dispatched)
    refused("not_your_department", ops.sign_case, case, world.other_handler)
    refused("wrong_role", ops.sign_case, case, world.dispatcher)
    refused("wrong_state", ops.sign_case, make_case(CaseState.signed), world.handler)


def test_return_with_reason_goes_back_to_dispatcher_and_counts(make_case, world):
    case = make_case(CaseState.dispatched, now=T0)
    ops.return_case(case, world.handler, "属税务部门职责", now=T0 + timedelta(hours=2))
    db.session.commit()
    assert case.state is CaseState.returned and case.return_count == 1
    event = db.session.execute(db.select(AuditEvent).filter_by(case_id=case.id, action="return")
                               ).scalar_one()
    assert event.department_id == world.dept.id and event.note == "属税务部门职责"
    ops.dispatch_case(case, world.dispatcher, world.other_dept, now=T0 + timedelta(hours=3))
    assert case.state is CaseState.dispatched and case.sign_due_at > T0 + timedelta(hours=3)


def test_return_refusals(make_case, world):
    case = make_case(CaseState.dispatched, now=T0)
    refused("reason_required", ops.return_case, case, world.handler, "")
    refused("not_your_department", ops.return_case, case, world.other_handler, "不归我管")
    refused("deadline_passed", ops.return_case, case, world.handler, "太晚了",
            now=T0 + timedelta(days=5))
    refused("wrong_state", ops.return_case, make_case(CaseState.replied), world.handler, "理由")


def test_extension_approved_moves_deadline(make_case, world):
    case = make_case(CaseState.signed, now=T0, complexity=Complexity.general)
    before = case.reply_due_at
    ops.request_extension(case, world.handler, 10, "需要测绘", now=T0 + timedelta(days=1))
    db.session.commit()
    refused("extension_pending", ops.request_extension, case, world.handler, 2, "再延",
            now=T0 + timedelta(days=1))
    ops.approve_extension(case, world.dispatcher, now=T0 + timedelta(days=1))
    db.session.commit()
    assert case.reply_due_at > before + timedelta(days=13)  # 10 working days = 2 weeks
    assert case.extension_count == 1 and case.original_reply_due_at == before
    assert case.extension_requests[0].status is ExtensionStatus.approved


def test_extension_refusals(make_case, world):
    case = make_case(CaseState.signed, now=T0)
    refused("reason_required", ops.request_extension, case, world.handler, 3, "")
    refused("invalid_input", ops.request_extension, case, world.handler, 11, "太多天")
    refused("deadline_passed", ops.request_extension, case, world.handler, 3, "晚了",
            now=T0 + timedelta(days=30))
    refused("no_pending_extension", ops.approve_extension, case, world.dispatcher)
    ops.request_extension(case, world.handler, 3, "需要协调", now=T0)
    db.session.commit()
    refused("wrong_role", ops.approve_extension, case, world.handler)
    refused("reason_required", ops.refuse_extension, case, world.dispatcher, "")
    ops.refuse_extension(case, world.dispatcher, "可以按期办结", now=T0)
    assert case.extension_requests[0].status is ExtensionStatus.refused
    refused("wrong_state", ops.request_extension, make_case(CaseState.dispatched), world.handler,
            3, "未签收")


def test_reply_and_refusals(make_case, world):
    case = make_case(CaseState.signed)
    refused("content_required", ops.reply_to_case, case, world.handler, "")
    refused("not_your_department", ops.reply_to_case, case, world.other_handler, "答复")
    ops.reply_to_case(case, world.handler, "已协调解决", now=T0)
    assert case.state is CaseState.replied and case.replied_at == T0
    refused("wrong_state", ops.reply_to_case, case, world.handler, "再答复")


def test_co_department_adds_opinion_but_cannot_reply(make_case, world):
    case = make_case()
    ops.dispatch_case(case, world.dispatcher, world.dept, co_departments=[world.other_dept])
    ops.add_co_opinion(case, world.other_handler, "我局负责道路许可部分")
    db.session.commit()
    refused("not_your_department", ops.reply_to_case, case, world.other_handler, "答复")
    assert [r.is_public for r in case.replies] == [False]


def test_satisfied_rating_closes(make_case):
    case = make_case(CaseState.replied)
    ops.rate_case(case, Rating.very_satisfied, now=T0)
    assert case.state is CaseState.closed and case.closed_at == T0


def test_unsatisfied_rating_reopens_as_rework(make_case, world):
    case = make_case(CaseState.replied)
    ops.rate_case(case, Rating.dissatisfied, "只说会考虑", now=T0, tags=["unresolved"])
    assert case.state is CaseState.signed and case.reopen_count == 1
    ops.reply_to_case(case, world.handler, "招聘会定于下月5日", now=T0 + timedelta(hours=1))
    ops.rate_case(case, Rating.satisfied, now=T0 + timedelta(hours=2))
    assert case.state is CaseState.closed and case.reopen_count == 1


def test_rate_refusals(make_case, world):
    refused("wrong_state", ops.rate_case, make_case(CaseState.signed), Rating.satisfied)
    refused("wrong_role", ops.rate_case, make_case(CaseState.replied), Rating.satisfied,
            actor=world.handler)
    ops.rate_case(make_case(CaseState.replied), Rating.satisfied, actor=world.dispatcher)


def test_close_unrated_after_three_working_days(make_case):
    case = make_case(CaseState.replied, now=T0)
    refused("not_yet_due", ops.close_unrated, case, now=T0 + timedelta(days=1))
    case = db.session.merge(case)
    ops.close_unrated(case, now=T0 + timedelta(days=3, minutes=1))
    assert case.state is CaseState.closed and case.closed_unrated and case.rating is None


def test_urge_and_supervise_raise_escalation_and_notify(make_case, world, make_enterprise,
                                                        make_user):
    leader = make_user(Role.leader, username="leader1")
    enterprise = make_enterprise(package_leader=leader)
    case = make_case(CaseState.signed, enterprise=enterprise)
    ops.urge_case(case, world.dispatcher, now=T0)
    assert case.escalation_level == 1
    ops.supervise_case(case, None, now=T0)
    db.session.commit()
    assert case.escalation_level == 2
    kinds = {(n.kind, n.recipient_id) for n in db.session.execute(
        db.select(Notification).filter_by(case_id=case.id)).scalars()}
    assert ("urge", world.head.id) in kinds and ("urge", world.dispatcher.id) in kinds
    assert ("supervise", leader.id) in kinds and ("supervise", world.supervisor.id) in kinds
    refused("wrong_role", ops.urge_case, case, world.handler)
    refused("wrong_state", ops.urge_case, make_case(CaseState.closed), world.dispatcher)


def test_mark_invalid_needs_reason(make_case, world):
    case = make_case()
    refused("reason_required", ops.mark_invalid, case, world.dispatcher, "")
    refused("wrong_role", ops.mark_invalid, case, world.handler, "广告")
    ops.mark_invalid(case, world.dispatcher, "广告信息")
    assert case.state is CaseState.invalid
    refused("wrong_state", ops.mark_invalid, make_case(CaseState.dispatched), world.dispatcher,
            "广告")


def test_reassign_within_department_by_head_only(make_case, world, make_user):
    case = make_case(CaseState.signed)
    colleague = make_user(Role.handler, world.dept)
    refused("wrong_role", ops.reassign_case, case, world.handler, colleague)
    refused("invalid_input", ops.reassign_case, case, world.head, world.other_handler)
    ops.reassign_case(case, world.head, colleague)
    assert case.assignee is colleague


def test_every_action_writes_one_audit_event(make_case, world):
    case = make_case(CaseState.closed)
    assert events(case) == ["submit", "dispatch", "sign", "reply", "rate"]
