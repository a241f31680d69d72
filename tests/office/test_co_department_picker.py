"""Co-departments (issue 19 item 7): a checkbox picker grouped by kind, in the county's order
(kind, then the admin's 排序), with a filter box when JS runs and a plain list without it."""
from app.cases.models import CaseState
from app.departments.models import DepartmentKind
from app.extensions import db
from app.office.queries import active_departments
from tests.conftest import browser_login


def county(make_department):
    """Departments whose codes sort against the county's order."""
    return {
        "approval": make_department(code="A_APPROVAL", name="县行政审批服务局",
                                    kind=DepartmentKind.lead, sort_order=2),
        "ndrc": make_department(code="Z_NDRC", name="县发展和改革局", kind=DepartmentKind.lead,
                                sort_order=1),
        "housing": make_department(code="B_HOUSING", name="县住房和城乡建设局",
                                   kind=DepartmentKind.functional, sort_order=5),
        "town": make_department(code="A_TOWN", name="城关街道", kind=DepartmentKind.township,
                                sort_order=1),
    }


def test_departments_follow_the_county_order_not_the_codes(app, world, make_department):
    d = county(make_department)
    world.dept.sort_order, world.other_dept.sort_order = 7, 6  # MARKET, TAX: functional
    db.session.commit()
    names = [x.name for x in active_departments()]
    assert names == ["县发展和改革局", "县行政审批服务局", "县住房和城乡建设局", "税务局",
                     "市场监管局", "城关街道"]
    d["housing"].is_active = False
    db.session.commit()
    assert "县住房和城乡建设局" not in [x.name for x in active_departments()]


def test_desk_picker_groups_checkboxes_by_kind(client, login_as, world, make_case,
                                               make_department):
    county(make_department)
    case = make_case()
    login_as(world.dispatcher)
    html = client.get("/office/").get_data(as_text=True)
    row = html[html.index(f'id="row-{case.tracking_no}"'):]
    picker = row[row.index("data-dept-picker"):row.index("</details>")]
    assert "multiple" not in html  # no more a 3-row multi-select
    legends = [part.split("</legend>")[0] for part in picker.split("<legend>")[1:]]
    assert legends == ["牵头部门", "职能部门", "乡镇街道"]
    assert picker.index("县发展和改革局") < picker.index("县行政审批服务局") < picker.index("城关街道")
    assert f'type="checkbox" name="d{case.id}-co_departments" value="{world.other_dept.id}"' in picker


def test_admin_sets_a_department_order(client, login_as, world):
    login_as(world.admin)
    data = {"code": world.dept.code, "name": world.dept.name, "kind": "functional",
            "is_active": "y"}
    refused = client.post(f"/admin/departments/{world.dept.id}", data={**data, "sort_order": "前"})
    assert refused.status_code == 400 and "排序须为0到9999之间的整数" in refused.get_data(as_text=True)
    saved = client.post(f"/admin/departments/{world.dept.id}", data={**data, "sort_order": "12"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert world.dept.sort_order == 12


def test_dispatcher_picks_two_co_departments_through_the_filter(wide_desk_page, world, make_case,
                                                                 make_department):
    d = county(make_department)
    case = make_case()
    page = wide_desk_page
    browser_login(page, "dispatcher")
    page.goto("/office/")
    row = page.locator(f"#row-{case.tracking_no}")
    row.locator(".dispatch-department").select_option(str(world.dept.id))
    row.locator(".dept-picker summary").click()
    search = row.locator(".dept-picker-filter")
    search.fill("住房")
    housing = row.locator(".dept-picker-group label", has_text="县住房和城乡建设局")
    assert housing.is_visible() and not row.locator(".dept-picker-group label", has_text="税务局").is_visible()
    assert not row.locator("legend", has_text="乡镇街道").is_visible()  # an empty group hides
    housing.locator("input").check()
    search.fill("税务")
    search.press("Enter")  # does not submit the form
    assert page.url.endswith("/office/")
    row.locator(".dept-picker-group label", has_text="税务局").locator("input").check()
    assert housing.is_visible()  # what is picked stays in sight
    search.fill("没有这个部门")
    assert row.locator(".dept-picker-none").is_visible()
    assert row.locator(".dept-picker-count").inner_text() == "已选2个：税务局、县住房和城乡建设局"  # list order
    row.get_by_role("button", name="派发").click()
    page.wait_for_url("**/office/")
    assert "已派发" in page.locator(".flash").inner_text()
    db.session.expire_all()
    assert case.state is CaseState.dispatched and case.lead_department_id == world.dept.id
    assert {cd.department_id for cd in case.co_departments} == {d["housing"].id,
                                                                 world.other_dept.id}


def test_without_javascript_the_picker_is_a_plain_checkbox_list(browser, live_server, world,
                                                                 make_case, make_department):
    county(make_department)
    case = make_case()
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  java_script_enabled=False, viewport={"width": 1440, "height": 900})
    page = context.new_page()
    try:
        browser_login(page, "dispatcher")
        page.goto("/office/")
        row = page.locator(f"#row-{case.tracking_no}")
        row.locator(".dispatch-department").select_option(str(world.dept.id))
        row.locator(".dept-picker summary").click()
        assert not row.locator(".dept-picker-filter").is_visible()
        row.locator(".dept-picker-group label", has_text="城关街道").locator("input").check()
        with page.expect_navigation():
            row.get_by_role("button", name="派发").click()
        assert "已派发" in page.locator(".flash").inner_text()
    finally:
        context.close()
    db.session.expire_all()
    assert [cd.department.name for cd in case.co_departments] == ["城关街道"]
