"""The 差评 loop's operations: reasons, 回访, 整改反馈, the one 追评, 申诉复核 and who may do what."""
from datetime import datetime, timedelta, timezone

import pytest

from app.auth.models import Role
from app.cases import operations as ops
from app.cases.errors import CaseActionError
from app.cases.labels import ACTION_LABELS
from app.cases.models import AuditEvent, CaseState, Rating
from app.extensions import db
from app.rating import operations as rating_ops
from app.rating.models import AppealKind, AppealState, CaseRating, RatingChannel
from app.reminders.models import Notification
from app.workdays.calendar import WorkCalendar

# Tuesday 2026-11-17 09:00 in Shanghai: 回访 (1 working day) → Wed 18th 09:00, 整改 (5) → 24th.
T0 = datetime(2026, 11, 17, 1, 0, tzinfo=timezone.utc)
HOUR = timedelta(hours=1)


def events(case, action):
    return db.session.scalars(db.select(AuditEvent).filter_by(case_id=case.id, action=action)
                              .order_by(AuditEvent.id)).all()


def refused(code, call, *args, **kwargs):
    with pytest.raises(CaseActionError) as info:
        call(*args, **kwargs)
    assert info.value.code == code, info.value.message
    return info.value


@pytest.fixture
def complained(make_case):
    """A replied case the enterprise rated 非常不满意 at T0 + 1 h."""
    case = make_case(CaseState.replied, now=T0)
    ops.rate_case(case, Rating.very_dissatisfied, "只说会考虑，没有下文", now=T0 + HOUR,
                  tags=["unresolved", "unclear"])
    db.session.commit()
    return case


def test_a_bad_rating_without_a_reason_is_refused_and_changes_nothing(make_case):
    case = make_case(CaseState.replied, now=T0)
    error = refused("reason_required", ops.rate_case, case, Rating.very_dissatisfied, "太慢")
    assert "请至少选择一项原因" in error.message and error.field == "tags"
    refused("reason_required", ops.rate_case, case, Rating.dissatisfied, None, tags=["other"])
    refused("invalid_input", ops.rate_case, case, Rating.dissatisfied, None, tags=["nonsense"])
    db.session.rollback()
    assert case.state is CaseState.replied and case.rating is None
    assert db.session.scalar(db.select(db.func.count(CaseRating.id))) == 0
    ops.rate_case(case, Rating.dissatisfied, "原因见下", tags=["other"])  # 其他 with words: fine


def test_a_bad_rating_reopens_the_case_and_starts_the_check(complained, world):
    case = complained
    calendar = WorkCalendar.from_database()
    assert case.state is CaseState.signed and case.reopen_count == 1
    assert case.callback_due_at == calendar.add_workdays(T0 + HOUR, 1)
    assert case.rework_due_at == calendar.add_workdays(T0 + HOUR, 5)
    assert case.reply_due_at == case.rework_due_at and case.complaint_at == T0 + HOUR
    [row] = case.rating_history
    assert (row.level, row.tags, row.channel, row.rated_at, row.is_follow_up) == (
        Rating.very_dissatisfied, ["unresolved", "unclear"], RatingChannel.status_page,
        T0 + HOUR, False)
    [rate] = events(case, "rate")
    assert rate.data["reopened"] and rate.data["tags"] == ["unresolved", "unclear"]
    kinds = {(n.kind, n.recipient.username) for n in db.session.scalars(db.select(Notification))}
    assert ("callback_due", "dispatcher") in kinds and ("reopened", "handler_market") in kinds


def test_callback_rework_feedback_and_one_follow_up_rating(complained, world):
    case = complained
    refused("wrong_role", rating_ops.record_callback, case, world.handler, True, "打过电话")
    refused("note_required", rating_ops.record_callback, case, world.dispatcher, False, " ")
    rating_ops.record_callback(case, world.dispatcher, False, "电话未接通，已发短信",
                               now=T0 + 2 * HOUR)
    db.session.commit()
    [callback] = events(case, "callback")
    assert callback.data == {"reached": False, "on_time": True}
    assert case.callback_at == T0 + 2 * HOUR and case.rating_history[0].callback_reached is False
    refused("already_done", rating_ops.record_callback, case, world.dispatcher, True, "再打")

    reply = ops.reply_to_case(case, world.handler, "已上门整改，设备已更换", now=T0 + 30 * HOUR)
    db.session.commit()
    [feedback] = events(case, "rework_feedback")
    assert feedback.data == {"on_time": True} and feedback.department_id == world.dept.id
    assert case.rework_feedback_at == T0 + 30 * HOUR
    assert case.rating_history[0].rework_reply is reply

    ops.rate_case(case, Rating.dissatisfied, "还是慢", now=T0 + 31 * HOUR, tags=["slow"])
    db.session.commit()
    assert case.state is CaseState.closed and case.reopen_count == 1  # one 追评, no second loop
    follow_up = case.rating_history[-1]
    assert follow_up.is_follow_up and case.rating is Rating.dissatisfied
    assert case.complaint_at == T0 + HOUR and len(events(case, "follow_up_rate")) == 1
    refused("wrong_state", ops.rate_case, case, Rating.satisfied)


