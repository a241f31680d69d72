"""Behind a proxy (docs/deploy.md): with TRUSTED_PROXIES=1 the client's address comes from
X-Forwarded-For, so per-address limits, the login throttle, audit events and logs see the
client, not the proxy; with 0 the header is ignored and cannot be used to dodge a limit."""
import logging
import uuid

from flask import request
import pytest

from app import create_app
from app.cases.models import AuditEvent, CaseState
from app.core.proxy import register_proxy_fix
from app.extensions import db, limiter
from tests.conftest import make_config

PROXY = "10.0.0.2"  # nginx on the private network
CLIENT_A, CLIENT_B = "203.0.113.7", "198.51.100.20"


def behind_proxies(app, hops, **settings):
    """The fixture's app with TRUSTED_PROXIES=hops (as create_app applies it), limits on."""
    app.config.update(TRUSTED_PROXIES=hops, RATELIMIT_ENABLED=True,
                      RATELIMIT_KEY_PREFIX=f"t-{uuid.uuid4().hex[:8]}", **settings)
    limiter.init_app(app)
    register_proxy_fix(app)
    return app


def login_attempt(client, forwarded_for=None):
    headers = {"X-Forwarded-For": forwarded_for} if forwarded_for else {}
    return client.post("/login", data={"username": "nobody", "password": "wrong-guess-1"},
                       headers=headers, environ_base={"REMOTE_ADDR": PROXY})


@pytest.mark.parametrize("hops, expected", [
    (0, f"{PROXY} http localhost"),
    (1, f"{CLIENT_A} https mashangban.example.gov.cn"),
])
def test_create_app_trusts_exactly_the_configured_proxies(migrated, tmp_path, hops, expected):
    class Config(make_config(migrated, tmp_path)):
        TRUSTED_PROXIES = hops

    app = create_app(Config)

    @app.get("/_seen")
    def seen():
        return f"{request.remote_addr} {request.scheme} {request.host}"

    # The client sent its own X-Forwarded-For ("1.2.3.4"); the proxy appended the real one.
    response = app.test_client().get("/_seen", environ_base={"REMOTE_ADDR": PROXY}, headers={
        "X-Forwarded-For": f"1.2.3.4, {CLIENT_A}", "X-Forwarded-Proto": "https",
        "X-Forwarded-Host": "mashangban.example.gov.cn"})
    assert response.get_data(as_text=True) == expected


def test_through_one_proxy_hop_each_client_is_limited_on_its_own_address(app):
    behind_proxies(app, 1, LOGIN_RATELIMIT_IP="3 per minute")
    client = app.test_client()
    for _ in range(3):
        assert login_attempt(client, CLIENT_A).status_code == 401
    assert login_attempt(client, CLIENT_A).status_code == 429
    # Another client behind the same proxy has its own count.
    assert login_attempt(client, CLIENT_B).status_code == 401
    # A client prepending a made-up address does not get a fresh count: the proxy's hop is used.
    assert login_attempt(client, f"192.0.2.99, {CLIENT_A}").status_code == 429


def test_without_trusted_proxies_the_header_is_ignored_and_cannot_dodge_the_limit(app):
    behind_proxies(app, 0, LOGIN_RATELIMIT_IP="3 per minute")
    client = app.test_client()
    for n in range(3):
        assert login_attempt(client, f"192.0.2.{n + 1}").status_code == 401
    # Every attempt counted against the connecting address, whatever the header claimed.
    assert login_attempt(client, "192.0.2.200").status_code == 429
    assert login_attempt(client).status_code == 429


def test_the_public_form_limit_counts_the_client_behind_the_proxy(app):
    behind_proxies(app, 1, INTAKE_RATELIMIT_IP="2 per minute")
    client = app.test_client()

    def post(address):
        return client.post("/q/no-such-card", data={}, environ_base={"REMOTE_ADDR": PROXY},
                           headers={"X-Forwarded-For": address}).status_code
    assert [post(CLIENT_A) for _ in range(3)][-1] == 429
    assert post(CLIENT_B) != 429


def test_audit_events_and_logs_record_the_client_address(app, client, login_as, world,
                                                         make_case, caplog):
    behind_proxies(app, 1)
    case = make_case(CaseState.dispatched)
    login_as(world.handler)
    response = client.post(f"/handling/cases/{case.tracking_no}/sign",
                           environ_base={"REMOTE_ADDR": PROXY},
                           headers={"X-Forwarded-For": CLIENT_A})
    assert response.status_code == 302
    event = db.session.execute(db.select(AuditEvent).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "sign")).scalar_one()
    assert event.client_address == CLIENT_A
    # Events written outside a request (the fixture's operations here, the scheduler, the
    # command line) have no address.
    others = db.session.execute(db.select(AuditEvent.client_address).where(
        AuditEvent.case_id == case.id, AuditEvent.action != "sign")).scalars().all()
    assert others and set(others) == {None}
    # The login throttle's log line names the client too.
    app.config.update(RATELIMIT_ENABLED=True, LOGIN_RATELIMIT_IP="1 per minute",
                      RATELIMIT_KEY_PREFIX=f"t-{uuid.uuid4().hex[:8]}")
    with caplog.at_level(logging.WARNING):
        for _ in range(2):
            response = app.test_client().post(
                "/login", data={"username": "nobody", "password": "wrong-guess-1"},
                environ_base={"REMOTE_ADDR": PROXY}, headers={"X-Forwarded-For": CLIENT_B})
    assert response.status_code == 429
    assert f"address={CLIENT_B}" in caplog.text and PROXY not in caplog.text
