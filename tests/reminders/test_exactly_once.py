"""Exactly once, whatever happens: two schedulers at once, a crash mid-send, a dead server."""
from datetime import timedelta
import json
import os
import signal
import subprocess
import sys

import pytest

from app.auth.models import Role
from app.cases.models import CaseState
from app.extensions import db
from app.reminders.lock import SchedulerLock
from app.reminders.models import Delivery, DeliveryStatus, Notification
from app.reminders.tasks import tick
from tests.conftest import ROOT, is_postgres, login
from tests.reminders.conftest import SmtpSink, minutes, T0, wait_for

postgres_only = pytest.mark.skipif(not is_postgres(os.environ.get("DATABASE_URL", "sqlite://")),
                                   reason="two processes over one database need PostgreSQL")
CASES = 50


def count(model, *where):
    return db.session.scalar(db.select(db.func.count()).select_from(model).where(*where))


def scheduler_tick(app, smtp_url, webhook_url, now):
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], APP_ENV="testing",
               SMTP_URL=smtp_url, WEBHOOK_URL=webhook_url, WEBHOOK_URLS="", SCHEDULER="off")
    return subprocess.Popen([sys.executable, "-m", "flask", "--app", "wsgi", "scheduler", "tick",
                             "--now", now.isoformat()], cwd=ROOT, env=env,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)


def finish(process):
    out, err = process.communicate(timeout=120)
    assert process.returncode == 0, err[-3000:]
    return json.loads(out.strip().splitlines()[-1])


def assert_each_email_once(sink):
    delivered = [m["delivery"] for m in sink.messages]
    assert len(delivered) == len(set(delivered))  # no delivery twice
    assert len(delivered) == count(Delivery, Delivery.channel == "email",
                                   Delivery.status == DeliveryStatus.sent)
    assert count(Delivery, Delivery.status != DeliveryStatus.sent) == 0


@pytest.fixture
def due_cases(channels, short_limits, make_case):
    return [make_case(CaseState.dispatched, now=T0) for _ in range(CASES)]


@postgres_only
def test_two_schedulers_at_once_send_each_notification_once(app, due_cases, smtp_sink,
                                                            webhook_sink):
    first, second = (scheduler_tick(app, smtp_sink.url, webhook_sink.url("office"), minutes(5))
                     for _ in range(2))
    results = [finish(first), finish(second)]
    db.session.expire_all()
    # Each case's 50 % reminder goes to the handler and the head: 100 rows, not 200.
    assert count(Notification, Notification.kind == "remind_sign_50") == 2 * CASES
    assert sum(r["remind_due"] for r in results) == CASES
    assert_each_email_once(smtp_sink)
    assert len([m for m in smtp_sink.messages if "签收时限已过半" in m["subject"]]) == 2 * CASES
    # A webhook message per case per robot: all land in the one default robot here.
    assert len([c for c in webhook_sink.contents("office") if "签收时限已过半" in c]) == CASES


@postgres_only
def test_scheduler_killed_mid_send_and_restarted_still_sends_once(app, due_cases, webhook_sink):
    sink = SmtpSink().start()
    try:
        sink.handler.stall_at = 40  # hold the 40th e-mail until the process is dead
        victim = scheduler_tick(app, sink.url, webhook_sink.url("office"), minutes(5))
        assert sink.handler.stalled.wait(60), victim.stderr.read() if victim.poll() else ""
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        sink.handler.released.set()
        assert 0 < len(sink.messages) < 250
        restarted = [scheduler_tick(app, sink.url, webhook_sink.url("office"), minutes(5))
                     for _ in range(2)]
        for process in restarted:
            finish(process)
        db.session.expire_all()
        assert count(Notification, Notification.kind == "remind_sign_50") == 2 * CASES
        assert_each_email_once(sink)
        assert len([m for m in sink.messages if "签收时限已过半" in m["subject"]]) == 2 * CASES
    finally:
        sink.stop()


