"""Issue 20's whole path after the receipt, in one story, on a 390×844 phone with WeChat's user
agent (CSRF on): the enterprise submits from its card and loses the receipt tab; another
browser finds the case from /t/ with 受理编号 + 查询码; the reply's text message reaches the
local Tencent server (signature checked) and its link opens the status page; 非常不满意 without
a reason is refused and accepted with one; the office records the 回访; the department's
整改反馈 is texted too; the enterprise gives its one 追评; the department's appeal is upheld
and 满意率 changes exactly as defined (docs/figures.md).

The staff's own pages for each step have their browser tests (tests/rating/test_browser.py,
tests/office, tests/handling); here they act through the same operations their pages call, so
the story stays on the enterprise's phone."""
from datetime import date, timedelta
import json
import re

import pytest

from app.cases import operations as ops
from app.cases.models import Case, CaseState, Rating
from app.extensions import db
from app.figures.queries import compute_figures
from app.core.clock import utcnow
from app.rating import operations as rating_ops
from app.rating.models import AppealKind
from app.reminders.delivery import deliver_due
from tests.conftest import PHONE
from tests.intake.conftest import card  # noqa: F401  (the enterprise's card, a fixture)
from tests.intake.test_intake_browser import fill_form
from tests.rating.test_browser import rate
from tests.sms.conftest import T0, configure  # a Tuesday, 10:00 local: outside quiet hours
from tests.sms.emulators import SECRET_ID, SECRET_KEY, TencentEmulator

REPLIED = "您反映的问题（受理编号{1}）已答复，请在 {base}/t/{1} 查看并评价。"
RECTIFIED = "您反映的问题（受理编号{1}）已整改反馈，请在 {base}/t/{1} 查看并追评。"


@pytest.fixture
def tencent_live(app, live_server):
    emulator = TencentEmulator().start()
    base = live_server.url
    number = [{"value": "tracking_no", "type": "number"}]
    configure(app, SMS_PROVIDER="tencent", SMS_SIGN_NAME="示范县营商办",
              SMS_TEMPLATES=json.dumps({
                  "received": {"id": "2101001", "text": "已受理，受理编号{1}，查询码{2}。",
                               "params": number + [{"value": "access_code", "type": "code"}]},
                  "replied": {"id": "2101003", "text": REPLIED.replace("{base}", base),
                              "params": number},
                  "rectified": {"id": "2101006", "text": RECTIFIED.replace("{base}", base),
                                "params": number}}),
              SMS_SECRET_ID=SECRET_ID, SMS_SECRET_KEY=SECRET_KEY, SMS_SDK_APP_ID="1400006666",
              SMS_ENDPOINT=emulator.endpoint, BASE_URL=base)
    yield emulator
    emulator.stop()


def texted_link(emulator, template_id: str, template: str, base: str) -> str:
    """The link in the last message of `template_id` as the phone shows it."""
    got = [r for r in emulator.received if r["params"]["TemplateId"] == template_id][-1]
    assert got["signature_ok"]
    shown = template.replace("{base}", base).replace("{1}", got["params"]["TemplateParamSet"][0])
    return re.search(r"https?://\S+/t/[A-Z0-9-]+", shown).group(0)


def reload(case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def satisfaction() -> str:
    """满意率 of November 2026 (T0's month), as the dashboard shows it."""
    figures = compute_figures(date(2026, 11, 1), date(2026, 12, 1), names=("satisfaction",))
    db.session.rollback()
    return figures["figures"]["satisfaction"]["display"]


def test_after_the_receipt(tencent_live, phone_page, card, browser, live_server, world,
                           make_case, fixed_clock):
    emulator = tencent_live
    fixed_clock.set(T0)
    make_case(CaseState.closed, now=T0)  # a 满意 the county already has
    page = phone_page
    page.goto(f"/q/{card.token}")
    fill_form(page)
    page.click("[data-submit]")
    page.wait_for_selector("[data-receipt]")
    number, code = page.inner_text("[data-tracking-no]"), page.inner_text("[data-access-code]")
    page.context.close()  # the receipt tab is lost with its browser

    # Another phone browser, nothing remembered: /t/ with the number and code.
    phone = browser.new_context(base_url=live_server.url, **PHONE).new_page()
    phone.goto("/t/")
    phone.fill("input[name=tracking_no]", number)
    phone.fill("input[name=code]", code)
    phone.click("button[type=submit]")
    phone.wait_for_selector(".timeline")
    assert phone.url.endswith(f"/t/{number}")

    # The office dispatches, the department answers: the enterprise is texted the link.
    case = db.session.execute(db.select(Case).filter_by(tracking_no=number)).scalar_one()
    ops.dispatch_case(case, world.dispatcher, world.dept)
    ops.sign_case(case, world.handler)
    ops.reply_to_case(case, world.handler, "已协调供电公司，本周三上门接电")
    db.session.commit()
    fixed_clock.advance(timedelta(minutes=5))
    assert deliver_due(utcnow())["sent"] >= 1
    link = texted_link(emulator, "2101003", REPLIED, live_server.url)
    assert link == f"{live_server.url}/t/{number}"
    phone.goto(link)
    phone.wait_for_selector("form[data-rating-form]")  # this phone already unlocked the case
    assert "已协调供电公司" in phone.inner_text("body")

    # 非常不满意 needs a reason.
    rate(phone, "very_dissatisfied", comment="说好周三，到周五也没人来")
    assert "请至少选择一项原因" in phone.inner_text("body")
    assert phone.input_value("textarea[name=comment]") == "说好周三，到周五也没人来"
    rate(phone, "very_dissatisfied", tags=["slow"])
    phone.wait_for_selector("[data-thanks]")
    case = reload(case)
    assert case.state is CaseState.signed and case.rating is Rating.very_dissatisfied

    # 回访, then the department's 整改反馈, which is texted as such.
    rating_ops.record_callback(case, world.dispatcher, reached=True,
                               note="企业确认供电所未上门，已督促本周内接电")
    ops.reply_to_case(case, world.handler, "已于周六完成接电并试运行")
    db.session.commit()
    fixed_clock.advance(timedelta(minutes=5))
    deliver_due(utcnow())
    link = texted_link(emulator, "2101006", RECTIFIED, live_server.url)
    phone.goto(link)
    assert "整改反馈" in phone.inner_text(".timeline")

    # The one 追评; then the department appeals it and a dispatcher upholds the appeal.
    rate(phone, "dissatisfied", tags=["slow"], comment="接电了，但拖得太久")
    phone.wait_for_selector("[data-thanks]")
    case = reload(case)
    assert case.state is CaseState.closed
    assert satisfaction() == "50.00%"  # 1 满意 of 2 rated
    appeal = rating_ops.appeal_rating(case, world.handler, AppealKind.mistaken,
                                      "回访录音中企业表示满意，系误选")
    assert appeal.appeal_kind is AppealKind.mistaken
    rating_ops.decide_appeal(case, world.dispatcher, uphold=True,
                             reason="回放录音，企业确认误选")
    db.session.commit()
    assert satisfaction() == "100.00%"  # the set-aside 追评 is in neither part: 1 of 1
    phone.context.close()
