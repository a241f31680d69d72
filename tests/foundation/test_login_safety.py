"""Logging in tells nobody which account names exist, and never sends anyone off the site."""
from datetime import timedelta
import re

import pytest

from app.auth.models import Role
from app.auth.views import safe_next
from app.core.clock import utcnow
from app.extensions import db
from tests.conftest import PASSWORD, login


@pytest.mark.parametrize("target", [
    "//evil.example", "/\t/evil.example", "/\n/evil.example", "/\\evil.example",
    "\\\\evil.example", "https://evil.example/", "evil.example", "/ /evil.example",
    "javascript:alert(1)", "/\x00/evil.example"])
def test_login_next_never_leaves_the_site(target):
    assert safe_next(target) is None


def test_login_next_keeps_a_path_on_this_site():
    assert safe_next("/office/cases?state=submitted") == "/office/cases?state=submitted"


def test_login_redirect_with_tab_trick_goes_home(client, world):
    response = client.post("/login?next=/%09/evil.example",
                           data={"username": "dispatcher", "password": PASSWORD})
    assert response.status_code == 302
    assert "evil" not in response.headers["Location"]
    client.post("/logout")
    response = client.post("/login?next=/office/board",
                           data={"username": "dispatcher", "password": PASSWORD})
    assert response.headers["Location"].endswith("/office/board")


def test_wrong_password_message_is_the_same_for_unknown_deactivated_and_locked_names(
        client, make_user):
    make_user(Role.dispatcher, username="known")
    make_user(Role.dispatcher, username="gone").is_active = False
    locked = make_user(Role.dispatcher, username="locked")
    locked.locked_until = utcnow() + timedelta(minutes=10)
    db.session.commit()
    pages = {name: login(client, name, "wrong-password") for name in
             ("nobody-here", "known", "gone", "locked")}
    texts = {name: r.get_data(as_text=True) for name, r in pages.items()}
    assert all(r.status_code == 401 for r in pages.values())
    assert all("用户名或密码错误" in text for text in texts.values())
    for text in texts.values():
        assert "还可尝试" not in text and "停用" not in text and "锁定" not in text


def test_only_the_right_password_learns_the_account_is_deactivated_or_locked(client, make_user):
    make_user(Role.dispatcher, username="gone").is_active = False
    locked = make_user(Role.dispatcher, username="locked")
    locked.locked_until = utcnow() + timedelta(minutes=10)
    db.session.commit()
    assert "已停用" in login(client, "gone", PASSWORD).get_data(as_text=True)
    assert "已锁定" in login(client, "locked", PASSWORD).get_data(as_text=True)


def test_a_csrf_token_from_before_login_is_refused_after_it(csrf_app, make_user):
    """Whoever planted or read a token in the browser before login (a shared office computer)
    cannot use it on the logged-in session: a new token is drawn at every login."""
    make_user(Role.dispatcher, username="rotating")
    client = csrf_app.test_client()

    def token_on(path):
        page = client.get(path).get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]

    before = token_on("/login")
    response = client.post("/login", data={"username": "rotating", "password": PASSWORD,
                                           "csrf_token": before})
    assert response.status_code == 302
    refused = client.post("/logout-everywhere", data={"csrf_token": before})
    assert refused.status_code == 400 and "页面已过期" in refused.get_data(as_text=True)
    after = token_on("/account/password")
    assert after != before
    assert client.post("/logout-everywhere", data={"csrf_token": after}).status_code == 302
