"""Playwright: a social supervisor records a 现场测评 on the phone with a finding; the finding
is a case the dispatcher sees in the dispatch desk (issue 22, must show). The phone form
passes the tap-target and contrast check (tests/a11y.py)."""
from datetime import datetime, timezone

from app.auth.models import Role
from app.extensions import db
from app.assessments import operations as ops
from tests.a11y import offenders
from tests.conftest import browser_login, category, screenshots_dir


def test_a_supervisor_records_an_assessment_on_the_phone_and_the_finding_reaches_the_desk(
        phone_page, desk_page, world, make_user, fixed_clock):
    fixed_clock.set(datetime(2026, 11, 16, 2, tzinfo=timezone.utc))
    make_user(Role.social_supervisor, username="jd_wang", display_name="王建德")
    campaign = ops.open_campaign(world.dispatcher, "十一月社会监督员现场测评", datetime(2026, 11, 1).date(),
                      datetime(2026, 11, 30).date())
    db.session.commit()
    page = phone_page
    browser_login(page, "jd_wang")
    page.wait_for_selector("text=还有 2 个部门未测评")
    page.click(f"a:has-text('{world.dept.name}')")  # straight to the form for that department
    assert page.locator("select[name=department]").input_value() == str(world.dept.id)
    page.fill("textarea[name=matter]", "到窗口办理个体工商户变更登记，取号后等候约20分钟")
    page.select_option("select[name=efficiency]", label="基本满意")
    page.select_option("select[name=procedure]", label="满意")
    page.select_option("select[name=attitude]", label="非常满意")
    page.fill("textarea[name=notes]", "叫号屏字太小，老年人看不清")
    page.locator("select[name=issue_category]").nth(0).select_option(str(category("government_service").id))
    page.locator("textarea[name=issue_content]").nth(0).fill("高峰期只开一个窗口，排队时间长")
    assert offenders(page) == []
    page.screenshot(path=str(screenshots_dir() / "assessment-form-phone.png"), full_page=True)
    page.click("button[type=submit]:has-text('提交测评')")
    page.wait_for_selector("text=发现的问题（1）")
    number = page.locator(".flash").inner_text().split("：")[-1].strip()
    assert number
    assert offenders(page) == []
    page.screenshot(path=str(screenshots_dir() / "assessment-recorded-phone.png"), full_page=True)
    page.goto("/assessments/")
    assert page.locator("text=还有 1 个部门未测评").count() == 1

    browser_login(desk_page, "dispatcher")
    desk_page.goto("/office/")
    assert desk_page.locator(f"text={number}").count() >= 1
    assert desk_page.locator("text=特约监督员").count() >= 1  # the case's source
    desk_page.goto(f"/assessments/campaigns/{campaign.id}")  # ids are not reset between tests
    assert "还差 1 个部门" in desk_page.locator("#unfinished").inner_text()
    desk_page.screenshot(path=str(screenshots_dir() / "assessment-campaign-desk.png"), full_page=True)
