"""Reference data kept between requests (app/core/refcache.py): fewer queries, never stale."""
import os
from pathlib import Path
import subprocess
import sys

from sqlalchemy import event

from app.auth.models import Role
from app.auth.operations import create_user
from app.cards.operations import issue_card
from app.cases.models import Case, Category
from app.core import refcache
from app.extensions import db
from tests.intake.test_intake_server import form_page, post_form

ROOT = Path(__file__).resolve().parents[2]


def statements_of(app, fn):
    seen = []

    def record(_conn, _cursor, statement, *_args):
        seen.append(statement)
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        fn()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return seen


def version():
    return db.session.execute(refcache.CURRENT).scalar_one()


def test_the_form_reads_card_and_categories_once_per_version(app, client, make_enterprise):
    card = issue_card(make_enterprise(name="鲁西轴承有限公司"))
    db.session.commit()
    token = card.token
    client.get(f"/q/{token}")
    db.session.remove()  # a new request gets a new session, as in production
    again = statements_of(app, lambda: client.get(f"/q/{token}"))
    assert len(again) == 1 and "reference_version" in again[0]  # the version, nothing else


def test_a_change_made_by_another_process_is_seen_by_the_next_request(app, client,
                                                                      make_enterprise, tmp_path):
    enterprise = make_enterprise(name="鲁西轴承有限公司")
    card = issue_card(enterprise)
    db.session.commit()
    token, code = card.token, enterprise.credit_code
    assert "您好，鲁西轴承有限公司" in client.get(f"/q/{token}").get_data(as_text=True)
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               MEDIA_ROOT=str(tmp_path / "other-media"), SECRET_KEY="another-worker")
    subprocess.run([sys.executable, "-m", "flask", "--app", "wsgi", "cards", "revoke", code],
                   cwd=ROOT, env=env, check=True, capture_output=True)
    db.session.commit()  # end this test's own transaction, as a request's end does
    html = client.get(f"/q/{token}").get_data(as_text=True)
    assert "这张码已更换为新码" in html and "鲁西轴承有限公司" not in html
    _, key, _ = form_page(client, token)
    assert post_form(client, token, key).status_code == 303
    case = db.session.execute(db.select(Case)).scalar_one()
    assert case.via_revoked_card and case.enterprise_id is None


def test_an_edit_in_this_process_shows_at_once(app, client, make_enterprise):
    card = issue_card(make_enterprise())
    db.session.commit()
    assert ">其他</option>" in client.get(f"/q/{card.token}").get_data(as_text=True)
    category = db.session.execute(db.select(Category).filter_by(code="other")).scalar_one()
    category.name = "其他事项"
    db.session.commit()
    try:
        assert ">其他事项</option>" in client.get(f"/q/{card.token}").get_data(as_text=True)
    finally:
        category.name = "其他"  # the seeded row outlives the test
        db.session.commit()


def test_a_rolled_back_change_leaves_nothing_behind(app, client, make_enterprise):
    card = issue_card(make_enterprise(name="旧名称有限公司"))
    db.session.commit()
    before = version()
    card.enterprise.name = "改了又撤回有限公司"
    db.session.flush()
    assert version() != before  # moved inside the transaction
    assert "改了又撤回" in client.get(f"/q/{card.token}").get_data(as_text=True)  # its own view
    db.session.rollback()
    assert version() == before
    html = client.get(f"/q/{card.token}").get_data(as_text=True)
    assert "旧名称有限公司" in html and "改了又撤回" not in html


def test_only_the_columns_snapshots_hold_move_the_version(app, world):
    before = version()
    user = world.dispatcher
    user.failed_logins = 3  # a wrong password: not reference data
    db.session.commit()
    assert version() == before
    user.email = "new-address@example.com"  # a dispatcher's address: it is
    db.session.commit()
    assert version() != before


def test_new_case_notifications_follow_a_dispatcher_added_elsewhere(app, client,
                                                                    make_enterprise):
    from app.reminders.models import Notification
    card = issue_card(make_enterprise())
    create_user("dispatcher-a", "long-enough-password-1", Role.dispatcher)
    db.session.commit()
    _, key, _ = form_page(client, card.token)
    post_form(client, card.token, key)
    create_user("dispatcher-b", "long-enough-password-2", Role.dispatcher)
    db.session.commit()
    _, key, _ = form_page(client, card.token)
    post_form(client, card.token, key)
    counts = [n for (n,) in db.session.execute(
        db.select(db.func.count(Notification.id)).group_by(Notification.case_id)
        .order_by(Notification.case_id))]
    assert counts == [1, 2]