def test_dead_smtp_server_holds_only_email_which_arrives_once_it_is_back(
        app, channels, short_limits, make_case, webhook_sink):
    dead = SmtpSink()  # a port nobody listens on yet
    app.config["SMTP_URL"] = dead.url
    case = make_case(CaseState.dispatched, now=T0)
    tick(minutes(5))
    # In-app and the robots went out; the e-mails wait with one failed attempt each.
    assert count(Notification, Notification.kind == "remind_sign_50") == 2
    assert any("签收时限已过半" in c for c in webhook_sink.contents("market"))
    emails = db.session.execute(db.select(Delivery).where(Delivery.channel == "email")).scalars().all()
    assert emails and all(d.status is DeliveryStatus.pending and d.attempts == 1
                          and d.last_error for d in emails)
    assert all(d.status is DeliveryStatus.sent for d in db.session.execute(
        db.select(Delivery).where(Delivery.channel == "webhook")).scalars())
    dead.start()
    try:
        tick(minutes(5.5))  # inside the backoff: nothing yet
        assert dead.messages == []
        tick(minutes(6))
        assert wait_for(lambda: len(dead.messages) == len(emails))
        tick(minutes(20))
        assert_each_email_once(dead)
        assert case.tracking_no in dead.messages[-1]["subject"] or dead.messages
    finally:
        dead.stop()


def test_failed_sends_are_given_up_after_the_last_attempt_and_listed(
        app, channels, short_limits, make_case, runner):
    app.config["SMTP_URL"] = SmtpSink().url  # never started
    app.config["DELIVERY_MAX_ATTEMPTS"] = 3
    make_case(CaseState.dispatched, now=T0)
    for minute in (1, 3, 7, 15):
        tick(minutes(minute))
    failed = db.session.execute(db.select(Delivery).join(Notification).where(
        Delivery.channel == "email", Notification.kind.in_(("new_case", "dispatched")))
    ).scalars().all()  # queued at T0: tried at 1, 3 (after 1 min) and 7 (after 2 more)
    assert len(failed) == 3
    assert all(d.status is DeliveryStatus.failed and d.attempts == 3 for d in failed)
    result = runner.invoke(args=["scheduler", "deliveries", "--failed"])
    assert result.exit_code == 0 and "发送失败" in result.output and "无法连接" in result.output


def test_only_one_scheduler_holds_the_lock_and_another_takes_over(app):
    first, second = SchedulerLock(db.engine), SchedulerLock(db.engine)
    try:
        assert first.acquire(T0) is True
        assert second.acquire(T0) is False
        assert first.acquire(minutes(1)) is True  # renewing keeps it
        first.release()
        assert second.acquire(minutes(2)) is True
        assert first.acquire(minutes(2)) is False
    finally:
        first.release()
        second.release()


def test_an_expired_lease_is_taken_over_on_sqlite(app):
    if db.engine.dialect.name == "postgresql":
        pytest.skip("PostgreSQL frees the advisory lock with the connection instead")
    first, second = SchedulerLock(db.engine), SchedulerLock(db.engine)
    assert first.acquire(T0)
    assert not second.acquire(minutes(2))
    assert second.acquire(minutes(4))  # the first one stopped renewing: 3-minute lease over
    assert not first.acquire(minutes(4))
    second.release()


def test_digests_go_to_each_head_daily_and_the_office_on_monday(channels, make_case):
    make_case(CaseState.dispatched, now=T0 - timedelta(days=6))  # due last Thursday
    monday = T0.replace(day=16, hour=0, minute=30)  # Monday 08:30 local
    tick(monday.replace(minute=29), deliver=False)
    assert count(Notification, Notification.kind.like("digest_%")) == 0
    tick(monday, deliver=False)
    tick(monday.replace(hour=5), deliver=False)
    heads = db.session.execute(db.select(Notification).filter_by(kind="digest_daily")).scalars().all()
    assert [n.recipient.role for n in heads] == [Role.department_head]
    assert "已逾期 1 件" in heads[0].body and "逾期案件" in heads[0].body
    office = db.session.execute(db.select(Notification).filter_by(kind="digest_weekly")).scalars().all()
    assert sorted(n.recipient.username for n in office) == ["admin", "dispatcher"]
    assert "当前逾期 1 件" in office[0].body


