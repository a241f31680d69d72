"""A Redis outage does not take the forms down: while the rate-limit storage does not answer,
limits are counted in each process's memory (the same limits), the enterprise's form and the
staff login still work, and they still refuse the (N+1)th try. Nothing is mocked: the storage
is a Redis URL on a port where nothing listens."""
import pytest

from app import create_app
from app.auth.models import Role
from app.cards.operations import issue_card
from app.extensions import db, limiter
from tests.conftest import PASSWORD, isolate_requests, make_config
from tests.intake.test_intake_server import form_page, post_form

DEAD_REDIS = "redis://127.0.0.1:1/0"  # port 1: the connection is refused at once


@pytest.fixture
def redis_down_app(app, migrated, tmp_path):
    """Built after `app` (which the builders use): the limiter is one object per process, and
    the last app initialised sets whether it is on."""
    config = make_config(migrated, tmp_path / "media")
    config.RATELIMIT_ENABLED = True
    config.RATELIMIT_STORAGE_URI = DEAD_REDIS
    config.INTAKE_RATELIMIT_IP = "3 per minute"
    config.LOGIN_RATELIMIT_USERNAME = "2 per minute"
    app = isolate_requests(create_app(config))
    with app.app_context():
        yield app
        db.session.remove()
    # The limiter is one object per process; the next test's app must start on its own storage.
    limiter._storage_dead = False


def test_the_form_still_takes_cases_and_still_refuses_the_fourth(redis_down_app, make_enterprise):
    card = issue_card(make_enterprise())
    db.session.commit()
    client = redis_down_app.test_client()
    statuses = []
    for _ in range(4):
        _, key, _ = form_page(client, card.token)
        statuses.append(post_form(client, card.token, key).status_code)
    assert statuses == [303, 303, 303, 429]


def test_staff_can_log_in_and_guessing_is_still_throttled(redis_down_app, make_user):
    make_user(Role.dispatcher, username="office1")
    client = redis_down_app.test_client()
    response = client.post("/login", data={"username": "office1", "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    guesser = redis_down_app.test_client()
    pages = [guesser.post("/login", data={"username": "office1", "password": "wrong-horse-1"})
             .get_data(as_text=True) for _ in range(2)]
    # The name's limit is 2 a minute: the good login and one guess, then the refusal.
    assert "登录尝试过于频繁" not in pages[0]
    assert "该账号的登录尝试过于频繁" in pages[1]
