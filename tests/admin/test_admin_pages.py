"""Administration pages over HTTP: admins only; each change saved or refused by field."""
from datetime import date
import io

from app.auth.models import Role, User
from app.cases.models import Category
from app.departments.models import Department
from app.enterprises.models import Enterprise
from app.extensions import db
from app.settings.branding import get_branding
from app.settings.models import LimitUnit, TimeLimit
from app.workdays.models import HolidayOverride
from tests.conftest import valid_credit_code
from tests.admin.test_enterprise_import import bad_csv, enterprise_count, good_xlsx


def text(response):
    return response.get_data(as_text=True)


def test_only_admins_enter(client, login_as, world):
    login_as(world.dispatcher)
    assert client.get("/admin/enterprises").status_code == 403
    client.post("/logout")
    assert client.get("/admin/").status_code == 302  # to the login page


def test_enterprise_create_edit_and_field_errors(client, login_as, world):
    login_as(world.admin)
    data = {"name": "临清饮料有限公司", "credit_code": "123", "township": 0,
            "responsible_department": world.dept.id, "package_leader": 0}
    response = client.post("/admin/enterprises/new", data=data)
    assert response.status_code == 400 and "统一社会信用代码应为18位，当前为3位" in text(response)
    assert 'value="临清饮料有限公司"' in text(response)  # what was typed stays
    data["credit_code"] = valid_credit_code(9001)
    assert client.post("/admin/enterprises/new", data=data).status_code == 302
    firm = db.session.execute(db.select(Enterprise)).scalar_one()
    assert firm.responsible_department_id == world.dept.id
    assert "临清饮料有限公司" in text(client.get("/admin/enterprises?q=饮料"))
    assert "临清饮料有限公司" not in text(client.get("/admin/enterprises?q=轴承"))
    data.update(name="临清饮料集团有限公司", is_key_enterprise="y")
    assert client.post(f"/admin/enterprises/{firm.id}", data=data).status_code == 302
    db.session.expire_all()
    assert firm.name == "临清饮料集团有限公司" and firm.is_key_enterprise


def test_import_upload_reports_rows_and_imports_nothing_then_good_file(client, login_as, world):
    login_as(world.admin)
    response = client.post("/admin/enterprises/import", data={
        "file": (io.BytesIO(bad_csv()), "名录.csv")}, content_type="multipart/form-data")
    assert response.status_code == 400
    body = text(response)
    assert "第3行【统一社会信用代码】" in body and "第4行【企业名称】" in body
    assert enterprise_count() == 0
    response = client.post("/admin/enterprises/import", data={
        "file": (io.BytesIO(good_xlsx(5)), "ok.xlsx")},
        content_type="multipart/form-data")
    # good_xlsx names a township and leader this county lacks: still all-or-nothing
    assert response.status_code == 400 and enterprise_count() == 0
    assert "系统中没有名为“城关镇”的乡镇" in text(response)


def test_departments_users_and_roles(client, login_as, world):
    login_as(world.admin)
    response = client.post("/admin/departments/new", data={"code": "TAX", "name": "新局", "kind": "functional"})
    assert response.status_code == 400 and "“TAX”已被其他部门使用" in text(response)
    client.post("/admin/departments/new", data={"code": "POWER", "name": "供电公司",
                                                "kind": "functional", "is_active": "y"})
    power = db.session.execute(db.select(Department).filter_by(code="POWER")).scalar_one()
    response = client.post("/admin/users/new", data={"username": "zhang", "display_name": "张三",
                                                      "role": "handler", "department": 0,
                                                      "password": "initial-pass-1", "is_active": "y"})
    assert "承办人必须属于一个部门" in text(response)
    client.post("/admin/users/new", data={"username": "zhang", "display_name": "张三",
                                           "role": "handler", "department": power.id,
                                           "password": "initial-pass-1", "is_active": "y"})
    zhang = db.session.execute(db.select(User).filter_by(username="zhang")).scalar_one()
    assert zhang.must_change_password and zhang.department_id == power.id
    client.post(f"/admin/users/{zhang.id}", data={"display_name": "张三", "role": "department_head",
                                                  "department": power.id, "is_active": "y"})
    db.session.expire_all()
    assert zhang.role is Role.department_head


def test_category_default_time_limit_holiday_and_branding(client, login_as, world):
    login_as(world.admin)
    cat = db.session.execute(db.select(Category).filter_by(code="tax")).scalar_one()
    client.post("/admin/categories", data={"category": cat.id, f"c{cat.id}-department": world.other_dept.id})
    limit = db.session.execute(db.select(TimeLimit).filter_by(key="sign")).scalar_one()
    response = client.post("/admin/time-limits", data={"limit": limit.id, f"t{limit.id}-amount": "abc",
                                                       f"t{limit.id}-unit": "hours"})
    assert "请填写整数" in text(response)
    client.post("/admin/time-limits", data={"limit": limit.id, f"t{limit.id}-amount": "4",
                                            f"t{limit.id}-unit": "hours"})
    client.post("/admin/holidays", data={"day": "2026-10-10", "is_workday": "1", "note": "调休上班"})
    response = client.post("/admin/branding", data={"county_name": "临清市", "brand": "",
                                                    "slogan": "您码上说，我马上办", "hotline": "12345",
                                                    "base_url": "http://testserver"})
    assert "品牌名称不能为空" in text(response)
    client.post("/admin/branding", data={"county_name": "临清市", "brand": "馆满意",
                                         "slogan": "您码上说，我马上办", "hotline": "0635-12345",
                                         "base_url": "http://testserver"})
    db.session.expire_all()
    assert cat.default_department_id == world.other_dept.id
    assert (limit.amount, limit.unit) == (4, LimitUnit.hours)
    override = db.session.execute(db.select(HolidayOverride)).scalar_one()
    assert override.day == date(2026, 10, 10) and override.is_workday
    assert get_branding()["county_name"] == "临清市" and get_branding()["hotline"] == "0635-12345"
    client.post(f"/admin/holidays/{override.id}/delete")
    assert db.session.execute(db.select(HolidayOverride)).first() is None
