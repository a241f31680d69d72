"""Failed deliveries stay visible (admin page, /readyz, CLI) and can be sent again."""
import re

from app.cases.models import CaseState
from app.extensions import db
from app.reminders.models import Delivery, DeliveryStatus
from app.reminders.tasks import tick
from tests.conftest import PASSWORD
from tests.reminders.conftest import SmtpSink, T0, minutes


def failed_world(app, make_case, smtp_url="smtp://127.0.0.1:9", cases=2):
    """Cases dispatched at T0 whose e-mails are given up at +1 min (one attempt allowed)."""
    app.config["SMTP_URL"] = smtp_url
    app.config["DELIVERY_MAX_ATTEMPTS"] = 1
    made = [make_case(CaseState.dispatched, now=T0) for _ in range(cases)]
    tick(minutes(1))
    return made


def emails(status=None):
    query = db.select(Delivery).where(Delivery.channel == "email").order_by(Delivery.id)
    if status is not None:
        query = query.where(Delivery.status == status)
    return db.session.execute(query).scalars().all()


def test_failed_deliveries_are_counted_in_readyz(app, channels, make_case, client):
    failed_world(app, make_case)
    failed = len(emails(DeliveryStatus.failed))
    assert failed >= 2
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["deliveries"] == {"pending": 0, "failed": failed}


def test_admin_page_lists_failed_and_requeues_one_then_a_channel(
        app, channels, make_case, login_as, client, fixed_clock):
    fixed_clock.set(minutes(2))
    failed_world(app, make_case)
    failed = emails(DeliveryStatus.failed)
    login_as(channels.admin)
    page = client.get("/admin/deliveries").get_data(as_text=True)
    assert f"已放弃 {len(failed)} 条" in page
    assert all(f"<td data-label=\"编号\">{d.id}</td>" in page for d in failed) and "无法连接" in page

    response = client.post("/admin/deliveries/requeue", data={"delivery": failed[0].id})
    assert response.status_code == 302
    db.session.expire_all()
    assert failed[0].status is DeliveryStatus.pending and failed[0].attempts == 0
    assert failed[0].next_attempt_at == minutes(2)
    assert all(d.status is DeliveryStatus.failed for d in failed[1:])

    client.post("/admin/deliveries/requeue", data={"channel": "webhook"})
    db.session.expire_all()
    assert all(d.status is DeliveryStatus.failed for d in failed[1:])
    client.post("/admin/deliveries/requeue", data={"channel": "email"})
    db.session.expire_all()
    assert emails(DeliveryStatus.failed) == []


def test_requeue_since_a_time_and_sending_again_with_the_same_message_id(
        app, channels, make_case, runner, fixed_clock):
    sink = SmtpSink()  # not listening yet: everything fails
    failed_world(app, make_case, sink.url, cases=1)
    early = emails(DeliveryStatus.failed)
    make_case(CaseState.dispatched, now=minutes(30))
    tick(minutes(31))
    late = [d for d in emails(DeliveryStatus.failed) if d not in early]
    assert early and late

    fixed_clock.set(minutes(40))
    result = runner.invoke(args=["scheduler", "requeue", "--since", "2026-11-17T09:20+08:00"])
    assert result.exit_code == 0 and f"已重新排队 {len(late)} 条" in result.output
    db.session.expire_all()
    assert all(d.status is DeliveryStatus.pending for d in late)
    assert all(d.status is DeliveryStatus.failed for d in early)
    sink.start()
    try:
        tick(minutes(40))
        assert sorted(int(m["delivery"]) for m in sink.messages) == sorted(d.id for d in late)
        assert runner.invoke(args=["scheduler", "requeue", "--id", str(early[0].id)]).exit_code == 0
        tick(minutes(40))
        assert sink.messages[-1]["message_id"] == \
            f"<delivery-{early[0].id}.notification-{early[0].notification_id}@mashangban.local>"
    finally:
        sink.stop()
    assert runner.invoke(args=["scheduler", "requeue"]).exit_code != 0  # says what to pick


def test_failed_listing_shows_when_given_up_not_a_next_attempt(app, channels, make_case, runner):
    failed_world(app, make_case)
    output = runner.invoke(args=["scheduler", "deliveries", "--failed"]).output
    assert "放弃于 2026-11-17 09:01" in output and "下次" not in output


def test_requeue_from_the_page_needs_an_admin_and_a_csrf_token(csrf_app, world, make_user):
    client = csrf_app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    client.post("/login", data={"username": world.admin.username, "password": PASSWORD,
                                "csrf_token": token})
    assert client.post("/admin/deliveries/requeue", data={"channel": "email"}).status_code == 400
    other = csrf_app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      other.get("/login").get_data(as_text=True)).group(1)
    other.post("/login", data={"username": world.dispatcher.username, "password": PASSWORD,
                               "csrf_token": token})
    assert other.get("/admin/deliveries").status_code == 403