def test_only_the_enterprise_rates_and_a_phone_rating_says_so(make_case, world):
    case = make_case(CaseState.replied, now=T0)
    refused("wrong_role", ops.rate_case, case, Rating.satisfied, actor=world.handler)
    refused("wrong_role", ops.rate_case, case, Rating.satisfied, actor=world.supervisor)
    ops.rate_case(case, Rating.satisfied, "电话里说很满意", actor=world.dispatcher, now=T0,
                  channel=RatingChannel.card)  # staff recording: always the phone channel
    [row] = case.rating_history
    assert row.channel is RatingChannel.phone and row.recorded_by is world.dispatcher


def test_a_department_appeals_and_another_department_decides(complained, world, make_user):
    case = complained
    refused("not_your_department", rating_ops.appeal_rating, case, world.other_handler,
            AppealKind.malicious, "不是我们的")
    refused("wrong_role", rating_ops.appeal_rating, case, world.dispatcher,
            AppealKind.malicious, "证据")
    refused("invalid_input", rating_ops.appeal_rating, case, world.handler, None, "证据")
    refused("evidence_required", rating_ops.appeal_rating, case, world.handler,
            AppealKind.mistaken, "")
    row = rating_ops.appeal_rating(case, world.handler, AppealKind.mistaken,
                                   "企业来电说明选错了选项，有通话录音", now=T0 + 2 * HOUR)
    db.session.commit()
    assert row.appeal_state is AppealState.pending
    refused("nothing_to_appeal", rating_ops.appeal_rating, case, world.head, AppealKind.mistaken,
            "再申诉一次")

    own = make_user(Role.dispatcher, world.dept, username="dispatcher_market")
    refused("own_department", rating_ops.decide_appeal, case, own, True, "同意")
    refused("wrong_role", rating_ops.decide_appeal, case, world.other_handler, True, "同意")
    refused("reason_required", rating_ops.decide_appeal, case, world.dispatcher, True, "")
    rating_ops.decide_appeal(case, world.dispatcher, True, "录音证实为误选", now=T0 + 3 * HOUR)
    db.session.commit()
    assert row.appeal_state is AppealState.upheld and row.appeal_decided_by is world.dispatcher
    assert case.rating_excluded and case.appeals_upheld == 1
    [decision] = events(case, "decide_appeal")
    assert decision.data["upheld"] is True and decision.department_id == world.dept.id
    refused("no_pending_appeal", rating_ops.decide_appeal, case, world.dispatcher, False, "x")


def test_a_later_rating_is_counted_again(complained, world):
    """The upheld appeal sets aside the rating it was about, not the enterprise's next one."""
    case = complained
    rating_ops.appeal_rating(case, world.handler, AppealKind.malicious, "证据", now=T0 + 2 * HOUR)
    rating_ops.decide_appeal(case, world.dispatcher, True, "成立", now=T0 + 3 * HOUR)
    ops.reply_to_case(case, world.handler, "整改完毕", now=T0 + 4 * HOUR)
    ops.rate_case(case, Rating.satisfied, now=T0 + 5 * HOUR)
    assert not case.rating_excluded and case.appeals_upheld == 1


def test_each_operation_is_one_transaction_with_a_labelled_event(complained, world):
    """The operations flush and never commit: the caller's rollback leaves nothing behind."""
    case = complained
    rating_ops.record_callback(case, world.dispatcher, True, "已接通")
    db.session.rollback()
    assert case.callback_at is None and not events(case, "callback")
    for action in ("follow_up_rate", "rework_feedback", "callback", "callback_overdue",
                   "appeal_rating", "decide_appeal"):
        assert action in ACTION_LABELS


def test_answer_now_after_a_bad_rating_is_the_rework_feedback(make_case, world):
    case = make_case(now=T0)
    ops.answer_now(case, world.dispatcher, "当即答复：可在网上办理", now=T0)
    ops.rate_case(case, Rating.dissatisfied, now=T0 + HOUR, tags=["unclear"])
    assert case.state is CaseState.submitted and case.callback_due_at is not None
    ops.answer_now(case, world.dispatcher, "补充说明办理入口和材料", now=T0 + 2 * HOUR)
    assert case.rework_feedback_at == T0 + 2 * HOUR and len(events(case, "rework_feedback")) == 1
