"""/healthz, /readyz, /metrics and the request id / JSON logs (docs/deploy.md, "Observability")."""
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta, timezone
import io
import json
import logging
import os
import subprocess
import sys
import time
import urllib.request

import pytest

from tests.conftest import ROOT
from app.observability.logs import make_handler
from app.reminders.heartbeat import record_tick
from app.reminders.models import Delivery, DeliveryStatus, Notification
from app.extensions import db
from tests.foundation.test_rate_limit_storage import REDIS, free_port, pids_in, redis_or_skip

NOW = datetime(2026, 11, 17, 2, 0, tzinfo=timezone.utc)
TOKEN = "scrape-token-0123456789abcdef"


def test_healthz_is_alive(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}


def test_readyz_checks_database_storage_and_the_scheduler_tick_age(app, client, fixed_clock):
    fixed_clock.set(NOW)
    body = client.get("/readyz").get_json()
    assert body["checks"]["database"] == {"status": "ok"}
    assert body["checks"]["storage"] == {"status": "ok"}
    assert "redis" not in body["checks"]  # memory:// rate limits: nothing to reach
    assert body["checks"]["scheduler"]["status"] == "never" and body["status"] == "degraded"

    record_tick("host-b:4242:ab", NOW - timedelta(seconds=40), 123)
    response = client.get("/readyz")
    body = response.get_json()
    assert response.status_code == 200 and body["status"] == "ok"
    assert body["checks"]["scheduler"] == {
        "status": "ok", "last_tick_at": "2026-11-17T01:59:20+00:00", "age_seconds": 40.0,
        "duration_ms": 123}
    assert body["deliveries"] == {"pending": 0, "failed": 0}

    fixed_clock.advance(timedelta(minutes=10))  # no scan for ten minutes: stale, still 200
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["status"] == "degraded"
    assert response.get_json()["checks"]["scheduler"]["status"] == "stale"


def test_readyz_is_503_when_the_store_cannot_take_a_file(app, client, tmp_path):
    blocked = tmp_path / "not-a-dir"
    blocked.write_text("a file where the store's folder should be")
    app.config["MEDIA_ROOT"] = str(blocked)
    app.extensions.pop("media_storage", None)
    response = client.get("/readyz")
    assert response.status_code == 503
    body = response.get_json()
    assert body["failed"] == ["storage"] and body["checks"]["storage"]["status"] == "error"


def test_readyz_checks_redis_when_limits_are_counted_there(app, client):
    redis_or_skip()
    app.config.update(RATELIMIT_STORAGE_URI=REDIS)
    assert client.get("/readyz").get_json()["checks"]["redis"] == {"status": "ok"}
    app.config.update(RATELIMIT_STORAGE_URI="redis://127.0.0.1:1/0")  # nobody listens there
    response = client.get("/readyz")
    assert response.status_code == 503 and response.get_json()["failed"] == ["redis"]


def test_the_scheduler_process_records_each_scan(app, fixed_clock):
    from app.reminders.heartbeat import last_tick
    from app.reminders.runner import make_scheduler
    fixed_clock.set(NOW)
    scheduler, lock = make_scheduler(app, blocking=False)
    try:
        scheduler.get_job("tick").func()  # one scan, as the lock holder runs it
    finally:
        lock.release()
    tick = last_tick()
    assert tick.holder == lock.holder and tick.finished_at == NOW and tick.duration_ms >= 0


def test_a_scan_from_the_command_line_is_recorded_too(app, fixed_clock):
    from app.reminders.heartbeat import last_tick
    fixed_clock.set(NOW)
    runner = app.test_cli_runner()
    assert runner.invoke(args=["scheduler", "tick", "--no-deliver"]).exit_code == 0
    tick = last_tick()
    assert tick.finished_at == NOW and tick.duration_ms >= 0 and tick.holder.endswith(":cli")


# --- /metrics ----------------------------------------------------------------------------------

def scrape(client, token=None, address="127.0.0.1"):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return client.get("/metrics", headers=headers, environ_base={"REMOTE_ADDR": address})


def test_metrics_is_404_until_a_scraper_is_configured(app, client):
    assert scrape(client).status_code == 404


def test_metrics_needs_the_token(app, client):
    app.config["METRICS_TOKEN"] = TOKEN
    assert scrape(client).status_code == 403
    assert scrape(client, "wrong").status_code == 403
    assert scrape(client, TOKEN).status_code == 200


