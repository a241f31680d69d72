"""One password rule for the CLI, the admin page and self-service: at least 10 characters, not
in the shipped common-password list, not the username (issue 16 item 17)."""
import pytest

from app.auth.models import Role, User
from app.auth.passwords import common_passwords, password_problem
from app.extensions import db
from tests.conftest import PASSWORD, login

REFUSED = {
    "12345678": "密码至少10位",
    "aaaaaaaa": "密码至少10位",
    "aaaaaaaaaa": "密码过于常见或简单",
    "1234567890": "密码过于常见或简单",
    "Qwertyuiop": "密码过于常见或简单",  # the list is matched without regard to case
    "woaini1314520": "密码过于常见或简单",
    "zhangsan-2026": "不能是用户名",  # contains the username
}
USERNAME = "zhangsan"


def test_the_shipped_list_is_read_and_large():
    assert len(common_passwords()) > 250 and "1qaz2wsx3edc" in common_passwords()
    assert password_problem("correct-horse-9", USERNAME) is None


@pytest.mark.parametrize("password", REFUSED)
def test_the_cli_refuses_weak_passwords(runner, password):
    result = runner.invoke(args=["users", "add", USERNAME, "--role", "dispatcher"],
                           input=password + "\n")
    assert result.exit_code == 1 and REFUSED[password] in result.output
    assert db.session.execute(db.select(User).filter_by(username=USERNAME)).first() is None


@pytest.mark.parametrize("password", REFUSED)
def test_the_admin_page_refuses_weak_passwords(client, world, password):
    login(client, world.admin.username)
    response = client.post("/admin/users/new", data={
        "username": USERNAME, "display_name": "张三", "role": "dispatcher", "department": 0,
        "password": password, "is_active": "y"})
    assert response.status_code == 400 and REFUSED[password] in response.get_data(as_text=True)
    response = client.post(f"/admin/users/{world.handler.id}", data={
        "display_name": world.handler.display_name, "role": "handler",
        "department": world.dept.id, "password": password.replace(USERNAME, "handler_market"),
        "is_active": "y"})
    assert response.status_code == 400


@pytest.mark.parametrize("password", REFUSED)
def test_self_service_refuses_weak_passwords(client, make_user, password):
    make_user(Role.dispatcher, username=USERNAME)
    login(client, USERNAME)
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": password, "confirm": password})
    assert REFUSED[password] in response.get_data(as_text=True)
    assert login(client.application.test_client(), USERNAME).status_code == 302  # unchanged
