"""The work summary page in Chromium: the office reads the account and follows a number."""
import pytest

from tests.conftest import browser_login, screenshots_dir
from tests.figures.summary_world import MONDAY, build

SHOTS = screenshots_dir()


@pytest.mark.browser
def test_office_reads_the_summary_and_follows_a_number(desk_page, world, make_case,
                                                       make_enterprise, fixed_clock):
    build(world, make_case, make_enterprise, fixed_clock)
    fixed_clock.set(MONDAY)
    page = desk_page
    browser_login(page, world.dispatcher.username)
    page.goto("/figures/summary")
    page.fill("input[name=from]", "2026-11-01")
    page.fill("input[name=last]", "2026-11-30")
    page.click("form.period-form button[type=submit]")
    text = page.inner_text("section.summary-text")
    assert "共受理群众反馈问题3件，已办结2件，办结率66.66%" in text
    page.screenshot(path=str(SHOTS / "work-summary.png"), full_page=True)
    page.click('.summary-text a[data-key="qr_closed"]')
    assert page.inner_text(".case-count") == "2"
    assert page.locator("tr.case-row").count() == 2