def test_metrics_needs_an_allowed_address(app, client):
    app.config["METRICS_ALLOWED_ADDRESSES"] = "10.1.0.0/16, 192.0.2.9"
    assert scrape(client, address="10.1.7.7").status_code == 200
    assert scrape(client, address="192.0.2.9").status_code == 200
    assert scrape(client, address="192.0.2.10").status_code == 403
    app.config["METRICS_TOKEN"] = TOKEN  # both set: both must hold
    assert scrape(client, address="10.1.7.7").status_code == 403
    assert scrape(client, TOKEN, address="10.1.7.7").status_code == 200
    assert scrape(client, TOKEN, address="203.0.113.1").status_code == 403


def sample(text, name, **labels):
    """The value of one sample in Prometheus' text format (labels in any order)."""
    from prometheus_client.parser import text_string_to_metric_families
    for family in text_string_to_metric_families(text):
        for found in family.samples:
            if found.name == name and found.labels == labels:
                return found.value
    raise AssertionError(f"{name} {labels} not in metrics:\n{text[:3000]}")


def test_metrics_count_requests_by_route_and_read_the_database(app, client, world, make_case,
                                                               fixed_clock):
    fixed_clock.set(NOW)
    app.config["METRICS_TOKEN"] = TOKEN
    case = make_case()
    before = scrape(client, TOKEN).get_data(as_text=True)
    route = "/handling/cases/<tracking_no>"
    try:
        seen = sample(before, "mashangban_http_requests_total", route=route, method="GET",
                      status="302")
    except AssertionError:
        seen = 0
    for _ in range(2):  # not logged in: sent to the login page
        client.get(f"/handling/cases/{case.tracking_no}")
    _add_deliveries(world, case)
    record_tick("host-b:1:x", NOW - timedelta(seconds=5), 250)
    text = scrape(client, TOKEN).get_data(as_text=True)
    # By URL rule, not by path: one series for every case.
    assert sample(text, "mashangban_http_requests_total", route=route, method="GET",
                  status="302") == seen + 2
    assert f'tracking_no="{case.tracking_no}"' not in text and case.tracking_no not in text
    assert sample(text, "mashangban_http_request_duration_seconds_count", route=route,
                  method="GET") >= 2
    assert sample(text, "mashangban_submissions_total", source=case.source.name) == 1
    assert sample(text, "mashangban_notifications_pending", channel="email") == 2
    assert sample(text, "mashangban_notifications_pending", channel="webhook") == 0
    assert sample(text, "mashangban_deliveries_failed", channel="webhook") == 1
    assert sample(text, "mashangban_scheduler_last_tick_timestamp_seconds") == \
        (NOW - timedelta(seconds=5)).timestamp()
    assert sample(text, "mashangban_scheduler_last_tick_duration_seconds") == 0.25


def _add_deliveries(world, case):
    note = Notification(dedupe_key=f"test:{case.id}", case_id=case.id, kind="reminder",
                        recipient_id=world.handler.id, title="请签收", body="请签收")
    db.session.add(note)
    db.session.flush()
    for channel, status in (("email", DeliveryStatus.pending), ("email", DeliveryStatus.pending),
                            ("webhook", DeliveryStatus.failed), ("email", DeliveryStatus.sent)):
        db.session.add(Delivery(notification_id=note.id, channel=channel, target="x",
                                status=status, next_attempt_at=NOW))
    db.session.commit()


def test_under_gunicorn_the_workers_metrics_are_summed_and_logs_are_json(app, tmp_path):
    """Two gunicorn workers (the web unit's gunicorn.conf.py), PROMETHEUS_MULTIPROC_DIR and
    LOG_FORMAT=json: a scrape answered by either worker counts every request of both, and
    each log line is JSON with the request id the proxy gave."""
    port = free_port()
    log, metrics_dir = tmp_path / "access.log", tmp_path / "metrics"
    metrics_dir.mkdir()
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               APP_ENV="development", MEDIA_ROOT=str(tmp_path / "media"), SCHEDULER="off",
               PROMETHEUS_MULTIPROC_DIR=str(metrics_dir), METRICS_TOKEN=TOKEN,
               LOG_FORMAT="json", TRUSTED_PROXIES="1")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py", "--workers", "2",
         "--bind", f"127.0.0.1:{port}", "--access-logfile", str(log),
         "--access-logformat", "%(p)s %(s)s %(U)s", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    base = f"http://127.0.0.1:{port}"
    sent = 0
    try:
        deadline = time.monotonic() + 30
        while len(pids_in(log)) < 2:  # until both workers have answered /healthz
            if process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"gunicorn did not start two workers: {process.stderr.read()[-2000:]}")
            with ThreadPoolExecutor(8) as pool:
                sent += sum(pool.map(lambda _: _get(f"{base}/healthz"), range(8)))
        request = urllib.request.Request(f"{base}/healthz", headers={
            "X-Request-ID": "nginx-abc123", "X-Forwarded-For": "203.0.113.9"})
        assert urllib.request.urlopen(request).headers["X-Request-ID"] == "nginx-abc123"
        sent += 1
        for _ in range(4):  # whichever worker answers the scrape, the sum is the same
            scrape_request = urllib.request.Request(
                f"{base}/metrics", headers={"Authorization": f"Bearer {TOKEN}"})
            text = urllib.request.urlopen(scrape_request).read().decode()
            assert sample(text, "mashangban_http_requests_total", route="/healthz",
                          method="GET", status="200") == sent
    finally:
        process.terminate()
        _, stderr = process.communicate(timeout=30)
    assert len({line.split()[0] for line in log.read_text().splitlines()
                if "/metrics" in line}) >= 1
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    ours = [line for line in lines if line.get("request_id") == "nginx-abc123"]
    assert ours and ours[0]["logger"] == "app.request" and ours[0]["client"] == "203.0.113.9"


