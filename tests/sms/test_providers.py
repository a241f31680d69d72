"""Each provider through its official SDK (or the gateway's POST) against a local emulator that
verifies the signature: success, an invalid number given up at once, a retryable error retried
and then sent, a per-number daily limit retried the next morning."""
from datetime import timedelta

import pytest

from app.extensions import db
from app.reminders.delivery import deliver_due
from app.reminders.models import Delivery, DeliveryStatus
from app.sms.operations import notify_submitter
from tests.sms.conftest import PHONE, SITE, T0
from tests.sms.emulators import SECRET_ID

PROVIDERS = ["tencent", "aliyun", "gateway"]
INVALID = {"tencent": "InvalidParameterValue.IncorrectPhoneNumber",
           "aliyun": "isv.MOBILE_NUMBER_ILLEGAL", "gateway": "1001"}
RETRYABLE = {"tencent": "LimitExceeded.PhoneNumberThirtySecondLimit",
             "aliyun": "isv.BUSINESS_LIMIT_CONTROL", "gateway": "http503"}
DAILY = {"tencent": "LimitExceeded.PhoneNumberDailyLimit",
         "aliyun": "isv.BUSINESS_LIMIT_CONTROL/day"}


@pytest.fixture(params=PROVIDERS)
def provider(request, app):
    return request.param, request.getfixturevalue(request.param)


def _receipt(make_case, fixed_clock):
    fixed_clock.set(T0)
    case = make_case()
    assert notify_submitter(case, "received") is not None
    db.session.commit()
    return case, db.session.execute(db.select(Delivery)).scalar_one()


def test_the_receipt_reaches_the_provider_signed_with_its_parameters(provider, make_case,
                                                                     fixed_clock):
    name, emulator = provider
    case, delivery = _receipt(make_case, fixed_clock)
    assert deliver_due(T0) == {"sent": 1, "failed": 0, "unknown": 0}
    db.session.refresh(delivery)
    assert delivery.status is DeliveryStatus.sent and delivery.attempts == 1
    [got] = emulator.received
    assert got["signature_ok"], got["problem"]
    params = got["params"]
    if name == "tencent":
        assert (got["action"], got["version"], got["region"]) == ("SendSms", "2021-01-11",
                                                                  "ap-guangzhou")
        assert params["PhoneNumberSet"] == [f"+86{PHONE}"]
        assert params["SmsSdkAppId"] == "1400006666" and params["SignName"] == "示范县营商办"
        assert params["TemplateId"] == "2101001"
        assert params["TemplateParamSet"] == [case.tracking_no, case.access_code]
        assert params["SessionContext"] == f"delivery-{delivery.id}.notification-" \
                                           f"{delivery.notification_id}@sms"
    elif name == "aliyun":
        assert (got["action"], got["version"]) == ("SendSms", "2017-05-25")
        assert params["PhoneNumbers"] == PHONE and params["SignName"] == "示范县营商办"
        assert params["TemplateCode"] == "SMS_46500"
        import json
        assert json.loads(params["TemplateParam"]) == {"no": case.tracking_no,
                                                       "code": case.access_code}
    else:
        assert params["mobile"] == PHONE and params["tpl"] == "2101001"
        assert params["args"] == [case.tracking_no, case.access_code]
        assert params["text"] == (f"您反映的问题已受理，受理编号{case.tracking_no}，查询码"
                                  f"{case.access_code}，可在 {SITE}/t/{case.tracking_no} 查看进度。")
    # What the phone shows is kept on the notification.
    assert delivery.notification.body.startswith("【示范县营商办】您反映的问题已受理")
    assert case.access_code in delivery.notification.body


def _first_attempt_answered(emulator, code, make_case, fixed_clock):
    """The receipt's first attempt, answered with the provider's `code`: one failure."""
    _case, delivery = _receipt(make_case, fixed_clock)
    emulator.script.append(code)
    assert deliver_due(T0)["failed"] == 1
    db.session.refresh(delivery)
    return delivery


def test_an_invalid_number_is_given_up_at_once(provider, make_case, fixed_clock):
    name, emulator = provider
    delivery = _first_attempt_answered(emulator, INVALID[name], make_case, fixed_clock)
    assert delivery.status is DeliveryStatus.failed and delivery.attempts == 1
    assert delivery.last_error.startswith("拒收：")
    assert deliver_due(T0 + timedelta(hours=3))["sent"] == 0  # never tried again
    assert len(emulator.received) == 1


def test_a_retryable_error_is_retried_and_the_retry_is_sent(provider, make_case, fixed_clock):
    name, emulator = provider
    delivery = _first_attempt_answered(emulator, RETRYABLE[name], make_case, fixed_clock)
    assert delivery.status is DeliveryStatus.pending and delivery.attempts == 1
    assert delivery.next_attempt_at == T0 + timedelta(minutes=1)  # the usual backoff
    assert deliver_due(T0 + timedelta(seconds=30))["sent"] == 0  # not yet due
    fixed_clock.set(T0 + timedelta(minutes=1))
    assert deliver_due(T0 + timedelta(minutes=1))["sent"] == 1
    db.session.refresh(delivery)
    assert delivery.status is DeliveryStatus.sent and delivery.attempts == 2
    assert [r["result"] for r in emulator.received] == [RETRYABLE[name].split("/")[0],
                                                         {"tencent": "Ok", "aliyun": "OK",
                                                          "gateway": "0"}[name]]
    assert all(r["signature_ok"] for r in emulator.received)


@pytest.mark.parametrize("name", ["tencent", "aliyun"])
def test_a_daily_limit_waits_for_the_next_morning(name, request, make_case, fixed_clock):
    emulator = request.getfixturevalue(name)
    delivery = _first_attempt_answered(emulator, DAILY[name], make_case, fixed_clock)
    assert delivery.status is DeliveryStatus.pending
    # 10:00 local on the 17th → 08:00 local on the 18th (the end of the SMS quiet hours).
    assert delivery.next_attempt_at == T0 + timedelta(hours=22)


def test_a_wrong_key_is_refused_by_the_emulator_and_retried(tencent, app, make_case, fixed_clock):
    app.config["SMS_SECRET_KEY"] = "not-the-key"
    from app.sms.settings import check_at_start
    check_at_start(app.config)
    _case, delivery = _receipt(make_case, fixed_clock)
    assert deliver_due(T0)["failed"] == 1
    [got] = tencent.received
    assert not got["signature_ok"] and got["problem"] == "signature mismatch"
    db.session.refresh(delivery)
    assert delivery.status is DeliveryStatus.pending and "AuthFailure" in delivery.last_error
    assert SECRET_ID  # the id was right: only the key differs


def test_an_unreachable_provider_takes_the_channel_down_for_the_run(tencent, app, make_case,
                                                                    fixed_clock):
    from app.sms.settings import check_at_start
    from tests.reminders.conftest import free_port
    app.config["SMS_ENDPOINT"] = f"http://127.0.0.1:{free_port()}"  # nothing listens there
    check_at_start(app.config)
    fixed_clock.set(T0)
    first, second = make_case(), make_case()
    notify_submitter(first, "received")
    notify_submitter(second, "received")
    db.session.commit()
    assert deliver_due(T0) == {"sent": 0, "failed": 2, "unknown": 0}
    rows = db.session.execute(db.select(Delivery).order_by(Delivery.id)).scalars().all()
    assert all(d.status is DeliveryStatus.pending and d.attempts == 1 for d in rows)
    assert "ClientNetworkError" in rows[0].last_error
    assert rows[1].last_error == rows[0].last_error  # not tried again in the same run
    assert tencent.received == []