def test_digests_link_to_pages_that_exist(app, channels, make_case, login_as, client):
    make_case(CaseState.dispatched, now=T0 - timedelta(days=6))
    monday = T0.replace(day=16, hour=0, minute=30)
    tick(monday, deliver=False)
    daily = db.session.execute(db.select(Notification).filter_by(kind="digest_daily")).scalars().first()
    weekly = db.session.execute(db.select(Notification).filter_by(kind="digest_weekly")).scalars().first()
    assert daily.link == "/handling/"
    login_as(daily.recipient)
    assert client.get(daily.link).status_code == 200
    from flask import g
    g.pop("_login_user", None)  # the test's app context outlives requests: forget the head
    office = app.test_client()
    login(office, weekly.recipient.username)
    assert office.get(weekly.link).status_code == 200


def test_webhook_secret_key_never_reaches_the_log_or_the_cli(app, channels, make_case, runner,
                                                             caplog):
    from tests.reminders.conftest import free_port
    secret = "5f0c1d3e-robot-secret"
    app.config["WEBHOOK_URLS"] = {
        "MARKET": f"http://127.0.0.1:{free_port()}/cgi-bin/webhook/send?key={secret}"}
    app.config["DELIVERY_MAX_ATTEMPTS"] = 2
    make_case(CaseState.dispatched, now=T0)
    with caplog.at_level("WARNING", logger="app.reminders.delivery"):
        tick(minutes(1))
        tick(minutes(3))
    logged = "\n".join(r.getMessage() for r in caplog.records if "webhook" in r.getMessage())
    assert "http://127.0.0.1 (MARKET)" in logged and secret not in logged
    result = runner.invoke(args=["scheduler", "deliveries", "--failed"])
    assert "(MARKET)" in result.output and secret not in result.output


def test_sender_killed_after_the_server_accepted_resends_with_the_same_message_id(
        app, channels, make_case, webhook_sink):
    """The one window left: the server kept the message, the sender died before marking it."""
    sink = SmtpSink().start()
    try:
        make_case(CaseState.dispatched, now=T0)
        sink.handler.stall_reply_at = 1  # keep the first message, never answer it
        victim = scheduler_tick(app, sink.url, webhook_sink.url("office"), minutes(1))
        assert sink.handler.stalled.wait(60), victim.stderr.read() if victim.poll() else ""
        victim.send_signal(signal.SIGKILL)
        victim.wait(10)
        sink.handler.released.set()
        assert len(sink.messages) == 1
        accepted = sink.messages[0]

        finish(scheduler_tick(app, sink.url, webhook_sink.url("office"), minutes(1)))
        db.session.expire_all()
        copies = [m["message_id"] for m in sink.messages if m["delivery"] == accepted["delivery"]]
        assert len(copies) == 2 and set(copies) == {accepted["message_id"]}
        assert len({m["message_id"] for m in sink.messages}) == len(sink.messages) - 1 \
            == count(Delivery, Delivery.channel == "email")
        assert count(Delivery, Delivery.channel == "email",
                     Delivery.status != DeliveryStatus.sent) == 0
    finally:
        sink.stop()


def test_moving_the_digest_time_during_the_day_sends_no_second_digest(app, channels):
    monday = T0.replace(day=16, hour=0, minute=30)  # Monday 08:30 local
    tick(monday, deliver=False)
    sent = count(Notification, Notification.kind.like("digest_%"))
    assert sent == 3  # the head, and the office's dispatcher and admin
    app.config["DIGEST_TIME"] = "10:00"  # the admin moves it the same day
    tick(monday.replace(hour=2), deliver=False)
    assert count(Notification, Notification.kind.like("digest_%")) == sent
    tick(monday + timedelta(days=1, hours=1, minutes=30), deliver=False)  # Tuesday 10:00
    assert count(Notification, Notification.kind == "digest_daily") == 2
