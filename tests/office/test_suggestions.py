"""The suggested department (issue 19 item 2): the admin's category → department routing, the
text where it names a department, the enterprise's department only as a fallback; the desk
shows why. The electricity case of the issue ("请供电公司尽快排查", 获得电力, an enterprise of
县商务局) used to be suggested, and one-click dispatched, to 县商务局."""
from app.cases.models import Case, CaseState
from app.departments.models import DepartmentKind
from app.extensions import db
from app.office.queries import (BY_CATEGORY, BY_CONTENT, BY_ENTERPRISE, department_name_keys,
                                suggest_department)
from tests.conftest import browser_login, category, screenshots_dir

SCREENSHOTS = screenshots_dir()


def test_name_keys_cover_how_a_text_names_a_department(make_department):
    power = make_department(name="国网示范县供电公司")
    tax = make_department(name="国家税务总局示范县税务局")
    commerce = make_department(name="县商务局")
    eco = make_department(name="市生态环境局示范县分局")
    assert "供电公司" in department_name_keys(power, "示范县")
    assert "税务局" in department_name_keys(tax, "示范县")
    assert "商务局" in department_name_keys(commerce, "示范县")
    assert department_name_keys(eco, "示范县") == {"市生态环境局示范县分局"}  # not "分局"


def test_desk_suggests_by_category_then_text_then_enterprise_and_says_why(
        desk_page, app, world, make_department, make_enterprise, make_case):
    app.config["COUNTY_NAME"] = "示范县"
    power = make_department(code="POWER", name="国网示范县供电公司")
    commerce = make_department(code="COMMERCE", name="县商务局")
    make_department(code="T_LIULIN", name="柳林镇", kind=DepartmentKind.township)
    category("electricity").default_department = power
    db.session.commit()
    firm = make_enterprise(name="临清市清源饮品有限公司", responsible_department=commerce)
    electricity = make_case(category="electricity", enterprise=firm,
                            content="厂区频繁停电，请供电公司尽快排查线路。")
    named = make_case(category="other", enterprise=firm,
                      content="去税务局窗口办理发票领用，排队两个小时，柳林镇的企业都反映过。")
    fallback = make_case(category="other", enterprise=firm, content="厂区门前道路破损严重。")
    expected = {electricity: (power, BY_CATEGORY), named: (world.other_dept, BY_CONTENT),
                fallback: (commerce, BY_ENTERPRISE)}
    for case, (department, reason) in expected.items():
        suggestion = suggest_department(case)
        assert (suggestion.department.id, suggestion.reason) == (department.id, reason)

    page = desk_page
    browser_login(page, world.dispatcher.username)
    page.wait_for_load_state()
    for case, (department, reason) in expected.items():
        cell = page.locator(f"#row-{case.tracking_no} .suggestion")
        assert cell.inner_text().split() == [department.name, reason]
    page.screenshot(path=str(SCREENSHOTS / "office-queue-suggestions-desk.png"), full_page=True)
    # One click dispatches the electricity case to the power company, not 县商务局.
    page.click(f"#row-{electricity.tracking_no} button[type=submit]")
    page.wait_for_load_state()
    db.session.expire_all()
    case = db.session.get(Case, electricity.id)
    assert case.state is CaseState.dispatched and case.lead_department_id == power.id
    page.goto(f"/office/cases/{named.tracking_no}")
    assert "建议：税务局，按内容" in page.inner_text("#office-actions h2")
