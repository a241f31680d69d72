"""The office's button on a staff entry and the admin's list of failed deliveries."""
from datetime import timedelta

from app.cases import operations as ops
from app.cases.models import CaseSource
from app.extensions import db
from app.reminders.delivery import deliver_due
from app.cases.models import AuditEvent
from app.reminders.models import Delivery, DeliveryStatus
from tests.conftest import category
from tests.intake.conftest import card  # noqa: F401 (fixture)
from tests.sms.conftest import T0


def staff_entry(world, phone="13912345678", anonymous=False):
    case, _ = ops.submit_case(source=CaseSource.hotline, category=category("other"),
                              content="来电反映的问题说明", actor=world.dispatcher,
                              contact_phone=phone, is_anonymous=anonymous, now=T0)
    db.session.commit()
    return case


def test_the_office_texts_the_receipt_of_a_hotline_call(tencent, client, login_as, world,
                                                        fixed_clock):
    fixed_clock.set(T0)
    case = staff_entry(world)
    login_as(world.dispatcher)
    page = client.get(f"/office/cases/{case.tracking_no}").get_data(as_text=True)
    assert "短信发送受理编号和查询码" in page and "发送至 139****5678" in page
    response = client.post(f"/office/cases/{case.tracking_no}/sms-receipt", follow_redirects=True)
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "已排队发送受理短信至 139****5678" in page
    assert "受理编号和查询码的短信待发送（139****5678）" in page
    assert "短信发送受理编号和查询码</button>" not in page  # once
    event = db.session.execute(db.select(AuditEvent).where(
        AuditEvent.action == "sms_receipt")).scalar_one()
    assert event.actor_id == world.dispatcher.id and "139****5678" in event.note
    assert deliver_due(T0)["sent"] == 1
    [got] = tencent.received
    assert got["signature_ok"]
    assert got["params"]["TemplateParamSet"] == [case.tracking_no, case.access_code]
    page = client.get(f"/office/cases/{case.tracking_no}").get_data(as_text=True)
    assert "受理编号和查询码的短信已发送（139****5678）" in page
    # A second press (a stale page) is refused with the reason, not a second message.
    response = client.post(f"/office/cases/{case.tracking_no}/sms-receipt")
    assert response.status_code == 409 and "受理短信已发送过" in response.get_data(as_text=True)


def test_an_anonymous_call_gets_no_button(tencent, client, login_as, world):
    case = staff_entry(world, phone=None, anonymous=True)
    login_as(world.dispatcher)
    page = client.get(f"/office/cases/{case.tracking_no}").get_data(as_text=True)
    assert "匿名反映，不发送短信" in page and "短信发送受理编号和查询码</button>" not in page
    response = client.post(f"/office/cases/{case.tracking_no}/sms-receipt")
    assert response.status_code == 409


def test_only_the_office_may_press_it(tencent, client, login_as, world):
    case = staff_entry(world)
    login_as(world.handler)
    assert client.post(f"/office/cases/{case.tracking_no}/sms-receipt").status_code == 403
    assert db.session.execute(db.select(Delivery)).first() is None


def test_failed_sms_show_on_the_admin_page_with_the_number_masked(tencent, client, login_as,
                                                                  world, make_user, fixed_clock):
    fixed_clock.set(T0)
    case = staff_entry(world)
    from app.sms.operations import notify_submitter
    notify_submitter(case, "received", now=T0)
    db.session.commit()
    tencent.script.append("InvalidParameterValue.IncorrectPhoneNumber")
    deliver_due(T0)
    delivery = db.session.execute(db.select(Delivery)).scalar_one()
    assert delivery.status is DeliveryStatus.failed
    from app.auth.models import Role
    login_as(make_user(Role.admin))
    page = client.get("/admin/deliveries").get_data(as_text=True)
    assert "139****5678" in page and "13912345678" not in page
    assert f"短信·受理回执 {case.tracking_no}" in page and "IncorrectPhoneNumber" in page
    assert '<option value="sms">短信</option>' in page
    response = client.post("/admin/deliveries/requeue", data={"channel": "sms"},
                           follow_redirects=True)
    assert "已重新排队 1 条" in response.get_data(as_text=True)
    assert deliver_due(T0 + timedelta(minutes=1))["sent"] == 1


def test_the_public_form_texts_its_receipt_and_an_anonymous_one_nothing(tencent, client, card,
                                                                        fixed_clock):
    from tests.intake.test_intake_server import form_page, post_form
    fixed_clock.set(T0)
    _, key, _ = form_page(client, card.token)
    assert post_form(client, card.token, key).status_code == 303
    _, key, _ = form_page(client, card.token)
    assert post_form(client, card.token, key, anonymous="1", contact_phone="").status_code == 303
    [delivery] = db.session.execute(db.select(Delivery)).scalars().all()
    assert delivery.target == "13800138000" and delivery.notification.kind == "sms_received"
    assert deliver_due(T0)["sent"] == 1
    [got] = tencent.received
    case = delivery.notification.case
    assert got["params"]["TemplateParamSet"] == [case.tracking_no, case.access_code]
