"""The enterprise's way back, in Chromium on a 390×844 phone with WeChat's user agent: finding a
lost receipt's case from /t/, and tap targets and contrast measured on the public pages and the
handler's phone pages."""
import re

from app.cases import operations as case_ops
from app.cases.models import Case, CaseState
from app.extensions import db
from app.media.operations import store_attachment
from tests.a11y import offenders
from tests.conftest import browser_login, screenshots_dir
from tests.intake.test_intake_browser import fill_form
from tests.media import samples

SHOTS = screenshots_dir()


def only_case():
    db.session.expire_all()
    (case,) = db.session.execute(db.select(Case)).scalars()
    return case


def test_lose_the_receipt_and_find_the_case_again_from_t(phone_page, card, browser, live_server):
    from tests.conftest import PHONE
    page = phone_page
    page.goto(f"/q/{card.token}")
    fill_form(page)
    page.click("[data-submit]")
    page.wait_for_selector("[data-receipt]")
    number, code = page.inner_text("[data-tracking-no]"), page.inner_text("[data-access-code]")
    assert "查询码" in page.inner_text("body") and "访问码" not in page.inner_text("body")
    # Back from the receipt: a fresh form, not the sent text.
    page.go_back()
    page.wait_for_load_state("load")
    page.wait_for_function("document.querySelector('textarea[name=content]').value === ''")
    assert page.inner_text("[data-counter]") == "0"
    # The tab is lost: another browser (no session, no storage) starts from /t/.
    other = browser.new_context(base_url=live_server.url, **PHONE)
    lost = other.new_page()
    try:
        lost.goto("/t/")
        assert lost.inner_text("h1") == "查询办理进度"
        SHOTS.mkdir(parents=True, exist_ok=True)
        lost.screenshot(path=str(SHOTS / "intake-lookup.png"), full_page=True)
        lost.click("button[type=submit]")  # nothing typed: said at once, no try used
        assert "请输入受理编号" in lost.inner_text("#err-tracking_no")
        assert "请输入6位查询码" in lost.inner_text("#err-code")
        lost.fill("input[name=tracking_no]", number.lower())
        lost.fill("input[name=code]", "000000" if code != "000000" else "111111")
        lost.click("button[type=submit]")
        assert "受理编号或查询码不正确，还可尝试4次" in lost.inner_text("#err-code")
        assert lost.input_value("input[name=tracking_no]") == number.lower()
        lost.screenshot(path=str(SHOTS / "intake-lookup-wrong-code.png"), full_page=True)
        lost.fill("input[name=code]", code)
        lost.click("button[type=submit]")
        lost.wait_for_selector(".timeline")
        assert lost.url.endswith(f"/t/{number}")
        assert "新变压器等了三周" in lost.inner_text("body")
        # A mistyped public URL lands on the same lookup page, not on the staff login.
        lost.goto(f"/t/{number}/nothing")
        assert lost.inner_text("h1") == "查询办理进度" and "登录" not in lost.inner_text("body")
    finally:
        other.close()
    assert only_case().access_failures == 0  # the right code reset the one wrong try


def test_my_cases_on_the_same_phone_show_state_and_awaited_rating(phone_page, card, world):
    page = phone_page
    page.goto(f"/q/{card.token}")
    fill_form(page)
    page.click("[data-submit]")
    page.wait_for_selector("[data-receipt]")
    case = only_case()
    case_ops.dispatch_case(case, world.dispatcher, world.dept)
    case_ops.sign_case(case, world.handler)
    case_ops.reply_to_case(case, world.handler, "已协调供电公司，明日接电")
    db.session.commit()
    page.goto(f"/q/{card.token}")
    page.wait_for_selector("[data-mine] .tag-orange")
    assert "已答复，待您评价" in page.inner_text("[data-mine]")
    page.screenshot(path=str(SHOTS / "intake-mine.png"))


