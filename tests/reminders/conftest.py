"""Real servers on loopback: an SMTP sink (aiosmtpd) and a group-robot webhook (http.server)."""
import asyncio
from datetime import datetime, timedelta, timezone
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import json
import socket
import threading
import time

from aiosmtpd.controller import Controller
import pytest

from app.auth.models import Role
from app.extensions import db
from app.settings.models import LimitUnit, TimeLimit

# A Tuesday morning in Shanghai, far from holidays: 09:00 local.
T0 = datetime(2026, 11, 17, 1, 0, tzinfo=timezone.utc)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class SinkHandler:
    """Keeps every accepted message; `delay` slows each transaction (a slow server)."""

    def __init__(self, delay: float = 0.0):
        self.messages = []
        self.delay = delay
        self.mail_started = 0
        self.stall_at = None  # the MAIL command number to hold until `released` is set
        self.stall_reply_at = None  # the DATA number whose reply (after keeping it) is held
        self.reply_delay = {}  # DATA number -> seconds its "250" is late (past a timeout)
        self.stalled = threading.Event()
        self.released = threading.Event()
        self._lock = threading.Lock()

    async def _hold(self):
        self.stalled.set()
        while not self.released.is_set():
            await asyncio.sleep(0.02)

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.mail_started += 1
        if self.stall_at is not None and self.mail_started >= self.stall_at \
                and not self.released.is_set():
            await self._hold()
        if self.delay:
            await asyncio.sleep(self.delay)
        envelope.mail_from = address
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = message_from_bytes(envelope.content, policy=policy.default)
        with self._lock:
            self.messages.append({"to": envelope.rcpt_tos[0], "subject": str(message["Subject"]),
                                  "body": message.get_content(),
                                  "delivery": message["X-Mashangban-Delivery"],
                                  "message_id": message["Message-ID"]})
            number = len(self.messages)
        # The message is kept (accepted); only the answer is late or never comes.
        if number == self.stall_reply_at and not self.released.is_set():
            await self._hold()
        if self.reply_delay.get(number):
                await asyncio.sleep(self.reply_delay[number])
        return "250 Message accepted"


class SmtpSink:
    def __init__(self, port=None, delay=0.0):
        self.port = port or free_port()
        self.handler = SinkHandler(delay)
        self.controller = None

    @property
    def url(self):
        return f"smtp://127.0.0.1:{self.port}"

    @property
    def messages(self):
        return self.handler.messages

    def start(self):
        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None


@pytest.fixture
def smtp_sink():
    sink = SmtpSink().start()
    yield sink
    sink.stop()


class WebhookSink:
    """Answers like a WeCom / DingTalk robot and keeps (path, content) of every POST, and
    (path, Idempotency-Key header) in `keys`."""

    def __init__(self):
        self.posts = []
        self.keys = []
        sink = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                payload = json.loads(body)
                sink.posts.append((self.path, payload))
                sink.keys.append((self.path, self.headers.get("Idempotency-Key")))
                answer = json.dumps({"errcode": 0, "errmsg": "ok"}).encode()
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def url(self, path):
        return f"http://127.0.0.1:{self.server.server_port}/{path}"

    def contents(self, path):
        return [payload["text"]["content"] for p, payload in self.posts if p == f"/{path}"]


@pytest.fixture
def webhook_sink():
    sink = WebhookSink()
    sink.thread.start()
    yield sink
    sink.server.shutdown()
    sink.server.server_close()


def set_limit(key, amount, unit=LimitUnit.minutes):
    limit = db.session.execute(db.select(TimeLimit).filter_by(key=key)).scalar_one()
    limit.amount, limit.unit = amount, unit


@pytest.fixture
def short_limits(app):
    """Drill limits: sign 10 min, handle 60 min, warn 3 min before, supervise 30 min late."""
    set_limit("sign", 10)
    set_limit("handle_general", 60)
    set_limit("remind_before", 3)
    set_limit("supervise_after", 30)
    set_limit("close_unrated", 30)
    db.session.commit()


@pytest.fixture
def channels(app, world, make_user, make_enterprise, smtp_sink, webhook_sink):
    """Every person has an e-mail; MARKET has its own robot, everyone else the office's."""
    app.config["SMTP_URL"] = smtp_sink.url
    app.config["WEBHOOK_URLS"] = {"MARKET": webhook_sink.url("market"),
                                  "*": webhook_sink.url("office")}
    world.leader = make_user(Role.leader, username="leader")
    world.enterprise = make_enterprise(package_leader=world.leader)
    for user in (world.handler, world.head, world.other_handler, world.dispatcher,
                 world.supervisor, world.admin, world.leader):
        user.email = f"{user.username}@example.test"
    db.session.commit()
    return world


def wait_for(predicate, timeout=5.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.02)
    return predicate()
