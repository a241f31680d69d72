"""Who gets a text message and when: the case's own events, never an anonymous case, quiet
hours (the receipt excepted), the per-number daily cap; and the configuration check."""
from datetime import datetime, timedelta, timezone
import json

import pytest

from app import create_app
from app.cases import operations as ops
from app.cases.models import CaseState, Rating
from app.extensions import db
from app.reminders.delivery import deliver_due
from app.reminders.models import Delivery, DeliveryStatus, Notification
from app.sms.operations import notify_submitter
from app.sms.settings import SmsConfigError, read_settings
from tests.conftest import category
from tests.sms.conftest import PHONE, T0, TENCENT_TEMPLATES, configure
from tests.sms.emulators import SECRET_ID, SECRET_KEY

NIGHT = datetime(2026, 11, 17, 14, 30, tzinfo=timezone.utc)  # 22:30 local
MORNING = datetime(2026, 11, 18, 0, 0, tzinfo=timezone.utc)  # 08:00 local the next day


def sms_rows():
    return db.session.execute(
        db.select(Notification.kind, Delivery.target, Delivery.next_attempt_at)
        .join(Delivery, Delivery.notification_id == Notification.id)
        .where(Delivery.channel == "sms").order_by(Delivery.id)).all()


def test_the_case_operations_text_the_submitter_at_each_step(tencent, make_case, world,
                                                             fixed_clock):
    fixed_clock.set(T0)
    case = make_case(CaseState.replied, now=T0)
    ops.rate_case(case, Rating.dissatisfied, "没解决", now=T0 + timedelta(minutes=5),
                  tags=["unresolved"])
    # The department's answer after a 差评 is its 整改反馈: the enterprise is told that, once.
    ops.reply_to_case(case, world.handler, "已重新处理", now=T0 + timedelta(minutes=10))
    ops.rate_case(case, Rating.satisfied, now=T0 + timedelta(minutes=15))
    db.session.commit()
    kinds = [kind for kind, _target, _at in sms_rows()]
    assert kinds == ["sms_dispatched", "sms_replied", "sms_reopened", "sms_rectified",
                     "sms_closed"]
    assert {target for _kind, target, _at in sms_rows()} == {PHONE}
    assert deliver_due(T0 + timedelta(minutes=30))["sent"] == 5
    assert [r["params"]["TemplateId"] for r in tencent.received] == [
        "2101002", "2101003", "2101004", "2101006", "2101005"]
    assert all(r["signature_ok"] for r in tencent.received)


def test_a_re_dispatch_after_a_return_sends_no_second_dispatch_message(tencent, make_case,
                                                                        world, fixed_clock):
    fixed_clock.set(T0)
    case = make_case(now=T0)
    ops.dispatch_case(case, world.dispatcher, world.dept, now=T0)
    ops.return_case(case, world.handler, "不属于本部门职责范围", now=T0 + timedelta(minutes=5))
    ops.dispatch_case(case, world.dispatcher, world.other_dept, now=T0 + timedelta(minutes=10))
    db.session.commit()
    assert [kind for kind, _target, _at in sms_rows()] == ["sms_dispatched"]


def test_no_message_to_an_anonymous_case_or_without_sms(app, make_case, world, fixed_clock):
    fixed_clock.set(T0)
    case, _ = ops.submit_case(source=ops.PUBLIC_SOURCES[0], category=category("other"),
                              content="匿名反映的问题说明", is_anonymous=True, now=T0)
    assert notify_submitter(case, "received") is None  # SMS not configured at all
    configure(app, SMS_PROVIDER="tencent", SMS_SIGN_NAME="示范县营商办",
              SMS_TEMPLATES=json.dumps(TENCENT_TEMPLATES), SMS_SECRET_ID=SECRET_ID,
              SMS_SECRET_KEY=SECRET_KEY, SMS_SDK_APP_ID="1400006666")
    assert notify_submitter(case, "received") is None
    ops.dispatch_case(case, world.dispatcher, world.dept, now=T0)
    db.session.commit()
    assert sms_rows() == []


