"""The whole 差评 loop in Chromium: the enterprise on its phone (WeChat), the office and the
department at their desks. 非常不满意 without a reason is refused, with one accepted; the
office records the 回访; the department reports its 整改; the enterprise's 追评; the
department appeals, the office upholds it and 满意率 changes exactly as defined.
Takes docs/screenshots/rating-thanks.png and rating-loop.png (SAVE_SCREENSHOTS=1)."""
from app.cases.models import Case, CaseState
from app.core.clock import local_today
from app.extensions import db
from tests.conftest import browser_login, screenshots_dir

SHOTS = screenshots_dir()


def staff_page(browser, live_server, user):
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  viewport={"width": 1366, "height": 900})
    page = context.new_page()
    browser_login(page, user.username)
    page.wait_for_load_state()
    assert "退出" in page.content()
    return page


def satisfaction(page):
    today = local_today()
    page.goto(f"/figures/?period=custom&from={today}&last={today}")
    return (page.inner_text("[data-figure=satisfaction].value"),
            page.inner_text("[data-figure=appeals_upheld].value"))


def reload(case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def rate(phone, level, tags=(), comment=None):
    phone.check(f"input[name=rating][value={level}]")
    for tag in tags:
        phone.check(f"input[name=tags][value={tag}]")
    if comment is not None:
        phone.fill("textarea[name=comment]", comment)
    phone.click("form[data-rating-form] button[type=submit]")
    phone.wait_for_load_state()


def test_the_bad_rating_loop_end_to_end(phone_page, desk_page, browser, live_server, world,
                                        make_case):
    make_case(CaseState.closed)  # a 满意 the county already has
    case = make_case(CaseState.replied, content="新上的变压器还没有接电，设备一直闲置")
    phone = phone_page
    phone.goto(f"/t/{case.tracking_no}")
    phone.fill("input[name=code]", case.access_code)
    phone.click("button[type=submit]")
    phone.wait_for_selector("form[data-rating-form]")

    # 非常不满意 without a reason: refused, what was typed kept.
    rate(phone, "very_dissatisfied", comment="说好上周接电，到现在没人来")
    assert "请至少选择一项原因" in phone.inner_text("body")
    assert phone.is_checked("input[name=rating][value=very_dissatisfied]")
    assert phone.input_value("textarea[name=comment]") == "说好上周接电，到现在没人来"
    assert reload(case).state is CaseState.replied
    phone.screenshot(path=str(SHOTS / "rating-refused.png"), full_page=True)
    rate(phone, "very_dissatisfied", tags=["slow", "unresolved"])
    phone.wait_for_selector("[data-thanks]")
    text = phone.inner_text("body")
    assert "感谢您的评价" in text and "电话回访" in text and "整改" in text
    SHOTS.mkdir(parents=True, exist_ok=True)
    phone.screenshot(path=str(SHOTS / "rating-thanks.png"), full_page=True)
    case = reload(case)
    # This phone opened the case with its number and code (it did not submit it).
    assert case.state is CaseState.signed and case.rating_history[0].channel.name == "status_page"

    # The office calls back.
    desk = desk_page
    browser_login(desk, world.dispatcher.username)
    desk.goto("/office/")
    desk.click(f"#callback-{case.tracking_no} a")
    desk.check("input[name=callback-reached][value=yes]")
    desk.fill("textarea[name=callback-note]", "企业说供电所一直未派人，已联系供电所本周内上门")
    desk.click("#callback-form button[type=submit]")
    desk.wait_for_selector("text=差评回访已登记")
    assert reload(case).callback_at is not None

    # The department reworks and reports (整改反馈).
    handler = staff_page(browser, live_server, world.handler)
    handler.goto(f"/handling/cases/{case.tracking_no}")
    assert "态度" not in handler.inner_text("#rating-loop")  # the reasons given, no others
    assert "13800138000" not in handler.inner_text("#rating-loop")
    handler.fill("textarea[name=reply-content]", "已协调供电所于周三完成接电，设备已投产")
    handler.click("#reply-button")
    handler.wait_for_selector("text=已答复")
    assert reload(case).rework_feedback_at is not None

    # The enterprise sees the 整改反馈 and gives its one 追评.
    phone.goto(f"/t/{case.tracking_no}")
    assert "整改反馈" in phone.inner_text(".timeline") and "请为整改结果追评" in phone.inner_text("body")
    rate(phone, "dissatisfied", tags=["slow"], comment="接电了，但拖了太久")
    phone.wait_for_selector("[data-thanks]")
    assert "追评" in phone.inner_text("body")
    case = reload(case)
    assert case.state is CaseState.closed and case.rating_history[-1].is_follow_up

    assert satisfaction(desk) == ("50.00%", "0")  # 1 满意 of 2 rated

    # The department appeals the 追评; the office upholds it.
    handler.goto(f"/handling/cases/{case.tracking_no}")
    handler.click("text=差评申诉（误评、恶意差评）")
    handler.select_option("select[name=appeal-kind]", "mistaken")
    handler.fill("textarea[name=appeal-evidence]", "企业回访录音称对结果满意，系误选")
    handler.click("#appeal-form button[type=submit]")
    handler.wait_for_selector("text=申诉已提交")

    desk.goto(f"/office/cases/{case.tracking_no}")
    desk.check("input[name=decide-decision][value=uphold]")
    desk.fill("textarea[name=decide-reason]", "回放录音，企业确认系误选")
    desk.click("#appeal-decision-form button[type=submit]")
    desk.wait_for_selector("text=申诉复核已完成")
    loop = desk.locator("#rating-loop")
    for step in ("非常不满意", "差评回访", "整改", "追评：不满意", "申诉成立", "不计入满意率"):
        assert step in loop.inner_text()
    loop.screenshot(path=str(SHOTS / "rating-loop.png"))

    assert satisfaction(desk) == ("100.00%", "1")  # the upheld 追评 leaves 满意率: 1 of 1
    handler.context.close()
