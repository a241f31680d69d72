"""The browser fixtures work end to end: Debian's chromium logs a dispatcher in."""
from app.auth.models import Role
from tests.conftest import browser_login


def test_dispatcher_logs_in_on_a_phone(phone_page, make_user):
    make_user(Role.dispatcher, username="desk1", display_name="王派单")
    browser_login(phone_page, "desk1")
    phone_page.wait_for_load_state()
    assert "王派单" in phone_page.content()


def test_wrong_password_shows_chinese_message(phone_page, make_user):
    make_user(Role.dispatcher, username="desk2")
    browser_login(phone_page, "desk2", "wrong-password")
    assert "用户名或密码错误" in phone_page.locator("#login-error").inner_text()
