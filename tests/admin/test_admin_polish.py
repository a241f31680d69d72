"""Admin polish (issue 19 item 15): the time-limits and categories tables are one form with
one 保存 (a refused row keeps every typed value and saves nothing), the urgent 0-working-day
limit is explained, the import template downloads and imports once filled in, the search
placeholder shows whole and 保存 stays on one line (Chromium, CSRF on, desktop and phone)."""
import io

from openpyxl import load_workbook

from app.cases.models import Category
from app.enterprises.imports import HEADERS
from app.enterprises.models import Enterprise
from app.extensions import db
from app.settings.models import LimitUnit, TimeLimit
from tests.conftest import browser_login, screenshots_dir, valid_credit_code


def limit(key):
    return db.session.execute(db.select(TimeLimit).filter_by(key=key)).scalar_one()


def limits_form(**changes):
    data = {}
    for row in db.session.execute(db.select(TimeLimit)).scalars():
        amount, unit = changes.get(row.key, (str(row.amount), row.unit.name))
        data[f"t{row.id}-amount"], data[f"t{row.id}-unit"] = amount, unit
    return data


def test_time_limits_saved_as_one_table(client, login_as, world):
    login_as(world.admin)
    html = client.get("/admin/time-limits").get_data(as_text=True)
    assert html.count('type="submit">保存</button>') == 1
    assert "填“0 工作日”表示当天办结：派发当天17:30前答复" in html
    response = client.post("/admin/time-limits", data=limits_form(
        sign=("3", "hours"), handle_general=("7", "workdays")), follow_redirects=True)
    assert "办理时限已保存（2项有改动）" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (limit("sign").amount, limit("sign").unit) == (3, LimitUnit.hours)
    assert limit("handle_general").amount == 7


def test_a_refused_row_saves_nothing_and_keeps_what_was_typed(client, login_as, world):
    login_as(world.admin)
    before = limit("handle_general").amount
    response = client.post("/admin/time-limits", data=limits_form(
        handle_general=("12", "workdays"), sign=("abc", "hours")))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "有1项未能保存" in html
    assert f"{limit('sign').label}：请填写整数" in html
    assert 'value="abc"' in html and 'value="12"' in html  # nothing typed is lost
    db.session.expire_all()
    assert limit("handle_general").amount == before


def test_categories_saved_as_one_table(client, login_as, world):
    login_as(world.admin)
    tax, other = (db.session.execute(db.select(Category).filter_by(code=c)).scalar_one()
                  for c in ("tax", "other"))
    assert client.get("/admin/categories").get_data(as_text=True).count(">保存</button>") == 1
    response = client.post("/admin/categories", data={
        f"c{tax.id}-department": world.other_dept.id, f"c{other.id}-department": world.dept.id},
        follow_redirects=True)
    assert "已保存类别默认部门（2项有改动）" in response.get_data(as_text=True)
    db.session.expire_all()
    assert (tax.default_department_id, other.default_department_id) == (world.other_dept.id,
                                                                        world.dept.id)


def test_import_template_downloads_and_imports_once_filled(client, login_as, world):
    login_as(world.admin)
    assert "下载导入模板" in client.get("/admin/enterprises/import").get_data(as_text=True)
    response = client.get("/admin/enterprises/import/template.xlsx")
    assert response.status_code == 200 and "attachment" in response.headers["Content-Disposition"]
    workbook = load_workbook(io.BytesIO(response.data))
    sheet = workbook["企业名录"]
    assert [c.value for c in sheet[1]] == list(HEADERS)
    assert "填写说明" in workbook.sheetnames
    sheet.append(["清泉饮品有限公司", valid_credit_code(7001), "饮料制造"])
    filled = io.BytesIO()
    workbook.save(filled)
    response = client.post("/admin/enterprises/import", data={
        "file": (io.BytesIO(filled.getvalue()), "模板.xlsx")}, content_type="multipart/form-data")
    assert response.status_code == 302
    assert db.session.execute(db.select(Enterprise.name)).scalar_one() == "清泉饮品有限公司"


FITS = """(sel) => { const e = document.querySelector(sel); const s = getComputedStyle(e);
  const c = document.createElement('canvas').getContext('2d'); c.font = s.font;
  const inner = e.clientWidth - parseFloat(s.paddingLeft) - parseFloat(s.paddingRight);
  return c.measureText(e.placeholder).width <= inner; }"""
ONE_LINE = """(sel) => [...document.querySelectorAll(sel)].every(b => {
  const r = document.createRange(); r.selectNodeContents(b); return r.getClientRects().length === 1; })"""


def test_admin_tables_in_chromium(wide_desk_page, narrow_page, world):
    for page, name in ((wide_desk_page, "desk"), (narrow_page, "phone")):
        browser_login(page, world.admin.username)
        for path, shot in (("/admin/time-limits", "time-limits"), ("/admin/categories", "categories"),
                           ("/admin/enterprises", "enterprises"),
                           ("/admin/enterprises/import", "import")):
            page.goto(path)
            assert page.evaluate(ONE_LINE, "button[type=submit]"), (name, path)
            if path == "/admin/enterprises":
                assert page.evaluate(FITS, "input[name=q]"), name
            elif name == "phone":
                assert page.evaluate("document.scrollingElement.scrollWidth") <= 390, path
            page.screenshot(path=str(screenshots_dir() / f"admin-{shot}-{name}.png"), full_page=True)
    page = wide_desk_page
    page.goto("/admin/time-limits")
    page.fill(f"[aria-label='{limit('sign').label}数量']", "2")
    page.select_option(f"[aria-label='{limit('sign').label}单位']", "hours")
    page.fill(f"[aria-label='{limit('handle_general').label}数量']", "6")
    page.click("#time-limits-form button[type=submit]")
    page.wait_for_url("**/admin/time-limits")
    assert "办理时限已保存（2项有改动）" in page.locator(".flash-info").inner_text()
    db.session.expire_all()
    assert (limit("sign").amount, limit("sign").unit, limit("handle_general").amount) == (
        2, LimitUnit.hours, 6)
