"""Query parameters out of range are a JSON 400 naming the parameter, never a 500."""
import pytest


@pytest.mark.parametrize("query,field", [("from=0001-01-01&to=0001-01-05", "from"),
                                         ("from=2026-01-01&to=9999-12-31", "to")])
def test_figures_dates_outside_2000_to_2100_are_refused(api, query, field):
    response = api.get(f"/figures?{query}")
    assert response.status_code == 400 and response.json["field"] == field
    assert "2000-01-01至2100-12-31" in response.json["message"]


@pytest.mark.parametrize("page", ["²", "99999999999999999999", "0", "-1", "abc"])
def test_case_list_page_must_be_a_plain_number_in_range(api, page):
    response = api.get(f"/cases?page={page}")
    assert response.status_code == 400 and response.json["field"] == "page"


def test_case_list_last_allowed_page_is_empty_not_an_error(api):
    response = api.get("/cases?page=100000")
    assert response.status_code == 200 and response.json["items"] == []
