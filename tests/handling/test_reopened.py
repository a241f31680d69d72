"""A case the enterprise rated 不满意 comes back flagged (issue 19 item 5): 重办 in 我的待办 with
the complaint, a banner with the complaint at the top of the case, and 重办 per department on
the supervision board. In Chromium, CSRF on."""
from app.cases import operations as ops
from app.cases.models import CaseState, Rating
from app.extensions import db
from tests.conftest import browser_login, screenshots_dir

SCREENSHOTS = screenshots_dir()
COMPLAINT = "接电时间太晚，车间又停了两天，希望提前"


def reopened_case(make_case):
    case = make_case(CaseState.replied, category="electricity",
                     content="新变压器等了三周还没有接电，车间无法开工。")
    ops.rate_case(case, Rating.dissatisfied, COMPLAINT, tags=["unresolved"])
    db.session.commit()
    assert case.state is CaseState.signed and case.is_reopened
    return case


def test_reopened_case_is_flagged_in_the_todo_list_and_on_the_case(phone_page, world, make_case):
    case = reopened_case(make_case)
    plain = make_case(CaseState.signed, content="咨询营业执照变更需要哪些材料。")
    page = phone_page
    browser_login(page, world.handler.username)
    page.wait_for_load_state()
    item = page.locator(f"a.todo-item[href$='{case.tracking_no}']")
    assert "重办" in item.locator(".reopen-tag").inner_text()
    assert COMPLAINT[:10] in item.locator(".todo-complaint").inner_text()
    assert page.locator(f"a.todo-item[href$='{plain.tracking_no}'] .reopen-tag").count() == 0
    page.screenshot(path=str(SCREENSHOTS / "handler-todo-reopened.png"), full_page=True)
    item.click()
    banner = page.locator("#reopen-banner")
    assert "不满意重办" in banner.inner_text() and COMPLAINT in banner.inner_text()
    box = banner.bounding_box()
    assert box["y"] + box["height"] <= 844  # at the top: seen without scrolling
    page.screenshot(path=str(SCREENSHOTS / "handler-case-reopened.png"))
    page.goto(f"/handling/cases/{plain.tracking_no}")
    assert page.locator("#reopen-banner").count() == 0


def test_board_counts_reopened_cases_per_department(desk_page, world, make_case):
    reopened_case(make_case)
    make_case(CaseState.signed)  # same department, not reopened
    page = desk_page
    browser_login(page, world.dispatcher.username)
    page.wait_for_load_state()
    page.goto("/office/board")
    rows = page.locator("#reopen-counts tbody tr").all_inner_texts()
    assert rows == [f"{world.dept.name}\t1\t1"]
    page.screenshot(path=str(SCREENSHOTS / "office-board-reopened.png"), full_page=True)
