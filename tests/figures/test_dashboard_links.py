"""Every number on every role's dashboard is a link that lists exactly the cases it counts.

Server-side: the Flask test client fetches each role's dashboard, every link to a drill-down
list is followed, and the list's count and rows are compared with the number the link carries
(and shows). The browser check of one role is in test_dashboard.py."""
from datetime import timedelta
from html.parser import HTMLParser
import re

from app.auth.models import Role
from app.cases import operations as ops
from app.cases.models import CaseState
from app.core.clock import local_today
from app.extensions import db
from app.figures.queries import compute_figures
from app.figures.views import LIST_LIMIT, scope_filters
from tests.figures.demo_county import build_demo_county
from tests.figures.timeline import DAY, HOUR, NOW


class Links(HTMLParser):
    """The drill-down links of a page: (href, data-count, text shown inside the link)."""

    def __init__(self):
        super().__init__()
        self.links, self._open = [], []

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            attrs = dict(attrs)
            self._open.append([attrs.get("href") or "", attrs.get("data-count"), ""])

    def handle_data(self, data):
        for link in self._open:
            link[2] += data

    def handle_endtag(self, tag):
        if tag == "a" and self._open:
            href, count, text = self._open.pop()
            if href.startswith("/figures/cases"):
                self.links.append((href, count, text.strip()))


def drill_down_links(page: str) -> list:
    parser = Links()
    parser.feed(page)
    return parser.links


def league_body(page: str) -> str:
    return re.search(r'<table class="data league">.*?<tbody>(.*?)</tbody>', page, re.S).group(1)


def svg(page: str, css: str) -> str:
    return re.search(rf'<svg class="chart {css}".*?</svg>', page, re.S).group(0)


def build_county_for_every_role(world, make_department, make_user, make_case, make_enterprise):
    build_demo_county(world, make_department, make_user, make_case)
    leader = make_user(Role.leader, username="leader_li")
    tax_head = make_user(Role.department_head, world.other_dept, username="head_tax")
    mine = make_enterprise(package_leader_id=leader.id)
    at = NOW - 3 * DAY
    for state in (CaseState.closed, CaseState.signed, CaseState.dispatched, CaseState.returned):
        make_case(state, enterprise=mine, now=at)
    # The story: dispatched to tax, returned by tax, re-dispatched to market.
    case = make_case(CaseState.returned, enterprise=mine, department=world.other_dept, now=at)
    ops.dispatch_case(case, world.dispatcher, world.dept, now=at + HOUR)
    case = make_case(CaseState.returned, department=world.dept, now=at)
    ops.dispatch_case(case, world.dispatcher, world.other_dept, now=at + HOUR)
    db.session.commit()
    return {"dispatcher": world.dispatcher, "supervisor": world.supervisor, "leader": leader,
            "market head": world.head, "tax head": tax_head}


def test_every_link_of_every_roles_dashboard_lists_exactly_its_number(
        world, make_department, make_user, make_case, make_enterprise, client, login_as,
        fixed_clock):
    fixed_clock.set(NOW)
    people = build_county_for_every_role(world, make_department, make_user, make_case,
                                         make_enterprise)
    today = local_today()
    date_from, date_to = today - timedelta(days=90), today + timedelta(days=1)
    departments = {world.dept.id: world.dept.name, world.other_dept.id: world.other_dept.name}
    for role, person in people.items():
        login_as(person)
        page = client.get(f"/figures/?period=custom&from={date_from}&to={date_to}").get_data(
            as_text=True)
        expected = compute_figures(date_from, date_to, filters=scope_filters(person))["figures"]
        assert f'data-figure="received" data-numerator="{expected["received"]["numerator"]}"' \
            in page, role
        assert expected["received"]["numerator"] > 0 and expected["returned"]["numerator"] > 0, role

        # Every number of the league table is a link: nothing numeric is left outside one.
        body = league_body(page)
        outside = re.sub(r"<[^>]+>", "", re.sub(r"<a .*?</a>", "", body, flags=re.S))
        assert not re.search(r"\d", outside), (role, outside)
        labels = re.findall(r"<tr><td>(.*?)</td>", body)
        if person.role is Role.department_head:  # his own department's row, nobody else's
            assert labels == [departments[person.department_id]], (role, labels)
        # Every bar of the three charts (and every dot of the trend) is a link.
        for css in ("chart-trend", "chart-bars"):
            chart = svg(page, css)
            bars = len(re.findall(r'<a class="figure-link chart-link"', chart))
            assert bars and bars >= len(re.findall(r"<circle ", chart)), (role, css)
        category_chart = re.findall(r'<svg class="chart chart-bars".*?</svg>', page, re.S)
        for chart in category_chart:
            assert chart.count('<rect class="chart-bar"') == chart.count("chart-link"), role

        links = drill_down_links(page)
        assert len(links) > 60, role
        checked = {}
        for href, count, text in links:
            assert count is not None, (role, href)  # every drill-down link says what it counts
            if re.fullmatch(r"\d+", text):
                assert text == count, (role, href)  # and shows that number
            if href not in checked:
                listing = client.get(href)
                assert listing.status_code == 200, (role, href)
                listing = listing.get_data(as_text=True)
                listed = int(re.search(r'class="case-count">(\d+)<', listing).group(1))
                rows = listing.count('<tr class="case-row">')
                checked[href] = (listed, rows)
            listed, rows = checked[href]
            assert listed == int(count), (role, href, text, listed)
            assert rows == min(listed, LIST_LIMIT), (role, href)
        client.post("/logout")