def _get(url) -> int:
    try:
        urllib.request.urlopen(url, timeout=60).read()  # never given up while queued
        return 1
    except OSError:
        return 0


# --- request ids and JSON logs -----------------------------------------------------------------

def test_the_request_id_is_taken_from_the_proxy_or_made_and_echoed(client):
    given = client.get("/healthz", headers={"X-Request-ID": "nginx-5f2c9a"})
    assert given.headers["X-Request-ID"] == "nginx-5f2c9a"
    made = client.get("/healthz")
    assert len(made.headers["X-Request-ID"]) == 32
    assert made.headers["X-Request-ID"] != client.get("/healthz").headers["X-Request-ID"]
    # Something a log reader could be fooled by is replaced, not echoed.
    odd = client.get("/healthz", headers={"X-Request-ID": "x\" level=ERROR"})
    assert odd.headers["X-Request-ID"] != "x\" level=ERROR"


def test_json_logs_carry_the_request_id(app, client):
    app.config["LOG_FORMAT"] = "json"
    stream = io.StringIO()
    handler = make_handler("json", stream)
    root = logging.getLogger()
    root.addHandler(handler)
    level = root.level
    root.setLevel(logging.INFO)
    try:
        response = client.get("/healthz", headers={"X-Request-ID": "req-1234"},
                              environ_base={"REMOTE_ADDR": "192.0.2.8"})
        app.logger.warning("outside any request")
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
    assert response.headers["X-Request-ID"] == "req-1234"
    lines = [json.loads(line) for line in stream.getvalue().splitlines()]
    access = next(line for line in lines if line["logger"] == "app.request")
    assert access["request_id"] == "req-1234" and access["route"] == "/healthz"
    assert access["status"] == 200 and access["client"] == "192.0.2.8"
    assert access["level"] == "INFO" and access["time"].endswith("Z")
    assert lines[-1]["message"] == "outside any request" and lines[-1]["request_id"] == "-"


def test_text_logs_carry_the_request_id_too(app, client):
    stream = io.StringIO()
    handler = make_handler("text", stream)
    app.logger.addHandler(handler)
    try:
        @app.get("/_log")
        def log_something():
            app.logger.warning("hello")
            return "ok"
        client.get("/_log", headers={"X-Request-ID": "req-77"})
    finally:
        app.logger.removeHandler(handler)
    assert "[req-77]: hello" in stream.getvalue()


def test_the_schedulers_job_lines_do_not_drown_the_log():
    """APScheduler's two INFO lines per job run (every few seconds) stay out of the served
    app's log; its warnings (a missed or failed run) still come through."""
    from types import SimpleNamespace

    from app.observability.logs import configure_logging
    root, job_log = logging.getLogger(), logging.getLogger("apscheduler.executors")
    saved = (list(root.handlers), root.level, job_log.level)
    try:
        configure_logging(SimpleNamespace(debug=False, testing=False, config={}))
        assert not logging.getLogger("apscheduler.executors.default").isEnabledFor(logging.INFO)
        assert logging.getLogger("apscheduler.executors.default").isEnabledFor(logging.WARNING)
        assert logging.getLogger("apscheduler.scheduler").isEnabledFor(logging.INFO)
        assert logging.getLogger("app").isEnabledFor(logging.INFO)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        job_log.setLevel(saved[2])
