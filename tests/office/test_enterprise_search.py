"""Staff entry finds the enterprise as staff type it (issue 19 item 9): a short name, pinyin
initials or a credit code; an autocomplete over a JSON search for office roles, and the same
search without JS (查找企业, and a list to pick from instead of a silently unlinked case)."""
from app.cases.models import Case
from app.enterprises.queries import name_initials, search_enterprises
from app.extensions import db
from tests.conftest import browser_login, category, screenshots_dir, valid_credit_code


def firms(make_enterprise):
    return (make_enterprise(name="清泉饮品有限公司", credit_code=valid_credit_code(88001)),
            make_enterprise(name="清泉饮品集团股份有限公司", credit_code=valid_credit_code(88002)),
            make_enterprise(name="鲁西轴承有限公司", credit_code=valid_credit_code(88003)))


def names(found):
    return [e.name for e in found]


def test_search_by_short_name_initials_and_credit_code(app, make_enterprise):
    qingquan, group, luxi = firms(make_enterprise)
    assert name_initials("清泉饮品有限公司") == "qqypyxgs"
    assert names(search_enterprises("清泉饮品")) == ["清泉饮品有限公司", "清泉饮品集团股份有限公司"]
    assert names(search_enterprises("qqyp")) == ["清泉饮品有限公司", "清泉饮品集团股份有限公司"]
    assert names(search_enterprises("QQYPJT")) == ["清泉饮品集团股份有限公司"]
    assert names(search_enterprises("lxzc")) == ["鲁西轴承有限公司"]
    assert names(search_enterprises(luxi.credit_code.lower())) == ["鲁西轴承有限公司"]
    assert names(search_enterprises(luxi.credit_code[:12])) != []
    assert names(search_enterprises("清泉饮品集团股份有限公司")) == ["清泉饮品集团股份有限公司"]
    for nothing in ("", "  ", "%", "_", "清" * 51, "zzzz"):
        assert search_enterprises(nothing) == [], nothing


def test_json_search_is_for_office_roles(client, login_as, world, make_enterprise):
    qingquan, *_ = firms(make_enterprise)
    login_as(world.dispatcher)
    response = client.get("/office/enterprises/search?q=qqyp")
    assert response.status_code == 200
    first = response.get_json()[0]
    assert first == {"id": qingquan.id, "name": "清泉饮品有限公司",
                     "credit_code": qingquan.credit_code, "township": ""}
    assert client.get("/office/enterprises/search?q=" + "x" * 5000).get_json() == []
    client.post("/logout")
    login_as(world.handler)
    assert client.get("/office/enterprises/search?q=qqyp").status_code == 403


ENTRY = {"source": "hotline", "urgency": "normal", "content": "企业反映用电报装进度慢",
         "contact_phone": "13800138000"}


def test_without_js_a_short_name_asks_which_enterprise(client, login_as, world, make_enterprise):
    qingquan, *_ = firms(make_enterprise)
    login_as(world.dispatcher)
    data = dict(ENTRY, category=category("other").id, enterprise="清泉饮品")
    # 查找企业 before the category is chosen: the matches, nothing submitted, nothing lost.
    response = client.post("/office/cases/new", data={"enterprise": "qqyp", "lookup": "1",
                                                       "content": "已经写好的内容"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "找到2家企业，请选择" in html and "已经写好的内容" in html
    response = client.post("/office/cases/new", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "“清泉饮品”不是系统中企业的全称" in html
    assert f'name="enterprise_id" value="{qingquan.id}"' in html and "企业反映用电报装进度慢" in html
    assert db.session.query(Case).count() == 0
    response = client.post("/office/cases/new", data=dict(data, enterprise_id=qingquan.id))
    assert response.status_code == 302
    case = db.session.execute(db.select(Case)).scalar_one()
    assert case.enterprise_id == qingquan.id and case.enterprise_name_given is None


def test_not_linking_keeps_the_given_name(client, login_as, world, make_enterprise):
    firms(make_enterprise)
    login_as(world.dispatcher)
    data = dict(ENTRY, category=category("other").id, enterprise="清泉饮品", enterprise_id="none")
    assert client.post("/office/cases/new", data=data).status_code == 302
    case = db.session.execute(db.select(Case)).scalar_one()
    assert case.enterprise_id is None and case.enterprise_name_given == "清泉饮品"


def test_dispatcher_picks_the_enterprise_from_the_autocomplete(wide_desk_page, narrow_page, world,
                                                               make_enterprise):
    qingquan, *_ = firms(make_enterprise)
    for page, name in ((narrow_page, "phone"), (wide_desk_page, "desk")):
        browser_login(page, world.dispatcher.username)
        page.goto("/office/cases/new")
        page.fill("input[name=enterprise]", "qqyp")
        page.wait_for_selector("#enterprise-suggestions li")
        assert page.locator("#enterprise-suggestions li").count() == 2
        if name == "phone":
            assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
        page.screenshot(path=str(screenshots_dir() / f"office-new-case-enterprise-{name}.png"),
                        full_page=True)
    page = wide_desk_page
    page.locator("#enterprise-suggestions li").first.click()
    assert page.input_value("input[name=enterprise]") == "清泉饮品有限公司"
    page.select_option("select[name=category]", str(category("other").id))
    page.fill("textarea[name=content]", "企业反映用电报装进度慢")
    page.fill("input[name=contact_phone]", "13800138000")
    page.click("#staff-case-form .btn-area button[type=submit]")
    page.wait_for_url("**/office/cases/MS*")
    db.session.expire_all()
    case = db.session.execute(db.select(Case)).scalar_one()
    assert case.enterprise_id == qingquan.id