def test_quiet_hours_defer_every_message_but_the_receipt(tencent, make_case, world,
                                                        fixed_clock):
    fixed_clock.set(NIGHT)
    case = make_case(now=NIGHT)
    notify_submitter(case, "received", now=NIGHT)
    ops.dispatch_case(case, world.dispatcher, world.dept, now=NIGHT)
    db.session.commit()
    rows = sms_rows()
    assert [(kind, at) for kind, _t, at in rows] == [("sms_received", NIGHT),
                                                     ("sms_dispatched", MORNING)]
    assert deliver_due(NIGHT)["sent"] == 1  # the receipt goes at once
    assert [r["params"]["TemplateId"] for r in tencent.received] == ["2101001"]
    assert deliver_due(MORNING)["sent"] == 1
    assert len(tencent.received) == 2


def test_a_retry_does_not_fall_into_the_quiet_hours(tencent, make_case, fixed_clock):
    evening = datetime(2026, 11, 17, 12, 59, 30, tzinfo=timezone.utc)  # 20:59:30 local
    fixed_clock.set(evening)
    case = make_case(now=evening)
    notify_submitter(case, "closed", now=evening)
    db.session.commit()
    tencent.script.append("InternalError.Timeout")
    assert deliver_due(evening)["failed"] == 1
    delivery = db.session.execute(db.select(Delivery)).scalar_one()
    assert delivery.next_attempt_at == MORNING  # not 21:00:30


def test_the_daily_cap_gives_up_past_the_limit(tencent, app, make_case, fixed_clock):
    app.config["SMS_DAILY_CAP"] = 2
    from app.sms.settings import check_at_start
    check_at_start(app.config)
    fixed_clock.set(T0)
    cases = [make_case(now=T0) for _ in range(3)]
    for case in cases:
        notify_submitter(case, "received", now=T0)
    db.session.commit()
    assert deliver_due(T0) == {"sent": 2, "failed": 1, "unknown": 0}
    failed = db.session.execute(db.select(Delivery).where(
        Delivery.status == DeliveryStatus.failed)).scalar_one()
    assert "每日上限" in failed.last_error and failed.attempts == 1
    assert len(tencent.received) == 2  # the third never reached the provider
    # The next local day the number may be texted again (an admin requeue, say).
    from app.reminders.delivery import requeue_failed
    tomorrow = T0 + timedelta(days=1)
    fixed_clock.set(tomorrow)
    assert requeue_failed(tomorrow, delivery_id=failed.id) == 1
    assert deliver_due(tomorrow)["sent"] == 1


def test_the_receipt_is_queued_once_per_case(tencent, make_case, fixed_clock):
    fixed_clock.set(T0)
    case = make_case(now=T0)
    assert notify_submitter(case, "received", now=T0) is not None
    assert notify_submitter(case, "received", now=T0 + timedelta(minutes=1)) is None
    db.session.commit()
    assert len(sms_rows()) == 1


# --- the configuration is checked when it is read, not when a message is sent ------------

BASE = dict(SMS_PROVIDER="tencent", SMS_SIGN_NAME="示范县营商办", SMS_SECRET_ID="id",
            SMS_SECRET_KEY="key", SMS_SDK_APP_ID="1400006666", COUNTY_NAME="示范县")


def refused(**overrides) -> str:
    config = {**BASE, "SMS_TEMPLATES": TENCENT_TEMPLATES, **overrides}
    with pytest.raises(SmsConfigError) as caught:
        read_settings(config)
    return str(caught.value)


def with_template(kind="received", **spec):
    return {**TENCENT_TEMPLATES, kind: {**TENCENT_TEMPLATES[kind], **spec}}


def test_a_good_configuration_reads():
    settings = read_settings({**BASE, "SMS_TEMPLATES": json.dumps(TENCENT_TEMPLATES)})
    assert settings.provider == "tencent" and set(settings.templates) == set(TENCENT_TEMPLATES)
    assert read_settings({}) is None  # SMS off


