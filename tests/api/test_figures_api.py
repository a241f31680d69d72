"""GET /api/v1/figures answers exactly what the figures domain computes."""
import pytest

from tests.api.test_cases_api import assert_error


def test_figures_answer_what_compute_figures_computes(api, make_case):
    from datetime import date
    from app.figures.queries import compute_figures
    make_case()
    response = api.get("/figures?from=2026-11-01&to=2026-12-01")
    assert response.status_code == 200, response.get_json()
    expected = compute_figures(date(2026, 11, 1), date(2026, 12, 1))
    assert isinstance(expected, dict)
    # and the mechanisms' figures (meetings, 代表声音, the field's visits) of the same period
    from app.api.views import mechanism_figures
    expected["mechanisms"] = mechanism_figures(date(2026, 11, 1), date(2026, 12, 1))
    assert response.get_json() == api.client.application.json.loads(
        api.client.application.json.dumps(expected))


def test_figures_are_for_the_office_and_supervisors_only(api):
    assert_error(api.get("/figures", as_="handler"), 403, "forbidden")


@pytest.mark.parametrize("query", ["from=2026-13-01", "from=2026-11-10&to=2026-11-01",
                                   "to=yesterday"])
def test_figures_refuse_bad_dates(api, query):
    assert_error(api.get(f"/figures?{query}"), 400, "invalid_field")
