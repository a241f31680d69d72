"""The handler's case page on a 390×844 phone (WeChat's browser): the actions allowed now sit
in a bar at the bottom of the screen, visible without scrolling (issue 19 item 6: 签收 used to
sit 1,240 px down). In Chromium, CSRF on."""
from app.cases.models import Case, CaseState
from app.extensions import db
from tests.conftest import PHONE, browser_login, screenshots_dir

SCREENSHOTS = screenshots_dir()
LONG = ("新上的变压器已经等了三周还没有接电，设备一直闲置，车间无法开工，每天损失上万元。"
        "多次联系供电所，答复是排队等待，请营商办协调供电公司尽快接电。") * 4


def in_first_screen(locator) -> bool:
    box = locator.bounding_box()
    height = PHONE["viewport"]["height"]
    return box is not None and 0 <= box["y"] and box["y"] + box["height"] <= height


def test_sign_then_reply_from_the_bottom_bar_without_scrolling(phone_page, world, make_case):
    case = make_case(CaseState.dispatched, content=LONG)
    page = phone_page
    browser_login(page, world.handler.username)
    page.wait_for_load_state()
    page.goto(f"/handling/cases/{case.tracking_no}")
    assert page.evaluate("document.scrollingElement.scrollHeight") > 1.5 * 844  # a long page
    bar = page.locator("#action-bar")
    assert in_first_screen(bar) and in_first_screen(page.locator("#sign-button"))
    assert bar.locator(".btn").all_inner_texts() == ["签收", "退回"]
    page.screenshot(path=str(SCREENSHOTS / "handler-case-action-bar.png"))
    page.click("#sign-button")
    page.wait_for_load_state()
    db.session.expire_all()
    assert db.session.get(Case, case.id).state is CaseState.signed
    assert page.evaluate("window.scrollY") == 0
    # The reply form's file input once widened the page past 390 px, and the bar with it.
    wider = page.evaluate("""[...document.querySelectorAll('body *')]
        .filter(e => e.getBoundingClientRect().right > innerWidth).map(e => e.tagName + '#' + e.id)""")
    assert in_first_screen(bar), (bar.bounding_box(), wider)
    assert bar.locator(".btn").all_inner_texts() == ["答复", "延期", "退回"]
    bar.get_by_text("答复").click()
    assert in_first_screen(page.locator("#reply-form textarea"))
    bar.get_by_text("延期").click()
    assert page.locator("#extension-form").is_visible()  # its <details> opened
    page.set_viewport_size({"width": 1440, "height": 900})
    page.screenshot(path=str(SCREENSHOTS / "handler-case-action-bar-desk.png"))


def test_no_bar_without_actions(phone_page, world, make_case):
    case = make_case(CaseState.replied)
    page = phone_page
    browser_login(page, world.handler.username)
    page.wait_for_load_state()
    page.goto(f"/handling/cases/{case.tracking_no}")
    assert page.locator("#action-bar").count() == 0
