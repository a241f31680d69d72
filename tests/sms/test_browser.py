"""The reply arrives → a text message reaches the local Tencent server with the link → the link
opens the status page on a phone (WeChat's browser, 390×844)."""
import json
import re

import pytest

from app.cases import operations as ops
from app.cases.models import CaseState
from app.extensions import db
from app.reminders.delivery import deliver_due
from tests.sms.conftest import T0, configure
from tests.sms.emulators import SECRET_ID, SECRET_KEY, TencentEmulator


@pytest.fixture
def tencent_live(app, live_server):
    emulator = TencentEmulator().start()
    text = f"您反映的问题（受理编号{{1}}）已答复，请在 {live_server.url}/t/{{1}} 查看并评价。"
    configure(app, SMS_PROVIDER="tencent", SMS_SIGN_NAME="示范县营商办",
              SMS_TEMPLATES=json.dumps({
                  "received": {"id": "2101001", "text": "已受理，受理编号{1}，查询码{2}。",
                               "params": [{"value": "tracking_no", "type": "number"},
                                          {"value": "access_code", "type": "code"}]},
                  "replied": {"id": "2101003", "text": text,
                              "params": [{"value": "tracking_no", "type": "number"}]}}),
              SMS_SECRET_ID=SECRET_ID, SMS_SECRET_KEY=SECRET_KEY, SMS_SDK_APP_ID="1400006666",
              SMS_ENDPOINT=emulator.endpoint, BASE_URL=live_server.url)
    yield emulator, text
    emulator.stop()


def test_the_reply_sms_link_opens_the_status_page(tencent_live, phone_page, make_case, world,
                                                  fixed_clock):
    emulator, text = tencent_live
    fixed_clock.set(T0)
    case = make_case(CaseState.signed, now=T0, content="厂区门前道路积水，货车无法通行。")
    ops.reply_to_case(case, world.handler, "已安排市政疏通排水管，本周内完成。", now=T0)
    db.session.commit()
    assert deliver_due(T0)["sent"] == 1
    [got] = emulator.received
    assert got["signature_ok"] and got["params"]["TemplateId"] == "2101003"
    # The phone shows the approved text with its parameter filled in.
    shown = text.replace("{1}", got["params"]["TemplateParamSet"][0])
    link = re.search(r"https?://\S+/t/[A-Z0-9-]+", shown).group(0)
    assert link.endswith(f"/t/{case.tracking_no}")
    page = phone_page
    page.goto(link)
    page.fill("input[name=code]", case.access_code)
    page.click("button[type=submit]")
    page.wait_for_selector(".timeline")
    body = page.inner_text("body")
    assert "已答复" in body and "已安排市政疏通排水管" in body


def test_the_dispatcher_texts_a_callers_receipt_with_csrf_on(tencent_live, desk_page, world,
                                                            fixed_clock):
    from app.cases.models import CaseSource
    from tests.conftest import browser_login, category, screenshots_dir
    emulator, _text = tencent_live
    fixed_clock.set(T0)
    case, _ = ops.submit_case(source=CaseSource.hotline, category=category("other"),
                              content="来电反映：园区路灯坏了两周没人修。", actor=world.dispatcher,
                              contact_name="李先生", contact_phone="13912345678", now=T0)
    db.session.commit()
    page = desk_page
    browser_login(page, world.dispatcher.username)
    page.goto(f"/office/cases/{case.tracking_no}")
    page.click("text=短信发送受理编号和查询码")
    page.wait_for_selector("text=已排队发送受理短信至 139****5678")
    assert "受理编号和查询码的短信待发送（139****5678）" in page.inner_text("#sms-receipt")
    page.screenshot(path=str(screenshots_dir() / "office-sms-receipt.png"), full_page=True)
    assert deliver_due(T0)["sent"] == 1
    [got] = emulator.received
    assert got["params"]["TemplateParamSet"] == [case.tracking_no, case.access_code]
