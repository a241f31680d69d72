"""The delivery layer: one identity on every attempt, unknown outcomes, quiet retries."""
from datetime import timedelta

from app.cases.models import CaseState
from app.extensions import db
from app.reminders.models import Delivery, DeliveryStatus
from app.reminders.tasks import tick
from tests.reminders.conftest import T0, minutes


def deliveries(channel):
    return db.session.execute(db.select(Delivery).where(Delivery.channel == channel)
                              .order_by(Delivery.id)).scalars().all()


def test_a_resend_carries_the_same_message_id_and_idempotency_key(
        app, channels, make_case, smtp_sink, webhook_sink):
    app.config["MAIL_FROM"] = "码上办 <noreply@mashangban.example.cn>"
    make_case(CaseState.dispatched, now=T0)
    tick(minutes(1))
    emails, webhooks = deliveries("email"), deliveries("webhook")
    assert emails and webhooks and len(smtp_sink.messages) == len(emails)
    # The window a crash leaves: the server accepted, the row was never marked sent.
    for delivery in emails + webhooks:
        delivery.status = DeliveryStatus.pending
    db.session.commit()
    tick(minutes(2))

    first = emails[0]
    copies = [m["message_id"] for m in smtp_sink.messages if m["delivery"] == str(first.id)]
    assert copies == [f"<delivery-{first.id}.notification-{first.notification_id}"
                      "@mashangban.example.cn>"] * 2
    assert len({m["message_id"] for m in smtp_sink.messages}) == len(emails)
    hook = webhooks[0]
    keys = [key for _path, key in webhook_sink.keys
            if key.startswith(f"delivery-{hook.id}.")]
    assert keys == [f"delivery-{hook.id}.notification-{hook.notification_id}"
                    "@mashangban.example.cn"] * 2
    assert len({key for _path, key in webhook_sink.keys}) == len(webhooks)


def by_delivery(sink, delivery):
    return [m["message_id"] for m in sink.messages if m["delivery"] == str(delivery.id)]


def test_a_reply_later_than_the_timeout_is_unknown_and_resent_with_the_same_message_id(
        app, channels, make_case, smtp_sink):
    app.config["SMTP_TIMEOUT_SECONDS"] = 0.5
    smtp_sink.handler.reply_delay = {1: 2.0}  # the first message is kept, its "250" is late
    make_case(CaseState.dispatched, now=T0)
    emails = deliveries("email")
    assert len(emails) >= 2

    result = tick(minutes(1))["deliver_pending"]
    slow = db.session.get(Delivery, int(smtp_sink.messages[0]["delivery"]))
    db.session.refresh(slow)
    # Not a failure of the channel: the slow one waits, every other e-mail went out.
    assert result["unknown"] == 1 and result["failed"] == 0
    assert slow.status is DeliveryStatus.pending and slow.attempts == 1
    assert slow.last_error.startswith("结果未知") and slow.next_attempt_at == minutes(2)
    assert all(d.status is DeliveryStatus.sent for d in deliveries("email") if d.id != slow.id)

    tick(minutes(2))
    db.session.refresh(slow)
    assert slow.status is DeliveryStatus.sent
    # The receiver got two copies, both with the one Message-ID it can drop the second by.
    copies = by_delivery(smtp_sink, slow)
    assert len(copies) == 2 and len(set(copies)) == 1
    assert all(len(set(by_delivery(smtp_sink, d))) == 1 for d in emails)


def test_retries_of_non_urgent_sends_wait_for_the_end_of_quiet_hours(
        app, channels, make_case, smtp_sink):
    from app.cases.models import Urgency
    app.config["SMTP_URL"] = "smtp://127.0.0.1:9"  # nobody listens: every attempt fails
    evening = T0.replace(hour=13, minute=59)  # 21:59 local, a minute before the quiet hours
    normal = make_case(CaseState.dispatched, now=evening)
    urgent = make_case(CaseState.dispatched, now=evening, urgency=Urgency.urgent)
    tick(evening)

    def retries(case):
        return {d.next_attempt_at for d in deliveries("email")
                if d.notification.case_id == case.id}
    morning = T0.replace(day=18, hour=0, minute=30)  # 08:30 local the next day
    assert retries(normal) == {morning}
    assert retries(urgent) == {evening + timedelta(minutes=1)}
    tick(evening + timedelta(minutes=6))  # the drill's 22:05: nothing non-urgent is tried
    assert {d.attempts for d in deliveries("email") if d.notification.case_id == normal.id} == {1}