def test_a_parameter_longer_than_its_type_allows_is_refused():
    message = refused(SMS_TEMPLATES=with_template(
        params=[{"name": "1", "value": "tracking_no", "type": "code"},
                {"name": "2", "value": "access_code", "type": "code"}]))
    assert "变量 1（受理编号，最长13字）超过腾讯云短信“code”类变量的上限6字" in message


def test_a_link_in_a_variable_is_refused_for_the_cloud_providers():
    message = refused(SMS_TEMPLATES=with_template(
        text="已受理，详见{1}", params=[{"name": "1", "value": "link", "type": "link"}]))
    assert "不允许在模板变量中传链接" in message


def test_a_message_longer_than_the_provider_takes_is_refused():
    message = refused(SMS_TEMPLATES=with_template(text="您反映的问题已受理。" * 50 + "{1}{2}"))
    assert "超过腾讯云短信单条模板短信的上限500字" in message


def test_a_county_name_too_long_for_its_variable_is_refused():
    message = refused(COUNTY_NAME="示" * 40, SMS_TEMPLATES=with_template(
        "closed", text="{1}营商办：{2}已办结", params=[
            {"name": "1", "value": "county", "type": "text"},
            {"name": "2", "value": "tracking_no", "type": "number"}]))
    assert "县名，最长40字" in message


@pytest.mark.parametrize("overrides, expected", [
    ({"SMS_PROVIDER": "carrier-pigeon"}, "SMS_PROVIDER“carrier-pigeon”未知"),
    ({"SMS_SIGN_NAME": ""}, "请设置 SMS_SIGN_NAME"),
    ({"SMS_SDK_APP_ID": ""}, "需要设置 SMS_SDK_APP_ID"),
    ({"SMS_TEMPLATES": "{not json"}, "SMS_TEMPLATES 不是合法的 JSON"),
    ({"SMS_TEMPLATES": {"replied": TENCENT_TEMPLATES["replied"]}}, "至少需要受理回执模板"),
    ({"SMS_TEMPLATES": {**TENCENT_TEMPLATES, "birthday": TENCENT_TEMPLATES["closed"]}},
     "消息类型 birthday 未知"),
    ({"SMS_TEMPLATES": with_template(text="已受理{1}")}, "params 中的 2 不在正文中"),
    ({"SMS_TEMPLATES": with_template(params=[{"name": "1", "value": "phone"}])}, "取值“phone”未知"),
    ({"SMS_QUIET_HOURS_START": "9pm"}, "SMS_QUIET_HOURS_START 须为 HH:MM"),
    ({"SMS_ENDPOINT": "sms.tencentcloudapi.com"}, "SMS_ENDPOINT 须以 http:// 或 https:// 开头"),
])
def test_each_mistake_is_named(overrides, expected):
    assert expected in refused(**overrides)


def test_the_app_refuses_to_start_and_the_check_command_says_why(app, runner, migrated, tmp_path):
    from tests.conftest import make_config
    config = make_config(migrated, tmp_path / "m")
    for key, value in {**BASE, "SMS_TEMPLATES": json.dumps(with_template(
            params=[{"name": "1", "value": "tracking_no", "type": "code"},
                    {"name": "2", "value": "access_code", "type": "code"}]))}.items():
        setattr(config, key, value)
    with pytest.raises(RuntimeError, match="短信配置有误，拒绝启动.*超过腾讯云短信“code”类变量的上限6字"):
        create_app(config)
    result = runner.invoke(args=["sms", "check"])
    assert result.exit_code == 0 and "未配置短信" in result.output
    configure(app, **{k: v for k, v in BASE.items() if k != "COUNTY_NAME"},
              SMS_TEMPLATES=json.dumps(TENCENT_TEMPLATES))
    result = runner.invoke(args=["sms", "check"])
    assert result.exit_code == 0, result.output
    assert "received（受理回执）：模板 2101001" in result.output and "检查通过" in result.output
    app.config["SMS_TEMPLATES"] = json.dumps(with_template(text="已受理{1}"))
    result = runner.invoke(args=["sms", "check"])
    assert result.exit_code == 1 and "params 中的 2 不在正文中" in result.output
