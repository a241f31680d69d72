"""Irreversible one-click actions ask first (issue 19 item 8): 当即答复, 标记无效 and
作废旧码并生成新码 show a confirmation page (no JavaScript needed), 返回修改 keeps what was typed,
and bad input is refused before anything is asked. The new-user form has no default role.
In Chromium, CSRF on."""
from app.auth.models import User
from app.cards import operations as card_ops
from app.cases.models import Case, CaseState
from app.extensions import db
from tests.conftest import PASSWORD, browser_login, screenshots_dir

SCREENSHOTS = screenshots_dir()
ANSWER = "办理营业执照变更需要：变更登记申请书、股东会决议、新章程，可在政务服务网全程网办。"


def state_of(case) -> CaseState:
    db.session.expire_all()
    return db.session.get(Case, case.id).state


def test_answer_now_asks_first_and_going_back_keeps_the_text(desk_page, world, make_case):
    case = make_case(content="请问营业执照变更需要哪些材料？")
    page = desk_page
    browser_login(page, world.dispatcher.username)
    page.wait_for_load_state()
    page.goto(f"/office/cases/{case.tracking_no}")
    page.fill("textarea[name=answer-content]", ANSWER)
    page.click("form[action$='/answer'] button[type=submit]")
    assert "确认当即答复" in page.inner_text("h2") and ANSWER in page.inner_text("#confirm")
    page.screenshot(path=str(SCREENSHOTS / "office-confirm-answer-desk.png"), full_page=True)
    assert state_of(case) is CaseState.submitted  # nothing happened yet
    page.click("#back-button")
    assert page.input_value("textarea[name=answer-content]") == ANSWER
    assert state_of(case) is CaseState.submitted
    page.click("form[action$='/answer'] button[type=submit]")
    page.click("#confirm-button")
    assert "已当即答复" in page.inner_text("body")
    assert state_of(case) is CaseState.replied


def test_mark_invalid_asks_first_and_an_empty_reason_is_refused_before(desk_page, world,
                                                                       make_case):
    case = make_case(content="代办各类资质，联系电话……")
    page = desk_page
    browser_login(page, world.dispatcher.username)
    page.wait_for_load_state()
    page.goto(f"/office/cases/{case.tracking_no}")
    page.click("form[action$='/invalid'] button[type=submit]")
    assert "请填写无效原因" in page.inner_text("body") and page.locator("#confirm").count() == 0
    page.fill("input[name=invalid-reason]", "广告信息")
    page.click("form[action$='/invalid'] button[type=submit]")
    assert "确认标记无效" in page.inner_text("h2") and "广告信息" in page.inner_text("#confirm")
    assert state_of(case) is CaseState.submitted
    page.click("#confirm-button")
    assert state_of(case) is CaseState.invalid


def test_revoking_a_card_asks_first_even_without_javascript(browser, live_server, world,
                                                            make_enterprise, tmp_path):
    enterprise = make_enterprise(name="禾丰食品有限公司")
    old = card_ops.ensure_current_card(enterprise)
    db.session.commit()
    context = browser.new_context(base_url=live_server.url, locale="zh-CN",
                                  java_script_enabled=False, viewport={"width": 390, "height": 844})
    page = context.new_page()
    browser_login(page, world.dispatcher.username)
    page.wait_for_load_state()
    page.goto(f"/cards/enterprise/{enterprise.id}")
    page.fill("input[name=reason]", "门店搬迁，旧码撕毁")
    page.click("text=作废旧码并生成新码")
    assert "确认作废旧码" in page.inner_text("h2") and old.serial in page.inner_text("#confirm")
    page.screenshot(path=str(SCREENSHOTS / "cards-confirm-revoke-phone.png"), full_page=True)
    db.session.expire_all()
    assert card_ops.current_card(enterprise).id == old.id  # still valid
    page.click("#back-button")
    assert page.input_value("input[name=reason]") == "门店搬迁，旧码撕毁"
    page.click("text=作废旧码并生成新码")
    page.click("#confirm-button")
    assert "旧码已作废" in page.inner_text("body")
    db.session.expire_all()
    new = card_ops.current_card(enterprise)
    assert new.id != old.id and card_ops.card_history(enterprise)[0].revoke_reason == "门店搬迁，旧码撕毁"
    context.close()


def test_new_user_form_has_no_default_role(desk_page, world, make_department):
    page = desk_page
    browser_login(page, world.admin.username)
    page.wait_for_load_state()
    page.goto("/admin/users/new")
    assert page.input_value("select[name=role]") == ""
    page.fill("input[name=username]", "zhang_wei")
    page.fill("input[name=display_name]", "张伟")
    page.fill("input[name=password]", PASSWORD + "x")
    page.click("button[type=submit]:has-text('保存')")
    assert "请选择角色" in page.inner_text("body")
    assert page.input_value("input[name=username]") == "zhang_wei"
    assert db.session.execute(db.select(User).filter_by(username="zhang_wei")).first() is None
    page.select_option("select[name=role]", "dispatcher")
    page.fill("input[name=password]", PASSWORD + "x")
    page.click("button[type=submit]:has-text('保存')")
    db.session.expire_all()
    user = db.session.execute(db.select(User).filter_by(username="zhang_wei")).scalar_one()
    assert user.role.name == "dispatcher"
