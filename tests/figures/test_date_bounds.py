"""Dates outside 2000–2100 and ids too big for a column are explained, never a 500."""
import pytest

from tests.conftest import login


@pytest.mark.parametrize("dates", ["from=9999-11-01&to=9999-12-31", "from=0001-01-01&to=0001-01-05"])
def test_dashboard_with_a_date_out_of_range_shows_this_month_and_says_why(client, world, dates):
    login(client, "dispatcher")
    response = client.get(f"/figures/?period=custom&{dates}")
    assert response.status_code == 200
    assert "日期应在2000-01-01至2100-12-31之间" in response.get_data(as_text=True)


@pytest.mark.parametrize("query", [
    "from=0001-01-01&to=0001-01-05", "from=9999-11-01&to=9999-12-31",
    "from=2026-01-01&to=2026-02-01&department=99999999999999999999",
    "from=2026-01-01&to=2026-02-01&category=²",
    "from=2026-01-01&to=2026-02-01&township=-1"])
def test_case_list_with_out_of_range_date_or_id_is_a_400(client, world, query):
    login(client, "dispatcher")
    assert client.get(f"/figures/cases?figure=received&{query}").status_code == 400


def test_case_list_with_a_month_filter_out_of_range_is_not_a_500(client, world):
    login(client, "dispatcher")
    response = client.get("/figures/cases?figure=received&from=2026-01-01&to=2026-02-01&month=0001-01")
    assert response.status_code == 404


def test_ledger_with_a_bad_date_is_refused_not_widened(client, world):
    from tests.conftest import login
    login(client, "dispatcher")
    for query in ("from=9999-01-01", "to=not-a-date", "from=2026-12-01&to=2026-11-01"):
        assert client.get(f"/figures/ledger.xlsx?{query}").status_code == 400
    assert client.get("/figures/ledger.xlsx?from=2026-11-01&to=2026-12-01").status_code == 200
