"""A TOTP code that logged someone in is refused a second time, inside its window too
(issue 16, "TOTP codes cannot be replayed")."""
from datetime import datetime, timedelta, timezone

import pyotp
from sqlalchemy import update

from app.auth.models import User
from app.auth.totp import check_code
from app.extensions import db
from tests.conftest import login

START = datetime(2026, 11, 17, 1, 0, 5, tzinfo=timezone.utc)


def two_steps(client, user, code):
    assert login(client, user.username).headers["Location"].startswith("/login/totp")
    return client.post("/login/totp", data={"code": code})


def test_a_code_that_logged_in_is_refused_the_second_time(client, world, fixed_clock):
    fixed_clock.set(START)
    secret = world.dispatcher.totp_secret = pyotp.random_base32()
    db.session.commit()
    code = pyotp.TOTP(secret).at(START)
    assert two_steps(client, world.dispatcher, code).status_code == 302
    client.post("/logout")
    fixed_clock.advance(timedelta(seconds=10))  # same 30-second step
    replayed = two_steps(client, world.dispatcher, code)
    assert replayed.status_code == 401 and "已使用过" in replayed.get_data(as_text=True)
    fixed_clock.advance(timedelta(seconds=30))  # the next code works
    assert two_steps(client, world.dispatcher,
                     pyotp.TOTP(secret).at(fixed_clock.now)).status_code == 302


def test_an_older_code_still_in_the_window_is_refused_after_a_newer_one(client, world,
                                                                        fixed_clock):
    fixed_clock.set(START)
    secret = world.dispatcher.totp_secret = pyotp.random_base32()
    db.session.commit()
    totp = pyotp.TOTP(secret)
    assert two_steps(client, world.dispatcher, totp.at(START)).status_code == 302
    client.post("/logout")
    older = totp.at(START - timedelta(seconds=30))  # the previous step: accepted as drift…
    assert two_steps(client, world.dispatcher, older).status_code == 401  # …but not after this one


def test_two_requests_with_the_same_code_let_only_one_in(app, world, fixed_clock):
    """The used step is claimed by a conditional UPDATE: a request that read the user before
    another one logged in with the same code still loses."""
    fixed_clock.set(START)
    user = world.dispatcher
    user.totp_secret = pyotp.random_base32()
    db.session.commit()
    code = pyotp.TOTP(user.totp_secret).at(START)
    step = pyotp.TOTP(user.totp_secret).timecode(START)
    assert user.totp_last_step is None  # what this request read…
    with db.engine.begin() as other:  # …before the other request logged in with the code
        other.execute(update(User).where(User.id == user.id).values(totp_last_step=step))
    assert "已使用过" in check_code(user, code, max_failures=5, lock_minutes=15)
