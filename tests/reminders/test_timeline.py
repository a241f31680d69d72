"""A case dispatched with drill limits gets exactly the reminders, urge and supervise it
should, in order, to the right people, over in-app, e-mail and the group robots."""
from datetime import timedelta

from app.cases import operations as ops
from app.cases.models import AuditEvent, CaseState, Rating
from app.extensions import db
from app.reminders.models import Delivery, DeliveryStatus, Notification
from app.reminders.tasks import tick
from app.settings.models import LimitUnit
from tests.reminders.conftest import T0, minutes, set_limit

TIMELINE_KINDS = ("remind_sign_50", "remind_sign_80", "remind_sign_before", "remind_handle_50",
                  "remind_handle_80", "remind_handle_before", "urge", "supervise",
                  "remind_rework_50", "remind_rework_80", "remind_rework_before")


def sent(kinds=TIMELINE_KINDS):
    rows = db.session.execute(db.select(Notification).where(Notification.kind.in_(kinds))
                              .order_by(Notification.id)).scalars()
    return [(n.kind, n.recipient.username) for n in rows]


def audit(case, action):
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .filter_by(case_id=case.id, action=action))


def test_short_limits_give_each_reminder_urge_and_supervise_once_in_order(
        channels, short_limits, make_case, smtp_sink, webhook_sink, fixed_clock):
    w = channels
    fixed_clock.set(T0)  # messages name a deadline's year only when it is not this year's
    case = make_case(CaseState.dispatched, now=T0, enterprise=w.enterprise)
    for minute in range(0, 101):
        if minute == 6:
            ops.sign_case(case, w.handler, now=minutes(6))
            db.session.commit()
        tick(minutes(minute))
        tick(minutes(minute))  # a second scheduler at the same moment adds nothing
    expected = [
        ("remind_sign_50", "handler_market"), ("remind_sign_50", "head_market"),  # +5
        ("remind_handle_50", "handler_market"),  # +30, now only the assignee
        ("remind_handle_80", "handler_market"),  # +48
        ("remind_handle_before", "handler_market"),  # +57 (3 minutes before)
        ("urge", "head_market"), ("urge", "handler_market"), ("urge", "dispatcher"),  # +60
        ("supervise", "leader"), ("supervise", "supervisor"), ("supervise", "head_market"),  # +90
    ]
    assert sent() == expected
    assert case.escalation_level == 2 and audit(case, "urge") == 1 and audit(case, "supervise") == 1

    mails = [(m["to"].split("@")[0], m["subject"]) for m in smtp_sink.messages
             if "提醒" in m["subject"] or "督办" in m["subject"] or "催办" in m["subject"]]
    assert [to for to, _ in mails] == [name for _, name in expected]
    assert mails[0][1] == f"【码上办】签收提醒 {case.tracking_no}：签收时限已过半"
    assert mails[4][1] == f"【码上办】办理提醒 {case.tracking_no}：距办理时限不足3分钟"
    bodies = [m["body"] for m in smtp_sink.messages if case.tracking_no in m["subject"]]
    assert all(f"http://testserver/handling/cases/{case.tracking_no}" in b for b in bodies), [
        b for b in bodies if "http://testserver/handling/cases/" not in b]
    # One group message per robot per event, not one per person.
    market = [c.split("\n")[0] for c in webhook_sink.contents("market") if case.tracking_no in c]
    assert market == [
        f"【码上办】新派件 {case.tracking_no}，请在11月17日（周二）09:10前签收",
        f"【码上办】签收提醒 {case.tracking_no}：签收时限已过半",
        f"【码上办】办理提醒 {case.tracking_no}：办理时限已过半",
        f"【码上办】办理提醒 {case.tracking_no}：办理时限已用去80%",
        f"【码上办】办理提醒 {case.tracking_no}：距办理时限不足3分钟",
        f"【码上办】催办 {case.tracking_no}",
        f"【码上办】挂牌督办 {case.tracking_no}",
    ]
    office = [c.split("\n")[0] for c in webhook_sink.contents("office") if case.tracking_no in c]
    assert office == [f"【码上办】新反映 {case.tracking_no}", f"【码上办】催办 {case.tracking_no}",
                      f"【码上办】挂牌督办 {case.tracking_no}"]
    assert db.session.scalar(db.select(db.func.count()).select_from(Delivery).where(
        Delivery.status != DeliveryStatus.sent)) == 0


