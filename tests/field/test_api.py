"""GET/POST /api/v1/visits and the field figures in GET /api/v1/figures."""
from datetime import date, datetime, timezone

import pytest

from app.auth.models import Role
from app.auth.operations import create_api_token
from app.cases.models import CaseSource, CaseState
from app.extensions import db
from app.field import operations as ops
from app.field.models import Visit
from tests.api.conftest import api, tokens  # noqa: F401  (fixtures)
from tests.api.test_cases_api import assert_error


@pytest.fixture
def leader_token(world, make_user, make_enterprise, fixed_clock):
    fixed_clock.set(datetime(2026, 11, 16, 2, tzinfo=timezone.utc))
    leader = make_user(Role.leader, username="leader_api")
    enterprise = make_enterprise()
    ops.assign_enterprise(world.admin, enterprise, leader, world.dept, None, date(2026, 1, 1))
    token = create_api_token(leader)
    db.session.commit()
    return {"Authorization": f"Bearer {token}"}, enterprise


def body(enterprise, **over):
    data = {"enterprise_code": enterprise.credit_code, "visited_on": "2026-11-16",
            "level": "county", "heard": "企业反映的生产经营情况",
            "issues": [{"category": "electricity", "content": "新厂区用电增容报装进度慢"},
                       {"category": "tax", "content": "留抵退税到账时间较长"}]}
    data.update(over)
    return data


def test_post_visit_creates_the_visit_and_its_cases(client, leader_token, api):
    headers, enterprise = leader_token
    response = client.post("/api/v1/visits", json=body(enterprise), headers=headers)
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert len(data["cases"]) == 2 and data["participants"] == ["leader_api"]
    case = api.get(f"/cases/{data['cases'][0]}").get_json()
    assert case["source"] == CaseSource.visit.name and case["state"] == CaseState.submitted.name
    listed = client.get("/api/v1/visits", headers=headers).get_json()
    assert listed["total"] == 1 and listed["items"][0]["id"] == data["id"]
    assert api.get("/visits", as_="handler").get_json()["total"] == 0  # not theirs
    assert api.get("/visits?from=2026-11-17").get_json()["total"] == 0
    figures = api.get("/figures?from=2026-11-01&to=2026-12-01").get_json()["mechanisms"]["field"]
    assert figures["visits"] == 1 and figures["visit_issues"] == 2


@pytest.mark.parametrize("over, status, code", [
    ({"level": "galaxy"}, 400, "invalid_choice"),
    ({"visited_on": "2026-11-31"}, 400, "invalid_field"),
    ({"visited_on": "2026-11-20"}, 400, "invalid_input"),
    ({"issues": [{"category": "nope", "content": "问题内容足够长"}]}, 400, "unknown_category"),
    ({"issues": "x"}, 400, "invalid_field"),
    ({"enterprise_code": None}, 400, "missing_field"),
])
def test_post_visit_refusals_write_nothing(client, leader_token, over, status, code):
    headers, enterprise = leader_token
    assert_error(client.post("/api/v1/visits", json=body(enterprise, **over), headers=headers),
                 status, code)
    assert db.session.execute(db.select(db.func.count()).select_from(Visit)).scalar() == 0


def test_a_supervisor_may_not_record_visits(api, leader_token):
    _headers, enterprise = leader_token
    assert_error(api.post("/visits", body(enterprise), as_="supervisor"), 403, "wrong_role")


def test_the_ledger_has_the_field_sheet(leader_token, client, app):
    import io
    from openpyxl import load_workbook
    from app.figures.ledger import export_ledger
    headers, enterprise = leader_token
    client.post("/api/v1/visits", json=body(enterprise, visited_on="2026-11-02"), headers=headers)
    out = io.BytesIO()
    export_ledger(out, date(2026, 11, 1), date(2026, 12, 1))
    sheet = load_workbook(io.BytesIO(out.getvalue()))["走访与监督"]
    rows = {row[0]: row[1] for row in sheet.iter_rows(values_only=True) if row and row[0]}
    assert rows["走访次数"] == 1 and rows["走访发现问题"] == 2
    assert rows["一线办公周覆盖率"] == "100.00%"


def test_the_demo_tells_the_field_story(runner, app):
    """`flask demo load` seeds the field through the operations (app/demo/field.py)."""
    from app.field.models import HelpMeasure, ServiceAssignment, ServiceTeam, SupervisionVisit
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    count = lambda model: db.session.execute(db.select(db.func.count()).select_from(model)).scalar()  # noqa: E731
    assert count(ServiceTeam) == 10 and count(SupervisionVisit) == 4 and count(HelpMeasure) == 12
    assert count(ServiceAssignment) > db.session.execute(db.select(db.func.count()).select_from(
        ServiceAssignment).where(ServiceAssignment.ends_on.is_(None))).scalar()  # history kept
    from app.core.clock import local_today
    from app.field.queries import field_figures
    today = local_today()
    figures = field_figures(today.replace(day=1).replace(year=today.year - 1), today)
    assert figures["visits"] > 100 and figures["visit_issues"] > 0
    assert 0 < int(figures["office_week_coverage"]["rate"].split(".")[0]) <= 100
    assert runner.invoke(args=["demo", "load"]).exit_code == 0  # idempotent
    assert count(ServiceTeam) == 10
