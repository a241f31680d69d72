"""Optional TOTP for admins and dispatchers: enrol with a first code, then log in in two steps."""
import pyotp

from tests.conftest import PASSWORD, login


def test_enrol_then_login_needs_the_code(client, world):
    login(client, world.dispatcher.username)
    page = client.get("/account/totp").get_data(as_text=True)
    secret = page.split('id="totp-secret">')[1].split("<")[0]
    qr = client.get("/account/totp/qr.svg")
    assert qr.status_code == 200 and qr.mimetype == "image/svg+xml"
    response = client.post("/account/totp", data={"code": "000000"})
    assert response.status_code == 400 and "动态验证码不正确" in response.get_data(as_text=True)
    client.post("/account/totp", data={"code": pyotp.TOTP(secret).now()})
    assert world.dispatcher.totp_secret == secret
    client.post("/logout")

    response = login(client, world.dispatcher.username)
    assert response.headers["Location"].startswith("/login/totp")
    assert client.get("/office/").status_code == 302  # not logged in yet
    response = client.post("/login/totp", data={"code": "123456"})
    assert response.status_code == 401 and "还可尝试" in response.get_data(as_text=True)
    response = client.post("/login/totp", data={"code": pyotp.TOTP(secret).now()})
    assert response.status_code == 302
    assert client.get("/office/").status_code == 200


def test_wrong_codes_lock_like_wrong_passwords(client, world):
    world.dispatcher.totp_secret = pyotp.random_base32()
    from app.extensions import db
    db.session.commit()
    login(client, world.dispatcher.username, PASSWORD)
    for _ in range(5):
        response = client.post("/login/totp", data={"code": "999999"})
    assert "账号已锁定" in response.get_data(as_text=True)
    assert client.post("/login/totp", data={
        "code": pyotp.TOTP(world.dispatcher.totp_secret).now()}).status_code == 401


def test_handlers_have_no_totp(client, login_as, world):
    login_as(world.handler)
    assert client.get("/account/totp").status_code == 302


def test_the_right_password_does_not_reset_wrong_codes(client, world, fixed_clock):
    """Issue 16 item 3: four wrong codes, the password again, one more wrong code: locked."""
    from datetime import datetime, timezone
    from app.extensions import db
    fixed_clock.set(datetime(2026, 11, 17, 1, 0, tzinfo=timezone.utc))
    secret = world.dispatcher.totp_secret = pyotp.random_base32()
    db.session.commit()
    for round_ in range(2):
        assert login(client, world.dispatcher.username).headers["Location"].startswith("/login/totp")
        for _ in range(4 if round_ == 0 else 1):
            response = client.post("/login/totp", data={"code": "999999"})
    assert "账号已锁定" in response.get_data(as_text=True)
    right = pyotp.TOTP(secret).at(fixed_clock.now)
    assert client.post("/login/totp", data={"code": right}).status_code == 401
    assert "账号已锁定" in login(client, world.dispatcher.username).get_data(as_text=True)
    assert client.get("/office/").status_code == 302