def test_unsigned_case_is_urged_and_supervised_on_its_sign_deadline(
        channels, short_limits, make_case):
    case = make_case(CaseState.dispatched, now=T0, enterprise=channels.enterprise)
    for minute in range(0, 45):
        tick(minutes(minute), deliver=False)
    assert [k for k, _ in sent()] == ["remind_sign_50", "remind_sign_50", "remind_sign_before",
                                      "remind_sign_before", "remind_sign_80", "remind_sign_80",
                                      "urge", "urge", "urge", "supervise", "supervise",
                                      "supervise"]
    urge = db.session.execute(db.select(Notification).filter_by(kind="urge")).scalars().first()
    assert urge.deadline_at == case.sign_due_at and "签收时限" in urge.body


def test_after_an_outage_only_the_latest_reminder_goes_out(channels, short_limits, make_case):
    make_case(CaseState.signed, now=T0)
    tick(minutes(50), deliver=False)  # the scheduler was down for 50 minutes
    assert sent() == [("remind_handle_80", "handler_market")]
    tick(minutes(58), deliver=False)
    assert sent()[-1] == ("remind_handle_before", "handler_market")


def test_approved_extension_brings_fresh_reminders_for_the_new_deadline(
        channels, short_limits, make_case):
    w = channels
    case = make_case(CaseState.signed, now=T0)
    tick(minutes(31), deliver=False)
    ops.request_extension(case, w.handler, 1, "需要现场核查", now=minutes(40))
    ops.approve_extension(case, w.dispatcher, now=minutes(41))
    db.session.commit()
    new_due = case.reply_due_at
    assert new_due > minutes(60)
    tick(minutes(61), deliver=False)  # the old deadline passes: no urge
    assert "urge" not in [k for k, _ in sent()]
    halfway = T0 + (new_due - T0) / 2
    tick(halfway - timedelta(minutes=1), deliver=False)
    tick(halfway, deliver=False)
    reminders = db.session.execute(db.select(Notification).filter_by(
        kind="remind_handle_50").order_by(Notification.id)).scalars().all()
    assert [n.deadline_at for n in reminders] == [minutes(60), new_due]


def test_unrated_reply_is_closed_once_after_the_configured_time(channels, short_limits,
                                                                make_case):
    case = make_case(CaseState.replied, now=T0)
    tick(minutes(29), deliver=False)
    assert case.state is CaseState.replied
    tick(minutes(30), deliver=False)
    tick(minutes(30), deliver=False)
    db.session.refresh(case)
    assert case.state is CaseState.closed and case.closed_unrated
    assert audit(case, "close_unrated") == 1 and case.next_check_at is None


def test_reopened_case_runs_a_fresh_handling_limit(channels, short_limits, make_case):
    """A 差评 reopens the case with the 整改 limit (`rework`) as its handling deadline."""
    set_limit("rework", 60)
    db.session.commit()
    case = make_case(CaseState.replied, now=T0)
    ops.rate_case(case, Rating.dissatisfied, "没有解决", now=minutes(10), tags=["unresolved"])
    db.session.commit()
    assert case.state is CaseState.signed and case.next_check_at == minutes(40)
    tick(minutes(40), deliver=False)
    assert sent() == [("remind_rework_50", "handler_market")]


def test_non_urgent_reminder_at_night_waits_for_the_morning(channels, make_case, smtp_sink):
    set_limit("sign", 6, unit=LimitUnit.hours)
    db.session.commit()
    night = T0.replace(hour=14)  # 22:00 local
    case = make_case(CaseState.dispatched, now=night)
    tick(night + timedelta(hours=3))  # 01:00 local: the 50 % point
    assert ("remind_sign_50", "handler_market") in sent()
    assert not [m for m in smtp_sink.messages if "提醒" in m["subject"]]  # nobody paged
    delivery = db.session.execute(db.select(Delivery).join(Notification).where(
        Notification.kind == "remind_sign_50", Delivery.channel == "email")).scalars().first()
    assert delivery.next_attempt_at == T0.replace(day=18, hour=0, minute=30)  # 08:30 local
    tick(T0.replace(day=18, hour=0, minute=30))
    assert len([m for m in smtp_sink.messages if "签收时限已过半" in m["subject"]]) == 2
    assert case.id
