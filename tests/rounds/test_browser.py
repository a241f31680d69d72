"""A round in Chromium: an enterprise answers from its own card on a phone (and a second visit
edits its answer), then the office closes the round and reads the results at the desk."""
from sqlalchemy import func, select

from app.extensions import db
from app.rounds.models import RoundAnswer, RoundScore
from tests.a11y import offenders
from tests.conftest import browser_login, screenshots_dir

SHOTS = screenshots_dir()


def answers():
    db.session.expire_all()
    return db.session.execute(select(func.count(RoundAnswer.id))).scalar()


def test_enterprise_answers_from_its_card_and_the_office_reads_the_results(
        phone_page, desk_page, open_round, make_card, world):
    round_ = open_round()
    card = make_card(name="鲁西轴承有限公司")
    page = phone_page
    page.goto(f"/q/{card.token}")
    page.click("[data-round-banner] a")
    page.wait_for_selector("[data-round-form]")
    assert "鲁西轴承有限公司" in page.inner_text("header")
    # Nothing rated: the page says so and keeps the typed suggestion.
    page.fill("textarea[name=suggestion]", "希望税务局延长窗口的午间服务时间")
    page.click("[data-submit]")
    page.wait_for_selector("[data-has-errors]")
    assert "请至少为一个部门打分" in page.inner_text("[data-has-errors]")
    assert "请选择意见建议的类别" in page.inner_text("[data-has-errors]")
    assert page.input_value("textarea[name=suggestion]") == "希望税务局延长窗口的午间服务时间"
    for rating in page.locator("[data-rating]").all():
        rating.locator("label.level", has_text="满意").first.click()  # 非常满意 comes first
    page.select_option("select[name=category]", "other")
    assert offenders(page) == []
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SHOTS / "round-form.png"), full_page=True)
    page.click("[data-submit]")
    page.wait_for_selector("[data-saved]")
    assert answers() == 1
    # A second visit shows its own answer, and changing it changes that one answer.
    page.goto(f"/q/{card.token}")
    page.click("[data-round-banner] a")
    page.wait_for_selector("[data-answered]")
    assert page.locator("input[value=very_satisfied]:checked").count() == 4
    assert "已提出意见建议1条" in page.inner_text("[data-suggestions]")
    page.locator("[data-rating]").first.locator("label.level", has_text="不满意").first.click()
    page.click("[data-submit]")
    page.wait_for_selector("[data-saved]")
    assert answers() == 1
    levels = sorted(s.rating.name for s in db.session.scalars(select(RoundScore)))
    assert levels == ["dissatisfied"] + ["very_satisfied"] * 3

    # The round link's form (name and credit code) passes the same checks.
    page.goto(f"/r/{round_.public_token}")
    page.wait_for_selector("input[name=credit_code]")
    assert offenders(page) == []

    desk = desk_page
    browser_login(desk, world.dispatcher.username)
    desk.goto(f"/rounds/{round_.id}")
    desk.click("[data-close-round]")
    desk.wait_for_selector("text=本轮评议已结束，结果如下")
    assert desk.inner_text("[data-state]") == "已结束"
    results = desk.inner_text("#results")
    assert "市场监管局" in results and "税务局" in results and "25.0" in results
    assert "100.0" in results
    assert "1" in desk.inner_text("#participation")
    assert "希望税务局延长窗口的午间服务时间" in desk.inner_text("#suggestions")
    desk.screenshot(path=str(SHOTS / "round-results.png"), full_page=True)
    # The enterprise's page now says the round is over.
    page.goto(f"/q/{card.token}/rounds/{round_.id}")
    assert "本轮评议已结束" in page.inner_text("main")
