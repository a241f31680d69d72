"""Playwright: a department's handler fills the month's area analysis on the phone (from the
to-do; an empty 举措 refused with the text kept), then the office reads it on the desk and
the phone form passes the tap-target and contrast check (tests/a11y.py)."""
from datetime import date, datetime, timezone

import pytest

from app.areas import operations as ops
from app.areas.models import AnalysisArea
from app.cases.models import CaseState
from app.extensions import db
from tests.a11y import offenders
from tests.conftest import browser_login, screenshots_dir

NOW = datetime(2026, 11, 3, 2, tzinfo=timezone.utc)
IN_OCTOBER = datetime(2026, 10, 12, 2, tzinfo=timezone.utc)
WEAKNESSES = "企业开办涉及刻章、社保登记等环节，仍有部分企业跑两次"

@pytest.mark.browser
def test_a_department_fills_its_area_analysis_on_the_phone(
        phone_page, desk_page, world, make_case, make_enterprise, fixed_clock):
    fixed_clock.set(NOW)
    area = db.session.execute(db.select(AnalysisArea).filter_by(name="开办企业")).scalar_one()
    area.department = world.dept
    db.session.execute(db.select(AnalysisArea).filter_by(name="纳税")).scalar_one().department = \
        world.other_dept
    point = make_enterprise(name="鲁南机械有限公司")
    ops.flag_monitoring_point(world.dispatcher, point, "省级监测点")
    for state in (CaseState.closed, CaseState.replied, CaseState.signed):
        make_case(state, category="start_business", now=IN_OCTOBER, enterprise=point)
    make_case(CaseState.closed, category="tax", now=IN_OCTOBER, department=world.other_dept)
    make_case(CaseState.submitted, category="other", now=IN_OCTOBER)
    created, _ = ops.request_analyses(world.dispatcher, "2026-10", 5, now=NOW)
    db.session.commit()
    analysis = next(a for a in created if a.area_id == area.id)
    assert analysis.due_on == date(2026, 11, 10)

    page = phone_page
    browser_login(page, "handler_market")
    page.wait_for_selector("#todo-analyses")
    page.screenshot(path=str(screenshots_dir() / "area-analysis-todo-phone.png"), full_page=True)
    page.click("#todo-analyses a:has-text('开办企业领域分析')")
    page.wait_for_selector("#analysis-form")
    assert "3 件" in page.locator(".area-figures").inner_text()  # the area's cases, received
    page.fill("textarea[name=weaknesses]", WEAKNESSES)
    page.click("button[type=submit]:has-text('提交分析')")
    page.wait_for_selector(".field-error:has-text('请填写举措')")
    assert page.locator("textarea[name=weaknesses]").input_value() == WEAKNESSES  # kept
    page.fill("textarea[name=measures]", "推行企业开办“一网通办”，刻章费用由财政承担")
    assert offenders(page) == []
    page.screenshot(path=str(screenshots_dir() / "area-analysis-form-phone.png"), full_page=True)
    page.click("button[type=submit]:has-text('提交分析')")
    page.wait_for_selector("#analysis-state:has-text('已提交')")
    assert page.locator("textarea[name=weaknesses]").input_value() == WEAKNESSES

    desk = desk_page
    browser_login(desk, "dispatcher")
    desk.goto("/areas/")
    assert "1/2" in desk.locator("#months").inner_text()

    desk.screenshot(path=str(screenshots_dir() / "areas-index-desk.png"), full_page=True)
    desk.goto("/areas/months/2026-10")
    rows = desk.locator("#area-figures").inner_text()
    assert "未归类" in rows and "已提交" in rows and "待填报" in rows
    assert WEAKNESSES in desk.locator(".area-analysis").inner_text()

    desk.screenshot(path=str(screenshots_dir() / "areas-month-desk.png"), full_page=True)
    # A number drills down to as many cases.
    desk.click("tr[data-area='%d'] a.figure-link >> nth=0" % area.id)
    assert desk.locator(".case-count").inner_text() == "3"
    desk.goto("/areas/points")
    assert "鲁南机械有限公司" in desk.locator("#points").inner_text()
    desk.screenshot(path=str(screenshots_dir() / "areas-points-desk.png"), full_page=True)

@pytest.mark.browser
def test_the_admin_pages_of_the_areas(desk_page, world, fixed_clock):
    fixed_clock.set(NOW)
    desk = desk_page
    browser_login(desk, "admin")
    desk.goto("/admin/areas")
    assert desk.locator("#areas-form input[type=text]").count() == 12

    desk.screenshot(path=str(screenshots_dir() / "admin-areas-desk.png"), full_page=True)
    desk.fill("input[name=new-name]", "知识产权保护")  # the second form, its own CSRF token
    desk.select_option("select[name=new-department]", label=world.dept.name)
    desk.click("#new-area-form button[type=submit]")
    desk.wait_for_selector(".flash:has-text('已新增领域“知识产权保护”')")
    assert desk.locator("#areas-form input[type=text]").count() == 13
    desk.goto("/admin/area-categories")
    assert desk.locator("#category-other select").input_value() == "0"  # 其他: 未归类

    desk.screenshot(path=str(screenshots_dir() / "admin-area-categories-desk.png"), full_page=True)
