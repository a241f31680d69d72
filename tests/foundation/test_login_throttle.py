"""Login is rate-limited per address and per name, and wrong passwords cannot keep an account's
owner out: they are counted per (name, source address), not per account (issue 16, item 6)."""
import re
import uuid

import pytest

from app.auth import operations as auth_ops
from app.auth.models import Role
from app.extensions import db, limiter
from tests.conftest import PASSWORD
from tests.foundation.test_rate_limit_storage import REDIS, redis_or_skip

ATTACKER, OFFICE, HOME = "203.0.113.7", "198.51.100.20", "192.0.2.55"


def enable_limits(app, **settings):
    """Rate limits on for this app (TestingConfig turns them off), in fresh counters."""
    app.config.update(RATELIMIT_ENABLED=True, RATELIMIT_KEY_PREFIX=f"t-{uuid.uuid4().hex[:8]}",
                      **settings)
    limiter.init_app(app)
    return app


def post_login(client, username, password, address, **extra):
    return client.post("/login", data={"username": username, "password": password, **extra},
                       environ_base={"REMOTE_ADDR": address})


@pytest.fixture(params=["memory://", REDIS])
def storage(request):
    if request.param == REDIS:
        redis_or_skip()
    return request.param


def test_guessing_from_one_address_does_not_keep_the_user_out(app, make_user, storage):
    enable_limits(app, RATELIMIT_STORAGE_URI=storage)
    make_user(Role.dispatcher, username="target")
    attacker, owner = app.test_client(), app.test_client()
    for _ in range(5):
        assert post_login(attacker, "target", "wrong-guess-1", ATTACKER).status_code == 401
    refused = post_login(attacker, "target", PASSWORD, ATTACKER)  # even the right one, there
    text = refused.get_data(as_text=True)
    assert refused.status_code == 429
    assert "连续输错密码5次" in text and "请15分钟后再试" in text and "联系管理员重置" in text
    # The owner, elsewhere, logs in as usual.
    assert post_login(owner, "target", PASSWORD, OFFICE).status_code == 302


def test_an_unknown_name_is_answered_like_a_known_one(app, make_user):
    enable_limits(app)
    make_user(Role.dispatcher, username="known")
    client = app.test_client()
    answers = []
    for name in ("known", "nobody-here"):
        for _ in range(5):
            post_login(client, name, "wrong-guess-1", ATTACKER)
        response = post_login(client, name, "wrong-guess-1", ATTACKER)
        answers.append((response.status_code,
                        re.search(r'id="login-error">([^<]*)<', response.get_data(as_text=True))[1]))
    assert answers[0] == answers[1] and answers[0][0] == 429


def test_resetting_the_password_lifts_the_lock_on_every_address(app, make_user):
    """The attacker may sit behind the owner's own office address: the admin's reset helps."""
    enable_limits(app)
    user = make_user(Role.dispatcher, username="sameoffice")
    client = app.test_client()
    for _ in range(5):
        post_login(client, "sameoffice", "wrong-guess-1", OFFICE)
    assert post_login(client, "sameoffice", PASSWORD, OFFICE).status_code == 429
    auth_ops.reset_password(user, "a-temporary-9")
    db.session.commit()
    response = post_login(client, "sameoffice", "a-temporary-9", OFFICE)
    assert response.status_code == 302 and "/account/password" in response.location


def test_the_per_name_limit_refuses_with_429_from_any_address(app, make_user):
    enable_limits(app, LOGIN_RATELIMIT_USERNAME="3 per minute")
    make_user(Role.dispatcher, username="popular")
    client = app.test_client()
    addresses = [f"203.0.113.{n}" for n in range(1, 5)]
    statuses = [post_login(client, "popular", "wrong-guess-1", a).status_code for a in addresses]
    assert statuses == [401, 401, 401, 429]
    response = post_login(client, "popular", PASSWORD, HOME)
    assert response.status_code == 429
    assert "该账号的登录尝试过于频繁，请1分钟后再试" in response.get_data(as_text=True)
    assert post_login(client, "someone-else", "wrong-guess-1", HOME).status_code == 401


def test_the_per_address_limit_refuses_with_429_and_other_addresses_go_on(app, make_user):
    enable_limits(app, LOGIN_RATELIMIT_IP="3 per minute")
    client = app.test_client()
    statuses = [post_login(client, f"name{n}", "wrong-guess-1", ATTACKER).status_code
                for n in range(4)]
    assert statuses == [401, 401, 401, 429]
    text = post_login(client, "name9", "wrong-guess-1", ATTACKER).get_data(as_text=True)
    assert "您所在网络的登录尝试过于频繁，请1分钟后再试" in text
    make_user(Role.dispatcher, username="elsewhere")
    assert post_login(client, "elsewhere", PASSWORD, HOME).status_code == 302


def test_a_whole_office_behind_one_address_logs_in_within_a_minute(app, make_user):
    """The defaults: 40 colleagues behind one NAT address, each after one typo."""
    enable_limits(app)
    users = [make_user(Role.dispatcher, username=f"staff{n:02d}") for n in range(40)]
    for user in users:
        client = app.test_client()
        assert post_login(client, user.username, "typo-typo-1", OFFICE).status_code == 401
        assert post_login(client, user.username, PASSWORD, OFFICE).status_code == 302


def test_the_login_page_works_with_csrf_on_and_limits_on(csrf_app, make_user):
    enable_limits(csrf_app, LOGIN_MAX_FAILURES=2)
    make_user(Role.dispatcher, username="careful")
    client = csrf_app.test_client()

    def token():
        page = client.get("/login").get_data(as_text=True)
        return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page)[1]

    assert post_login(client, "careful", PASSWORD, OFFICE).status_code == 400  # no token
    for _ in range(2):
        assert post_login(client, "careful", "wrong-guess-1", OFFICE,
                          csrf_token=token()).status_code == 401
    refused = post_login(client, "careful", PASSWORD, OFFICE, csrf_token=token())
    assert refused.status_code == 429 and "连续输错密码2次" in refused.get_data(as_text=True)
    assert 'name="csrf_token"' in refused.get_data(as_text=True)  # the page still works
    response = post_login(client, "careful", PASSWORD, HOME, csrf_token=token())
    assert response.status_code == 302
