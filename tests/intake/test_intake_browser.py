"""The H5 pages in Debian's chromium on a phone viewport with WeChat's user agent."""

from app.cases.models import Case, CaseState
from app.extensions import db
from tests.conftest import screenshots_dir
from tests.media import samples

SHOTS = screenshots_dir()
CONTENT = "新变压器等了三周还没有接电，车间无法开工，请帮忙协调供电公司。"


def fill_form(page, content=CONTENT):
    page.select_option("select[name=category]", "electricity")
    page.fill("textarea[name=content]", content)
    page.fill("input[name=contact_name]", "王女士")
    page.fill("input[name=contact_phone]", "13800138000")


def cases():
    db.session.expire_all()
    return list(db.session.execute(db.select(Case)).scalars())


def test_scan_to_receipt_with_two_photos_and_a_video(phone_page, card):
    page = phone_page
    page.goto(f"/q/{card.token}")
    assert "您好，鲁西轴承有限公司" in page.inner_text("h1")
    fill_form(page)
    page.set_input_files("input[name=photos]", [
        {"name": "变压器1.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg_bytes(1600, 1200, gps=True)},
        {"name": "变压器2.png", "mimeType": "image/png", "buffer": samples.png_bytes(800, 600)}])
    page.set_input_files("input[name=videos]", [
        {"name": "现场.mp4", "mimeType": "video/mp4", "buffer": samples.mp4_bytes(300_000)}])
    page.locator("[data-files] li.done").nth(2).wait_for()
    assert page.locator("[data-files] li.done").count() == 3
    assert page.locator("[data-counter]").inner_text() == str(len(CONTENT))
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "intake-form.png"), full_page=True)
    page.click("[data-submit]")
    page.wait_for_selector("[data-receipt]")
    (case,) = cases()
    assert page.inner_text("[data-tracking-no]") == case.tracking_no
    assert page.inner_text("[data-access-code]") == case.access_code
    assert sorted(a.kind.name for a in case.attachments) == ["photo", "photo", "video"]
    page.screenshot(path=str(SHOTS / "intake-receipt.png"), full_page=True)
    # The draft is gone once the receipt confirms, and 我的反馈 lists the case.
    assert page.evaluate(f"localStorage.getItem('msb-draft:{card.token}')") is None
    page.goto(f"/q/{card.token}")
    assert case.tracking_no in page.inner_text("[data-mine]")
    assert page.input_value("textarea[name=content]") == ""


def test_draft_survives_a_reload(phone_page, card):
    page = phone_page
    page.goto(f"/q/{card.token}")
    fill_form(page)
    page.check("input[name=anonymous]")
    page.set_input_files("input[name=photos]", [
        {"name": "a.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg_bytes()}])
    page.wait_for_selector("[data-files] li.done")
    page.reload()
    assert page.input_value("textarea[name=content]") == CONTENT
    assert page.input_value("select[name=category]") == "electricity"
    assert page.input_value("input[name=contact_phone]") == "13800138000"
    assert page.is_checked("input[name=anonymous]")
    assert "a.jpg" in page.inner_text("[data-files]")  # the uploaded photo is still there
    thumb = page.locator("[data-files] li img")  # with its thumbnail, from the server
    thumb.wait_for()
    page.wait_for_function("document.querySelector('[data-files] li img').naturalWidth > 0")
    page.click("[data-submit]")
    page.wait_for_selector("[data-receipt]")
    (case,) = cases()
    assert case.is_anonymous and [a.original_name for a in case.attachments] == ["a.jpg"]


def test_refused_file_keeps_the_rest_of_the_form(phone_page, card):
    page = phone_page
    page.goto(f"/q/{card.token}")
    fill_form(page)
    page.set_input_files("input[name=photos]", [
        {"name": "good.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg_bytes()},
        {"name": "invoice.jpg", "mimeType": "image/jpeg", "buffer": samples.exe_bytes()}])
    page.wait_for_selector("[data-files] li.failed")
    message = page.inner_text("[data-files] li.failed .msg")
    assert "“invoice.jpg”不是可接受的文件" in message
    assert page.input_value("textarea[name=content]") == CONTENT
    page.wait_for_selector("[data-files] li.done")
    page.click("[data-files] li.failed .x")
    page.click("[data-submit]")
    page.wait_for_selector("[data-receipt]")
    (case,) = cases()
    assert [a.original_name for a in case.attachments] == ["good.jpg"]


def test_form_works_with_javascript_off(browser, live_server, card):
    from tests.conftest import PHONE
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, **PHONE)
    page = context.new_page()
    try:
        page.goto(f"/q/{card.token}")
        fill_form(page)
        page.set_input_files("input[name=photos]", [
            {"name": "a.jpg", "mimeType": "image/jpeg", "buffer": samples.jpeg_bytes()}])
        page.click("[data-submit]")
        page.wait_for_selector("[data-receipt]")
        (case,) = cases()
        assert [a.original_name for a in case.attachments] == ["a.jpg"]
    finally:
        context.close()


def test_status_page_after_the_access_code_and_unsatisfied_rating_reopens(phone_page, make_case,
                                                                          world):
    from app.cases import operations as ops
    from app.media.operations import store_attachment
    case = make_case(CaseState.signed, category="electricity",
                     content="新变压器等了三周还没有接电，车间无法开工。")
    photo = store_attachment(case, samples.jpeg_bytes(800, 600, color=(40, 120, 200)),
                             filename="工单.jpg")
    ops.reply_to_case(case, world.handler, "已与供电公司协调，定于6月3日上午接电，工单见附图。",
                      attachments=[photo])
    db.session.commit()
    page = phone_page
    page.goto(f"/t/{case.tracking_no}")
    page.fill("input[name=code]", "111111" if case.access_code != "111111" else "222222")
    page.click("button[type=submit]")
    assert "受理编号或查询码不正确" in page.inner_text("#err-code")
    page.fill("input[name=code]", case.access_code)
    page.click("button[type=submit]")
    page.wait_for_selector(".timeline")
    text = page.inner_text("body")
    for step in ("已提交", "已派发", "已签收", "已答复", "定于6月3日上午接电"):
        assert step in text
    page.wait_for_load_state("networkidle")
    assert page.locator(".thumbs img").evaluate("img => img.naturalWidth") == 800
    page.screenshot(path=str(SHOTS / "intake-status.png"), full_page=True)
    page.check("input[name=rating][value=dissatisfied]")
    page.check("input[name=tags][value=slow]")  # a 差评 needs a reason (docs/rating.md)
    page.fill("textarea[name=comment]", "接电时间太晚，希望提前")
    page.click("form[action$='/rate'] button[type=submit]")
    page.wait_for_selector("[data-thanks]")
    page.click("text=查看办理进度")
    page.wait_for_selector("text=不满意，已重新办理")
    db.session.refresh(case)
    assert case.state is CaseState.signed and case.reopen_count == 1
