"""The delivery layer: the same identity on every attempt of a delivery."""
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