def test_status_page_shows_own_photos_and_video_and_zooms_the_reply_photo(phone_page, make_case,
                                                                         world):
    case = make_case(CaseState.signed, category="electricity", content="车间停电三天，影响生产。")
    store_attachment(case, samples.jpeg_bytes(1200, 900, color=(200, 120, 40)), filename="现场.jpg")
    store_attachment(case, samples.mp4_bytes(), filename="现场.mp4")
    reply_photo = store_attachment(case, samples.jpeg_bytes(800, 600, color=(40, 120, 200)),
                                   filename="工单.jpg")
    case_ops.reply_to_case(case, world.handler, "已恢复供电，工单见附图。", attachments=[reply_photo])
    db.session.commit()
    page = phone_page
    page.goto(f"/t/{case.tracking_no}")
    page.fill("input[name=code]", case.access_code)
    page.click("button[type=submit]")
    page.wait_for_selector(".timeline")
    assert page.locator(".thumb-video .play").count() == 1
    page.locator(".timeline [data-view=photo]").click()
    viewer = page.locator(".viewer")
    viewer.wait_for()
    assert page.locator(".viewer-stage img").evaluate("i => i.complete && i.naturalWidth") == 800
    page.screenshot(path=str(SHOTS / "intake-viewer.png"))
    before = page.locator(".viewer-stage img").bounding_box()["width"]
    page.click(".viewer-zoom")
    assert page.locator(".viewer-stage img").bounding_box()["width"] > before * 2
    page.click(".viewer-close")
    assert viewer.is_hidden()
    page.locator(".thumb-video").click()
    assert page.locator(".viewer-stage video").get_attribute("poster").endswith("?poster=1")
    page.click(".viewer-close")
    page.screenshot(path=str(SHOTS / "intake-status-media.png"), full_page=True)


def test_large_text_switch_works_without_javascript(browser, live_server, card):
    from tests.conftest import PHONE
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, **PHONE)
    page = context.new_page()
    try:
        page.goto(f"/q/{card.token}")
        small = page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)")
        page.click(".large-toggle")
        page.wait_for_url(re.compile(f"/q/{card.token}$"))
        assert page.evaluate("document.documentElement.className") == "large-text"
        assert page.evaluate("parseFloat(getComputedStyle(document.body).fontSize)") > small
    finally:
        context.close()


def test_all_errors_at_once_and_the_first_is_scrolled_to(phone_page, card):
    page = phone_page
    page.goto(f"/q/{card.token}")
    page.fill("input[name=contact_phone]", "123")
    page.click("[data-submit]")
    page.wait_for_selector("[data-has-errors]")
    for field in ("category", "content", "contact_phone"):
        assert page.locator(f"#err-{field}").is_visible(), field
    assert page.evaluate("document.activeElement.name") == "category"
    top = page.locator("select[name=category]").bounding_box()["y"]
    assert 0 <= top < 844


def check_page(page, label):
    found = offenders(page)
    assert not found, f"{label}:\n" + "\n".join(found)


def test_tap_targets_and_contrast_on_public_and_handler_phone_pages(phone_page, card, make_case,
                                                                     world, live_server):
    page = phone_page
    page.goto(f"/q/{card.token}")
    check_page(page, "form")
    page.click("[data-submit]")
    page.wait_for_selector("[data-has-errors]")
    check_page(page, "form with errors")
    fill_form(page)
    page.click("[data-submit]")
    page.wait_for_selector("[data-receipt]")
    check_page(page, "receipt")
    page.goto(f"/q/{card.token}")
    page.wait_for_selector("[data-mine]:not([hidden])")
    check_page(page, "form with 我的反馈")
    page.goto("/t/")
    check_page(page, "lookup")
    page.click("button[type=submit]")
    check_page(page, "lookup with errors")
    page.goto("/q/no-such-card")
    check_page(page, "unknown card")
    case = make_case(CaseState.signed)
    store_attachment(case, samples.jpeg_bytes(), filename="现场.jpg")
    case_ops.reply_to_case(case, world.handler, "已处理")
    db.session.commit()
    page.goto(f"/t/{case.tracking_no}")
    page.fill("input[name=code]", case.access_code)
    page.click("button[type=submit]")
    page.wait_for_selector(".timeline")
    check_page(page, "status with rating form")
    page.click(".large-toggle")
    check_page(page, "status, large text")
    page.click(".large-toggle")
    page.check("input[name=rating][value=very_dissatisfied]")
    check_page(page, "status, a 差评's reasons")
    page.check("input[name=tags][value=slow]")
    page.click("form[data-rating-form] button[type=submit]")
    page.wait_for_selector("[data-thanks]")
    check_page(page, "thank-you page after a 差评")
    # The handler's phone pages.
    todo = make_case(CaseState.dispatched, content="路灯不亮，夜间施工不安全。")
    browser_login(page, world.handler.username)
    page.wait_for_url(re.compile("/handling/"))
    check_page(page, "handler to-do")
    page.goto(f"/handling/cases/{todo.tracking_no}")
    check_page(page, "handler case, to sign")
    case_ops.sign_case(todo, world.handler)
    db.session.commit()
    page.goto(f"/handling/cases/{todo.tracking_no}")
    check_page(page, "handler case, to reply")
    page.goto("/handling/notifications")
    check_page(page, "handler notifications")
