"""GET /api/v1/summary: the work summary's numbers, numerator and denominator for each rate."""
import pytest

from tests.figures.summary_world import EXPECTED, MONDAY, build


@pytest.fixture
def county(world, make_case, make_enterprise, fixed_clock):
    build(world, make_case, make_enterprise, fixed_clock)
    return world


def test_summary_json_shape(county, api, fixed_clock):
    fixed_clock.set(MONDAY)
    response = api.get("/summary?from=2026-11-01&to=2026-12-01")
    assert response.status_code == 200
    body = response.get_json()
    assert set(body) == {"period", "closure_basis", "qr_sources", "numbers", "meetings_by_type",
                         "text"}
    assert body["period"]["from"] == "2026-11-01" and body["period"]["to_exclusive"] is True
    for key, expected in EXPECTED.items():
        number = body["numbers"][key]
        assert set(number) == {"label", "kind", "value", "numerator", "denominator", "rate",
                               "display"}
        if isinstance(expected, tuple):
            assert number["kind"] == "rate"
            assert (number["rate"], number["numerator"], number["denominator"]) == expected
        else:
            assert number["kind"] == "count" and number["value"] == expected
    assert "办结率66.66%" in body["text"]
    party = next(t for t in body["meetings_by_type"] if t["type"] == "party_business")
    assert (party["meetings_held"], party["issues_assigned"]) == (1, 2)


def test_summary_defaults_to_this_year(county, api, fixed_clock):
    fixed_clock.set(MONDAY)
    body = api.get("/summary").get_json()
    assert (body["period"]["from"], body["period"]["to"]) == ("2026-01-01", "2027-01-01")
    assert body["numbers"]["qr_received"]["value"] == 4  # October's case too


@pytest.mark.parametrize("as_", ["handler", "head"])
def test_summary_refuses_roles_without_county_figures(county, api, as_):
    response = api.get("/summary", as_=as_)
    assert response.status_code == 403
    assert response.get_json() == {"error": "forbidden", "message": "您的角色无权查看工作总结"}


def test_summary_needs_a_token(county, client):
    response = client.get("/api/v1/summary")
    assert response.status_code == 401 and response.get_json()["error"] == "unauthorized"


@pytest.mark.parametrize("query, field, message", [
    ("from=2026-13-01", "from", "参数“from”应为日期，格式如 2026-01-31"),
    ("from=2026-11-01&to=2026-11-01", "to", "结束日期应晚于开始日期"),
    ("to=1999-01-01", "to", "参数“to”：日期应在2000-01-01至2100-12-31之间"),
])
def test_summary_refuses_bad_dates(county, api, query, field, message):
    response = api.get(f"/summary?{query}")
    assert response.status_code == 400
    assert response.get_json() == {"error": "invalid_field", "message": message, "field": field}
