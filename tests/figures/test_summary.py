"""The work summary (app/figures/summary.py): exact numbers on a small county, the CLI's text
and JSON, and the page whose every number links to a list of as many rows."""
import json
import re

import pytest

from app.figures.summary import summary_text, work_summary
from app.settings.closure_basis import save_closure_basis
from app.extensions import db
from tests.figures.summary_world import EXPECTED, MONDAY, PERIOD, build


@pytest.fixture
def county(world, make_case, make_enterprise, fixed_clock):
    build(world, make_case, make_enterprise, fixed_clock)
    return world


def check(numbers):
    for key, expected in EXPECTED.items():
        number = numbers[key]
        if isinstance(expected, tuple):
            assert (number["rate"], number["numerator"], number["denominator"]) == expected, key
        else:
            assert number["numerator"] == expected and number["denominator"] is None, key


def test_summary_numbers_are_exact_and_rates_truncated(county):
    summary = work_summary(*PERIOD)
    check(summary["numbers"])
    text = summary_text(summary)
    # 2/3 truncated, never rounded to 66.67; a whole rate as the office writes it.
    assert "共受理群众反馈问题3件，已办结2件，办结率66.66%" in text
    assert "按期签收率100%，回复率66.66%，办件满意率100%" in text
    assert "开展网络专项评议1次，收集意见建议2条，推动解决问题1个" in text
    assert "召开了1次党企月商会，交办了2项问题" in text
    assert "各类会议共2次，交办问题3项" in text
    assert "编报《代表声音》1期，采用代表意见建议2件" in text
    assert "入企走访1次" in text


def test_closure_rate_follows_the_office_basis(county):
    save_closure_basis("due")  # the 12345 bulletin's basis: cases due (the open one is not)
    db.session.commit()
    number = work_summary(*PERIOD)["numbers"]["qr_closure_rate"]
    assert (number["numerator"], number["denominator"], number["display"]) == (2, 2, "100%")


def test_cli_prints_the_text_and_the_json(county, runner):
    result = runner.invoke(args=["metrics", "summary", "--from", "2026-11-01", "--to", "2026-12-01"])
    assert result.exit_code == 0, result.output
    assert "工作总结 2026-11-01 至 2026-11-30（含）" in result.output
    assert "办结率66.66%" in result.output and "推动解决问题1个" in result.output
    result = runner.invoke(args=["metrics", "summary", "--from", "2026-11-01", "--to", "2026-12-01",
                                 "--json"])
    assert result.exit_code == 0, result.output
    body = json.loads(result.output)
    check(body["numbers"])
    assert body["qr_sources"] == ["card", "hall"] and "办结率66.66%" in body["text"]
    result = runner.invoke(args=["metrics", "summary", "--from", "2026-12-01", "--to", "2026-11-01"])
    assert result.exit_code != 0 and "--to 必须晚于 --from" in result.output


def page_numbers(client, html):
    """{key: href} of every linked number in the summary text."""
    return dict(re.findall(r'data-key="([^"]+)" href="([^"]+)"', html))


def rows_behind(client, href):
    """Follow a drill-down (every page) and count its rows; also the total it states."""
    count, total = 0, None
    while href:
        html = client.get(href.replace("&amp;", "&")).get_data(as_text=True)
        total = int(re.search(r'class="case-count">(\d+)<', html).group(1))
        count += len(re.findall(r'<tr class="case-row"', html))
        following = re.search(r'class="btn btn-mini btn-default pager-next" href="([^"]+)"', html)
        href = following.group(1) if following else None
    return count, total


def test_page_links_every_number_to_as_many_rows(county, client, login_as, fixed_clock):
    fixed_clock.set(MONDAY)
    login_as(county.dispatcher)
    response = client.get("/figures/summary?from=2026-11-01&last=2026-11-30")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    links = page_numbers(client, html)
    summary = work_summary(*PERIOD)
    for key, number in summary["numbers"].items():
        if number["link"]["view"] == "ledger":  # coverage: pairs × periods, in the ledger
            assert "/figures/ledger.xlsx?" in links[key]
            continue
        if key not in links:  # numbers outside the text are in the table below it
            continue
        rows, total = rows_behind(client, links[key])
        assert rows == total == number["numerator"], key
    assert {"qr_received", "qr_closed", "qr_closure_rate", "hotline_satisfaction", "rounds_held",
            "suggestions_solved", "meetings_held__party_business",
            "issues_assigned__party_business", "bulletins_issued", "suggestions_adopted",
            "visits"} <= set(links)
    # A rate's denominator links to its own list.
    denominator = re.search(r'class="denominator" href="([^"]+figure=closure[^"]+)"', html)
    assert rows_behind(client, denominator.group(1)) == (3, 3)


def test_page_defaults_to_this_year_and_refuses_bad_dates(county, client, login_as, fixed_clock):
    fixed_clock.set(MONDAY)
    login_as(county.dispatcher)
    html = client.get("/figures/summary").get_data(as_text=True)
    assert "统计期间：2026-01-01 至 2026-12-31" in html
    response = client.get("/figures/summary?from=2026-11-30&last=2026-11-01")
    assert response.status_code == 400
    assert "请选择有效的起止日期" in response.get_data(as_text=True)
    assert 'value="2026-11-30"' in response.get_data(as_text=True)  # what was typed survives


@pytest.mark.parametrize("role", ["handler", "head"])
def test_page_is_for_the_office(county, client, login_as, role):
    login_as(getattr(county, role))
    assert client.get("/figures/summary").status_code == 403
    assert client.get("/figures/summary/list?list=visits&from=2026-11-01&to=2026-12-01"
                      ).status_code == 403


def test_unknown_list_is_404(county, client, login_as):
    login_as(county.dispatcher)
    assert client.get("/figures/summary/list?list=nope&from=2026-11-01&to=2026-12-01"
                      ).status_code == 404
    assert client.get("/figures/summary/list?list=visits&from=x&to=2026-12-01").status_code == 400
