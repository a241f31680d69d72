"""Admin forms and the enterprise import refuse text longer than its column, naming the field."""
import io

from app.auth.models import User
from app.departments.models import Department
from app.enterprises.models import Enterprise
from app.extensions import db
from tests.conftest import valid_credit_code


def text(response):
    return response.get_data(as_text=True)


def count(model):
    return db.session.execute(db.select(db.func.count(model.id))).scalar_one()


def test_too_long_industry_on_the_form_and_in_the_import_is_named(client, login_as, world):
    login_as(world.admin)
    response = client.post("/admin/enterprises/new", data={
        "name": "长行业企业", "credit_code": valid_credit_code(777), "industry": "行" * 65,
        "township": 0, "responsible_department": 0, "package_leader": 0})
    assert response.status_code == 400 and "所属行业不能超过64字" in text(response)
    csv = f"企业名称,统一社会信用代码,所属行业\n测试导入企业,{valid_credit_code(778)},{'行' * 100}\n"
    response = client.post("/admin/enterprises/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(csv.encode()), "e.csv")})
    assert response.status_code == 400 and "第2行【所属行业】：所属行业不能超过64字" in text(response)
    assert count(Enterprise) == 0


def test_csv_with_a_cell_over_the_csv_field_limit_is_reported(client, login_as, world):
    login_as(world.admin)
    csv = "企业名称,统一社会信用代码\n" + "x" * 200000 + ",1\n"
    response = client.post("/admin/enterprises/import", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(csv.encode()), "e.csv")})
    assert response.status_code == 400 and "CSV格式有误" in text(response)


def test_too_long_department_name_and_user_name_are_shown_beside_the_field(client, login_as, world):
    login_as(world.admin)
    departments = count(Department)
    response = client.post("/admin/departments/new",
                           data={"code": "LONG", "name": "局" * 101, "kind": "functional"})
    assert response.status_code == 400 and "部门名称不能超过100字" in text(response)
    assert count(Department) == departments
    users = count(User)
    response = client.post("/admin/users/new", data={
        "username": "longname", "display_name": "张" * 65, "role": "dispatcher",
        "department": 0, "password": "initial-pass-1"})
    assert response.status_code == 400 and "姓名不能超过64个字符" in text(response)
    assert count(User) == users


def test_user_operations_refuse_too_long_names_for_every_caller(world):
    import pytest
    from app.auth.models import Role
    from app.auth.operations import UserError, create_user, update_user
    with pytest.raises(UserError, match="用户名不能超过64个字符"):
        create_user("u" * 65, "initial-pass-1", Role.dispatcher)
    with pytest.raises(UserError, match="姓名不能超过64个字符"):
        update_user(world.dispatcher, display_name="张" * 65, role=Role.dispatcher,
                    department=None, is_active=True)
