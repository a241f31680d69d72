"""The foundation: health check, login, security headers, migrations both ways."""
import flask_migrate
from sqlalchemy import inspect

from app.auth.models import Role, User
from app.extensions import db
from tests.conftest import PASSWORD, login


def test_healthz_checks_the_database(client):
    response = client.get("/healthz")
    assert response.status_code == 200 and response.get_json() == {"status": "ok"}


def test_every_page_sends_security_headers(client):
    response = client.get("/login")
    csp = response.headers["Content-Security-Policy"]
    assert "frame-ancestors 'none'" in csp and "script-src 'self'" in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_login_with_right_password_and_refuse_wrong(client, make_user):
    user = make_user(Role.dispatcher)
    assert login(client, user.username, "wrong-password").status_code == 401
    assert login(client, user.username).status_code == 302


def test_five_wrong_passwords_stop_that_address_not_the_account(app, make_user):
    from tests.foundation.test_login_throttle import enable_limits, post_login
    enable_limits(app)
    make_user(Role.dispatcher, username="lockme")
    client = app.test_client()
    for _ in range(5):
        response = post_login(client, "lockme", "nope-nope", "203.0.113.9")
    # A wrong password never tells whether the name exists or is locked (no enumeration).
    assert "用户名或密码错误" in response.get_data(as_text=True)
    assert "锁定" not in response.get_data(as_text=True)
    response = post_login(client, "lockme", PASSWORD, "203.0.113.9")  # right password, refused
    assert response.status_code == 429 and "暂停从这里登录" in response.get_data(as_text=True)
    assert post_login(client, "lockme", PASSWORD, "198.51.100.9").status_code == 302


def test_initial_password_must_be_changed_first(client, make_user, make_enterprise):
    from app.cards.operations import issue_card
    card = issue_card(make_enterprise())
    make_user(Role.dispatcher, username="newbie", must_change_password=True)
    login(client, "newbie")
    response = client.get("/")
    assert response.status_code == 302 and "/account/password" in response.location
    assert client.get(f"/q/{card.token}").status_code == 200  # a public page knows no login
    response = client.post("/account/password", data={
        "current_password": PASSWORD, "new_password": "a-new-secret-1",
        "confirm": "a-new-secret-1"})
    assert response.status_code == 302
    user = db.session.execute(db.select(User).filter_by(username="newbie")).scalar_one()
    db.session.refresh(user)
    assert not user.must_change_password


def test_logout_everywhere_ends_other_sessions(app, make_user):
    make_user(Role.dispatcher, username="twice")
    phone, desk = app.test_client(), app.test_client()
    login(phone, "twice"), login(desk, "twice")
    desk.post("/logout-everywhere")
    assert phone.get("/").location.endswith("/login")


def test_unknown_page_is_a_chinese_404(client):
    response = client.get("/no-such-page")
    assert response.status_code == 404 and "页面不存在" in response.get_data(as_text=True)


def test_migrations_downgrade_to_base_and_upgrade_again(app):
    flask_migrate.downgrade(revision="base")
    db.session.remove()
    assert "cases" not in inspect(db.engine).get_table_names()
    flask_migrate.upgrade()
    names = set(inspect(db.engine).get_table_names())
    assert {"cases", "notifications", "cards", "enterprises", "audit_events"} <= names
    assert db.session.execute(db.text("SELECT COUNT(*) FROM categories")).scalar() == 13


def test_reference_data_exists_after_upgrade(app):
    from app.settings.limits import get_limit
    assert get_limit("sign").amount == 1 and get_limit("handle_complex").amount == 13


def test_logout_ends_the_session_a_copied_cookie_carries(app, make_user):
    """Issue 16 item 4: a cookie copied before /logout no longer opens staff pages."""
    make_user(Role.dispatcher, username="copied")
    client, thief = app.test_client(), app.test_client()
    login(client, "copied")
    assert client.get("/office/").status_code == 200
    thief.set_cookie("session", client.get_cookie("session").value)
    assert thief.get("/office/").status_code == 200
    client.post("/logout")
    assert thief.get("/office/").location.startswith("/login")
    assert login(client, "copied").status_code == 302  # logging in again works
    assert client.get("/office/").status_code == 200
