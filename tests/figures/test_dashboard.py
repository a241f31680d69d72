"""The dashboard: who may see it, links that list exactly the cases counted, the ledger button."""
from datetime import timedelta
from io import BytesIO
import re

from openpyxl import load_workbook

from app.cases.models import AuditEvent
from app.extensions import db
from app.core.clock import local_today
from app.figures.queries import compute_figures
from tests.conftest import browser_login, screenshots_dir
from tests.figures.demo_county import build_demo_county
from tests.figures.timeline import NOW



def _period():
    today = local_today()
    return today - timedelta(days=90), today + timedelta(days=1)


def test_dashboard_needs_an_office_or_leading_role(world, client, login_as):
    assert client.get("/figures/").status_code == 302  # to the login page
    login_as(world.handler)
    assert client.get("/figures/").status_code == 403
    assert client.get("/figures/ledger.xlsx").status_code == 403


def test_department_head_sees_only_his_department(world, make_case, client, login_as):
    from app.cases.models import CaseState
    make_case(CaseState.closed)
    make_case(CaseState.closed, department=world.other_dept)
    login_as(world.head)
    date_from, date_to = _period()
    page = client.get(f"/figures/?period=custom&from={date_from}&to={date_to}").get_data(as_text=True)
    assert 'data-figure="received" data-numerator="1"' in page
    listing = client.get(f"/figures/cases?figure=received&part=numerator&from={date_from}&to={date_to}"
                         f"&department={world.other_dept.id}").get_data(as_text=True)
    assert re.search(r'class="case-count">1<', listing)  # his scope wins over the asked filter


def test_bad_custom_period_is_explained_not_a_500(world, client, login_as):
    login_as(world.dispatcher)
    response = client.get("/figures/?period=custom&from=2026-12-01&to=2026-11-01")
    assert response.status_code == 200 and "截止日期不得早于起始日期" in response.get_data(as_text=True)
    assert client.get("/figures/cases?figure=nope&from=2026-11-01&to=2026-12-01").status_code == 404


def test_ledger_download_is_masked_and_audited_full_only_for_admin(world, make_case, client, login_as):
    from app.cases.models import CaseState
    make_case(CaseState.closed)
    login_as(world.dispatcher)
    assert client.get("/figures/ledger.xlsx?full=1").status_code == 403
    response = client.get("/figures/ledger.xlsx")
    assert response.status_code == 200
    rows = list(load_workbook(BytesIO(response.data))["台账"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == 1 and rows[0][9] == "138****8000"
    client.post("/logout")
    login_as(world.admin)
    full = client.get("/figures/ledger.xlsx?full=1")
    assert load_workbook(BytesIO(full.data))["台账"]["J2"].value == "13800138000"
    actions = [e.action for e in db.session.execute(
        db.select(AuditEvent).where(AuditEvent.case_id.is_(None)).order_by(AuditEvent.id)).scalars()]
    assert actions == ["export_ledger", "export_ledger_full"]


def test_dashboard_on_desk_and_phone_links_open_their_lists(world, make_department, make_user,
                                                            make_case, desk_page, phone_page,
                                                            fixed_clock):
    """The browser check for one role (the full walk of every link is server-side, below)."""
    fixed_clock.set(NOW)  # the county's cases lie in the 80 days before a known Friday
    build_demo_county(world, make_department, make_user, make_case)
    date_from, date_to = _period()
    expected = compute_figures(date_from, date_to)["figures"]
    page = desk_page
    browser_login(page, "dispatcher")
    url = f"/figures/?period=custom&from={date_from}&to={date_to}"
    page.goto(url)
    assert page.locator("svg.chart").count() >= 3
    shots = screenshots_dir()  # docs/screenshots with SAVE_SCREENSHOTS=1
    page.screenshot(path=str(shots / "dashboard.png"), full_page=True)
    tile = page.locator('a.figure-link[data-figure="on_time_closure"]')
    assert int(tile.get_attribute("data-numerator")) == expected["on_time_closure"]["numerator"]
    tile.click()
    assert page.locator("tr.case-row").count() == expected["on_time_closure"]["numerator"]
    page.screenshot(path=str(shots / "figure-cases.png"))
    # A bar of the category chart is a link too, and opens its cases.
    page.goto(url)
    bar = page.locator("svg.chart-bars a.chart-link").first
    count = int(bar.get_attribute("data-count"))
    bar.click()
    assert page.locator(".case-count").inner_text() == str(count) and count > 0

    browser_login(phone_page, "dispatcher")
    phone_page.goto(url)
    phone_page.screenshot(path=str(shots / "dashboard-phone.png"), full_page=True)


def test_listed_cases_open_on_the_readers_own_case_page(world, make_case, client, login_as):
    from app.cases.models import CaseState
    case = make_case(CaseState.closed)
    date_from, date_to = _period()
    query = f"/figures/cases?figure=closure&part=numerator&from={date_from}&to={date_to}"
    login_as(world.dispatcher)
    assert f'href="/office/cases/{case.tracking_no}"' in client.get(query).get_data(as_text=True)
    client.post("/logout")
    login_as(world.head)
    assert f'href="/handling/cases/{case.tracking_no}"' in client.get(query).get_data(as_text=True)


def test_package_leader_sees_the_figures_of_his_enterprises(world, make_user, make_enterprise,
                                                           make_case, client, login_as):
    from app.auth.models import Role
    from app.cases.models import CaseState
    leader = make_user(Role.leader, username="leader_li")
    mine, other = make_enterprise(package_leader_id=leader.id), make_enterprise()
    make_case(CaseState.closed, enterprise=mine)
    make_case(CaseState.closed, enterprise=other)
    make_case(CaseState.closed)
    login_as(leader)
    date_from, date_to = _period()
    page = client.get(f"/figures/?period=custom&from={date_from}&to={date_to}").get_data(as_text=True)
    assert 'data-figure="received" data-numerator="1"' in page
    assert "导出台账" in page  # his own scope's ledger (tests/figures/test_scope_report.py)
