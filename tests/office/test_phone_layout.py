"""Staff pages on a phone (issue 19 item 4): in a 390×844 window without mobile emulation no
staff page scrolls sideways and no chart is wider than its box, for every staff role and every
staff GET route it can open (collected from the url_map, so a new page is checked too)."""
import re

import pytest
from sqlalchemy import select

from app.auth.models import Role
from app.cases.models import Case, CaseState
from app.enterprises.models import Enterprise
from app.extensions import db
from tests.conftest import browser_login, screenshots_dir
from tests.figures.test_dashboard_links import build_county_for_every_role
from tests.figures.timeline import NOW

STAFF_BLUEPRINTS = {"office", "handling", "oversight", "figures", "admin", "cards", "totp", "auth",
                    "field"}
PHONE_WIDTH = 390

# Every svg/canvas chart: its width, and its box's (the nearest block that is not a scroller).
CHARTS_WIDER_THAN_THEIR_BOX = """() => [...document.querySelectorAll('svg.chart, canvas')]
  .filter(el => el.getBoundingClientRect().width > 0)
  .map(el => {
    let box = el.parentElement;
    while (box && getComputedStyle(box).display === 'inline') box = box.parentElement;
    return [el.getAttribute('class') || el.tagName, el.getBoundingClientRect().width,
            box.clientWidth, box.scrollWidth];
  })
  .filter(([, width, boxWidth, boxScroll]) => width > boxWidth + 0.5 || boxScroll > boxWidth + 0.5)"""

# A table in an overflow box (the dashboard's league) must fit too: not 3 of 8 columns in sight.
SCROLLERS_HIDING_CONTENT = """() => [...document.querySelectorAll('.table-scroll')]
  .filter(el => el.scrollWidth > el.clientWidth + 0.5).map(el => el.scrollWidth)"""
SCREENSHOTS = {("dispatcher", "office.queue"): "phone-dispatch-desk.png",
               ("dispatcher", "figures.dashboard"): "phone-dashboard.png",
               ("leader", "oversight.cases"): "phone-leader-cases.png"}


def staff_routes(app):
    """(endpoint, rule) of every GET route of the staff blueprints."""
    return sorted({(rule.endpoint, rule.rule) for rule in app.url_map.iter_rules()
                   if "GET" in rule.methods and rule.endpoint.split(".")[0] in STAFF_BLUEPRINTS})


def fill(rule, values):
    """The rule with its parameters filled from `values`, or None when one cannot be."""
    names = re.findall(r"<(?:\w+:)?(\w+)>", rule)
    if any(name not in values for name in names):
        return None
    return re.sub(r"<(?:\w+:)?(\w+)>", lambda m: str(values[m.group(1)]), rule)


@pytest.fixture
def county_for_every_role(world, make_department, make_user, make_case, make_enterprise,
                          fixed_clock):
    fixed_clock.set(NOW)
    people = build_county_for_every_role(world, make_department, make_user, make_case,
                                         make_enterprise)
    leader = people["leader"]
    # A case every role may open: the leader's package enterprise, handled by world.dept.
    shared = db.session.execute(
        select(Case).join(Enterprise).where(Enterprise.package_leader_id == leader.id,
                                             Case.lead_department_id == world.dept.id,
                                             Case.state == CaseState.signed)).scalars().first()
    people.update({"admin": world.admin, "handler": world.handler})
    values = {"tracking_no": shared.tracking_no, "enterprise_id": shared.enterprise_id,
              "department_id": world.dept.id, "user_id": world.handler.id}
    return people, values


def test_no_staff_page_scrolls_sideways_on_a_phone(app, narrow_page, county_for_every_role):
    people, values = county_for_every_role
    page = narrow_page
    routes = staff_routes(app)
    assert {"office.queue", "office.board", "figures.dashboard", "oversight.cases",
            "admin.enterprises"} <= {endpoint for endpoint, _ in routes}
    checked, problems = {}, []
    for role, user in people.items():
        page.context.clear_cookies()
        browser_login(page, user.username)
        checked[role] = []
        for endpoint, rule in routes:
            url = fill(rule, values)
            if url is None:
                continue  # a parameter the county has no value for (a print job, a card image)
            head = page.request.get(url, max_redirects=0)
            if head.status != 200 or not head.headers.get("content-type", "").startswith("text/html"):
                continue  # not this role's page, a redirect elsewhere, or a download / image
            page.goto(url)
            checked[role].append(endpoint)
            width = page.evaluate("document.scrollingElement.scrollWidth")
            if width > PHONE_WIDTH:
                problems.append(f"{role} {url}: page {width} px wide")
            for chart in page.evaluate(CHARTS_WIDER_THAN_THEIR_BOX):
                problems.append(f"{role} {url}: chart {chart} wider than its box")
            hidden = page.evaluate(SCROLLERS_HIDING_CONTENT)
            if hidden:
                problems.append(f"{role} {url}: content hidden in a sideways scroller {hidden}")
            if (role, endpoint) in SCREENSHOTS:
                page.screenshot(path=str(screenshots_dir() / SCREENSHOTS[role, endpoint]),
                                full_page=True)
    assert not problems, "\n".join(problems)
    # Each role saw its own pages (the checks above ran on real pages, not on refusals).
    assert {"office.queue", "office.board", "office.case", "cards.index"} <= set(checked["dispatcher"])
    assert {"admin.enterprises", "admin.enterprise", "admin.users"} <= set(checked["admin"])
    assert {"handling.todo", "handling.case"} <= set(checked["handler"])
    assert {"handling.todo", "figures.dashboard"} <= set(checked["market head"])
    assert {"oversight.cases", "oversight.case", "figures.dashboard"} <= set(checked["leader"])
    assert {"oversight.cases", "oversight.escalations"} <= set(checked["supervisor"])
    assert "admin.index" not in checked["dispatcher"] and "office.queue" not in checked["leader"]
    assert {"field.index", "field.new_visit", "field.plans"} <= set(checked["leader"])  # issue 21
    assert {"field.assignments", "field.teams"} <= set(checked["admin"])


def test_the_desktop_keeps_its_tables_and_the_whole_year(app, wide_desk_page,
                                                         county_for_every_role):
    people, _values = county_for_every_role
    page = wide_desk_page
    browser_login(page, people["dispatcher"].username)
    page.goto("/office/")
    assert page.locator("#dispatch-queue thead th").first.is_visible()
    assert page.evaluate("getComputedStyle(document.querySelector('#dispatch-queue tr')).display") == "table-row"
    page.screenshot(path=str(screenshots_dir() / "desk-dispatch-1440.png"), full_page=True)
    page.goto("/figures/")
    assert page.locator("svg.chart-trend").is_visible()
    assert not page.locator("svg.chart-trend-recent").is_visible()
    assert page.locator("svg.chart-trend text.chart-axis", has_text="25-12").count() == 1  # 12 months
    assert page.locator("table.league thead th").first.is_visible()
    page.screenshot(path=str(screenshots_dir() / "desk-dashboard-1440.png"), full_page=True)
    page.context.clear_cookies()
    browser_login(page, people["leader"].username)
    page.goto("/oversight/")
    assert page.locator("#case-list thead th").first.is_visible()
    page.screenshot(path=str(screenshots_dir() / "desk-leader-cases-1440.png"), full_page=True)
