"""Issue 22's must-show journey in Chromium, CSRF on: an enterprise answers an open round from
its own card on the phone and cannot answer twice (its second visit shows its answer, and a
change changes that one row); a social supervisor records a 现场测评 on the phone; the office
closes the round and reads the per-department results at the desk; the office opens the
quarterly evaluation and the quarterly sheet downloads with the department's score in it."""
from datetime import date, datetime, timezone

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app.assessments.models import Assessment
from app.auth.models import Role
from app.cards.operations import issue_card
from app.extensions import db
from app.rounds import operations as round_ops
from app.rounds.models import RoundAnswer, RoundScore
from tests.conftest import browser_login, screenshots_dir

# Monday 16 November 2026, 10:00 in the county.
NOW = datetime(2026, 11, 16, 2, 0, tzinfo=timezone.utc)


def count(model) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar()


@pytest.mark.browser
def test_round_assessment_results_and_the_quarterly_sheet(
        phone_page, desk_page, world, make_enterprise, make_user, fixed_clock, tmp_path):
    fixed_clock.set(NOW)
    shots = screenshots_dir()
    shots.mkdir(parents=True, exist_ok=True)
    round_ = round_ops.open_round(world.dispatcher, title="2026年第四季度网络专项评议",
                                  starts_on=date(2026, 11, 2), ends_on=date(2026, 11, 30),
                                  departments=[world.dept, world.other_dept],
                                  dimensions="服务效率\n服务态度")
    card = issue_card(make_enterprise(name="鲁西轴承有限公司"))
    make_user(Role.social_supervisor, username="jd_wang", display_name="王建德")
    db.session.commit()

    # The enterprise answers from its card: every department on every dimension 非常满意.
    page = phone_page
    page.goto(f"/q/{card.token}")
    page.click("[data-round-banner] a")
    page.wait_for_selector("[data-round-form]")
    for rating in page.locator("[data-rating]").all():
        rating.locator("label.level", has_text="满意").first.click()  # 非常满意 comes first
    page.click("[data-submit]")
    page.wait_for_selector("[data-saved]")
    assert count(RoundAnswer) == 1 and count(RoundScore) == 4
    # It cannot answer twice: the second visit shows its answer, and changing it changes
    # that one row (市场监管局's 服务效率 to 不满意).
    page.goto(f"/q/{card.token}")
    page.click("[data-round-banner] a")
    page.wait_for_selector("[data-answered]")
    assert page.locator("input[value=very_satisfied]:checked").count() == 4
    page.locator("[data-rating]").first.locator("label.level", has_text="不满意").first.click()
    page.click("[data-submit]")
    page.wait_for_selector("[data-saved]")
    assert count(RoundAnswer) == 1 and count(RoundScore) == 4

    # A social supervisor records a 现场测评 of 市场监管局 on the phone.
    browser_login(page, "jd_wang")
    page.goto(f"/assessments/new?department={world.dept.id}")
    page.fill("textarea[name=matter]", "到窗口办理个体工商户变更登记，取号后等候约20分钟")
    page.select_option("select[name=efficiency]", label="基本满意")
    page.select_option("select[name=procedure]", label="满意")
    page.select_option("select[name=attitude]", label="非常满意")
    page.click("button[type=submit]:has-text('提交测评')")
    page.wait_for_selector(".flash")
    assert count(Assessment) == 1

    # The office closes the round and reads the per-department results.
    desk = desk_page
    browser_login(desk, world.dispatcher.username)
    desk.goto(f"/rounds/{round_.id}")
    desk.click("[data-close-round]")
    desk.wait_for_selector("text=本轮评议已结束，结果如下")
    results = desk.inner_text("#results")
    assert "市场监管局" in results and "税务局" in results
    assert "25.0" in results and "100.0" in results

    # The quarterly evaluation: 市场监管局 has its round (25 and 100 → 62.50) and its
    # 现场测评 (50, 75, 100 → 75.00), no case: (15×6250 + 15×7500) ÷ 30 = 68.75.
    desk.goto("/quarterly/")
    desk.select_option("select[name=quarter]", "2026Q4")
    desk.click("#quarter-picker button[type=submit]")
    desk.wait_for_selector("#evaluation")
    market = desk.locator("tr[data-department='市场监管局']")
    assert market.locator("[data-component=round]").inner_text().startswith("62.50")
    assert market.locator("[data-component=assessment]").inner_text().startswith("75.00")
    assert market.locator("[data-score]").inner_text().startswith("68.75")
    assert "有数据项权重30" in market.locator("[data-score]").inner_text()
    assert "默认权重" in desk.inner_text("#weights-line")
    desk.screenshot(path=str(shots / "quarterly-evaluation.png"), full_page=True)
    # Each number drills down: the round's ratings.
    market.locator("[data-component=round] a").click()
    desk.wait_for_selector("#drill")
    assert "2 项评分" in desk.inner_text("#drill-count")
    assert "鲁西轴承有限公司" in desk.inner_text("#drill")
    desk.screenshot(path=str(shots / "quarterly-drill.png"), full_page=True)
    desk.go_back()

    with desk.expect_download() as download_info:
        desk.click("[data-download=xlsx]")
    download = download_info.value
    assert download.suggested_filename == "部门季度测评表_2026Q4.xlsx"
    path = tmp_path / "sheet.xlsx"
    download.save_as(path)
    ws = load_workbook(path)["季度测评"]
    header = [c.value for c in ws[4]]
    rows = {r[0]: r for r in ws.iter_rows(min_row=6, values_only=True)}
    assert rows["市场监管局"][header.index("季度得分")] == "68.75"
    assert rows["市场监管局"][header.index("网络专项评议得分")] == "62.50（2 项评分）"
    assert [c.value for c in ws[5]][0] == "权重"

    # The weights form, refused in Chinese and kept as typed, then saved.
    desk.goto("/quarterly/weights")
    desk.fill("input[name=round]", "30")
    desk.click("#weights-form button[type=submit]")
    desk.wait_for_selector("[data-has-errors]")
    assert "各项权重之和应为100，现在是115" in desk.inner_text("[data-has-errors]")
    assert desk.input_value("input[name=round]") == "30"
    desk.fill("input[name=assessment]", "0")
    desk.click("#weights-form button[type=submit]")
    desk.wait_for_selector("text=季度测评权重已保存")
    assert "第1版" in desk.inner_text("#weight-history")
    desk.screenshot(path=str(shots / "quarterly-weights.png"), full_page=True)
    desk.goto("/quarterly/?quarter=2026Q4")
    # Now 现场测评 weighs 0 and the round 30: the score is the round's alone.
    market = desk.locator("tr[data-department='市场监管局']")
    assert market.locator("[data-score]").inner_text().startswith("62.50")
