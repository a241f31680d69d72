"""The batch tick: one claim, one INSERT of reminders for many cases and departments, while
escalations still go through the case operations, and a stale claim acts on nothing."""
from app.cases.models import AuditEvent, Case, CaseState
from app.extensions import db
from app.reminders.models import Delivery, Notification
from app.reminders.tasks import claim_cases, tick
from tests.reminders.conftest import minutes
from tests.reminders.test_timeline import TIMELINE_KINDS


def audit(case, action):
    return db.session.scalar(db.select(db.func.count()).select_from(AuditEvent)
                             .filter_by(case_id=case.id, action=action))


def sent_by_case():
    rows = db.session.execute(
        db.select(Case.tracking_no, Notification.kind, Notification.recipient_id)
        .join(Case, Case.id == Notification.case_id)
        .where(Notification.kind.in_(TIMELINE_KINDS))).all()
    return sorted(rows)


def test_one_batch_reminds_every_department_and_assignee_and_escalates_through_operations(
        channels, short_limits, make_case):
    w = channels
    market = make_case(CaseState.dispatched, now=minutes(0))  # 50 % of signing at +5
    tax = make_case(CaseState.dispatched, now=minutes(0), department=w.other_dept)
    assigned = make_case(CaseState.signed, now=minutes(-25))  # 50 % of handling at +5
    late = make_case(CaseState.dispatched, now=minutes(-10))  # signing due at +0
    unrated = make_case(CaseState.replied, now=minutes(-30))  # closes at +0

    first = tick(minutes(5), deliver=False)
    again = tick(minutes(5), deliver=False)  # a second scheduler at the same moment

    assert first["remind_due"] == 5 and first["close_unrated_cases"] == 1
    assert again["remind_due"] == 0 and again["close_unrated_cases"] == 0
    handler, head, tax_handler = w.handler.id, w.head.id, w.other_handler.id
    assert sent_by_case() == sorted([
        (market.tracking_no, "remind_sign_50", handler), (market.tracking_no, "remind_sign_50", head),
        (tax.tracking_no, "remind_sign_50", tax_handler),
        (assigned.tracking_no, "remind_handle_50", handler),  # the assignee only
        # After the outage only the latest reminder, then the urge from urge_case.
        (late.tracking_no, "remind_sign_80", handler), (late.tracking_no, "remind_sign_80", head),
        (late.tracking_no, "urge", head), (late.tracking_no, "urge", handler),
        (late.tracking_no, "urge", w.dispatcher.id),
    ])
    # Everyone has an e-mail; each message goes once to each robot its recipients use.
    emails = db.session.scalars(
        db.select(Notification.id).join(Delivery)
        .where(Delivery.channel == "email", Notification.kind.in_(TIMELINE_KINDS))).all()
    assert len(emails) == len(set(emails)) == 9
    webhooks = db.session.execute(
        db.select(Notification.case_id, Notification.kind, Delivery.target).join(Delivery)
        .where(Delivery.channel == "webhook", Notification.kind.in_(TIMELINE_KINDS))).all()
    assert sorted((case_id, kind, target.rsplit("/", 1)[1]) for case_id, kind, target in webhooks) \
        == sorted([(market.id, "remind_sign_50", "market"), (tax.id, "remind_sign_50", "office"),
                   (assigned.id, "remind_handle_50", "market"),
                   (late.id, "remind_sign_80", "market"), (late.id, "urge", "market"),
                   (late.id, "urge", "office")])

    for case in (market, tax, assigned, late, unrated):
        db.session.refresh(case)
    # The operations changed the escalation level and the state, and audited it once.
    assert late.escalation_level == 1 and audit(late, "urge") == 1
    assert unrated.state is CaseState.closed and audit(unrated, "close_unrated") == 1
    # Each case now waits for its next point.
    assert market.next_check_at == tax.next_check_at == minutes(7)  # 3 minutes before
    assert assigned.next_check_at == minutes(23)  # 80 % of handling
    assert late.next_check_at == minutes(30)  # supervise, 30 minutes after the deadline
    assert unrated.next_check_at is None


def test_a_claim_on_a_value_another_scheduler_moved_on_acts_on_nothing(
        channels, short_limits, make_case):
    case = make_case(CaseState.dispatched, now=minutes(0))
    read = case.next_check_at  # what a slower scheduler read: the 50 % point
    assert read == minutes(5)
    tick(minutes(5), deliver=False)  # the faster one claims and reminds
    db.session.refresh(case)
    assert case.next_check_at == minutes(7)

    assert claim_cases([(case.id, read, minutes(99))]) == set()
    assert claim_cases([(case.id, minutes(7), minutes(9))]) == {case.id}  # the current value
    db.session.rollback()
    db.session.refresh(case)
    assert case.next_check_at == minutes(7)
    assert db.session.scalar(db.select(db.func.count()).select_from(Notification)
                             .filter_by(kind="remind_sign_50")) == 2
