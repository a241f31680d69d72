"""Playwright: a leader records a visit on the phone with two issues; the dispatcher sees
the two cases in the dispatch desk (issue 21, must show)."""
from datetime import date, datetime, timezone

from app.auth.models import Role
from app.extensions import db
from app.field import operations as ops
from tests.conftest import browser_login, category, screenshots_dir


def test_a_leader_records_a_visit_with_two_issues_and_they_reach_the_desk(
        phone_page, desk_page, world, make_user, make_enterprise, fixed_clock):
    fixed_clock.set(datetime(2026, 12, 2, 2, tzinfo=timezone.utc))  # in December's office week
    leader = make_user(Role.leader, username="leader_phone", display_name="刘建国")
    enterprise = make_enterprise(name="华康医药化工有限公司")
    ops.assign_enterprise(world.admin, enterprise, leader, world.dept, world.handler,
                          date(2026, 1, 1))
    db.session.commit()
    page = phone_page
    browser_login(page, "leader_phone")
    page.goto("/field/")
    page.click("text=登记走访")
    page.select_option("select[name=enterprise]", label="华康医药化工有限公司")
    page.fill("textarea[name=heard]", "企业订单增长，新厂区投产在即，反映用电和融资方面的困难")
    page.fill("input[name=companions]", "县发改局 王强")
    categories = page.locator("select[name=issue_category]")
    contents = page.locator("textarea[name=issue_content]")
    categories.nth(0).select_option(str(category("electricity").id))
    contents.nth(0).fill("新厂区用电增容报装进度慢，影响设备调试")
    categories.nth(1).select_option(str(category("credit_loans").id))
    contents.nth(1).fill("流动资金贷款续贷手续繁琐，希望简化")
    page.fill("input[name=contact_name]", "张经理")
    page.fill("input[name=contact_phone]", "13800138000")
    page.screenshot(path=str(screenshots_dir() / "field-visit-form-phone.png"), full_page=True)
    page.click("button[type=submit]:has-text('登记走访')")
    page.wait_for_selector("text=发现的问题（2）")
    flash = page.locator(".flash").inner_text()
    numbers = [n for n in flash.split("：")[-1].split("、")]
    assert len(numbers) == 2
    page.screenshot(path=str(screenshots_dir() / "field-visit-recorded-phone.png"), full_page=True)

    browser_login(desk_page, "dispatcher")
    desk_page.goto("/office/")
    for number in numbers:
        assert desk_page.locator(f"text={number.strip()}").count() >= 1
    assert desk_page.locator("text=走访企业").count() >= 2  # the source, on each row
    desk_page.screenshot(path=str(screenshots_dir() / "field-visit-cases-desk.png"))
