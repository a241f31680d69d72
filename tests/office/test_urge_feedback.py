"""After 催办 the flash names the case and the board row shows how often and when it was
urged (issue 19 item 11): over HTTP, and in Chromium with CSRF on."""
from datetime import timedelta

from app.cases import operations as ops
from app.cases.models import CaseState
from app.core.clock import utcnow
from app.core.timeutil import LOCAL_TZ
from app.extensions import db
from tests.conftest import browser_login, screenshots_dir
from tests.figures.timeline import NOW as FRIDAY_9AM


def test_urge_flash_names_the_case_and_the_row_counts(client, login_as, world, make_case,
                                                      make_enterprise, fixed_clock):
    fixed_clock.set(FRIDAY_9AM)
    firm = make_enterprise(name="清泉饮品有限公司")
    late = make_case(CaseState.signed, now=utcnow() - timedelta(days=30), enterprise=firm)
    ops.urge_case(late, None, now=utcnow() - timedelta(days=2))  # the scheduler urged it once
    db.session.commit()
    login_as(world.dispatcher)
    response = client.post(f"/office/cases/{late.tracking_no}/urge", data={"back": "board"},
                           follow_redirects=True)
    html = response.get_data(as_text=True)
    assert f"已催办案件 {late.tracking_no}（清泉饮品有限公司），累计催办2次" in html
    row = html[html.index(f'id="board-{late.tracking_no}"'):]
    row = row[:row.index("</tr>")]
    assert "催办2次" in row and f"最近{FRIDAY_9AM.astimezone(LOCAL_TZ):%m-%d %H:%M}" in row


def test_urge_flash_without_an_enterprise_names_the_text(client, login_as, world, make_case):
    case = make_case(CaseState.dispatched, content="厂区门前道路积水严重，影响货车进出，请尽快处理")
    login_as(world.dispatcher)
    html = client.post(f"/office/cases/{case.tracking_no}/urge",
                       follow_redirects=True).get_data(as_text=True)
    assert f"已催办案件 {case.tracking_no}（厂区门前道路积水严重，影响货车进…），累计催办1次" in html


def test_dispatcher_urges_from_the_board_in_chromium(wide_desk_page, narrow_page, world,
                                                     make_case, fixed_clock):
    fixed_clock.set(FRIDAY_9AM)
    late = make_case(CaseState.signed, now=utcnow() - timedelta(days=30))
    for page, name in ((wide_desk_page, "desk"), (narrow_page, "phone")):
        browser_login(page, world.dispatcher.username)
        page.goto("/office/board")
    page = wide_desk_page
    page.locator(f"#board-{late.tracking_no} button", has_text="催办").click()
    page.wait_for_url("**/office/board")
    assert f"已催办案件 {late.tracking_no}" in page.locator(".flash-info").inner_text()
    assert "催办1次" in page.locator(f"#board-{late.tracking_no} .urge-info").inner_text()
    assert "最近" in page.locator(f"#board-{late.tracking_no} .urge-info").inner_text()
    page.screenshot(path=str(screenshots_dir() / "office-board-urged-desk.png"), full_page=True)
    narrow_page.reload()
    narrow_page.screenshot(path=str(screenshots_dir() / "office-board-urged-phone.png"),
                               full_page=True)
