"""The several-host drill on one machine: two app instances (separate gunicorn processes, each
with its own temp directory and port) sharing PostgreSQL, Redis and an S3-compatible server
(moto in server mode), plus one scheduler process. It shows, with counts read back from the
database and the S3 server:

1. a case with a photo submitted on A is listed on B and its photo served by B (same bytes);
2. a per-IP rate limit counts across both (alternate submissions until refused on either);
3. the scheduler fires each reminder once while both instances run (A and B run their
   in-process schedulers too, SCHEDULER=on: the lock lets one tick; a webhook receiver here
   counts what was sent);
4. a submission A committed but whose answer was lost, sent again to B with the same
   submission key, gives the same case;
5. A is killed (SIGKILL) during a stream of submissions; the clients retry on B with the same
   submission key: none lost, none doubled.

Run: /work/main/.venv/bin/python bench/several_hosts.py [--quick]
Needs PostgreSQL (DRILL_DATABASE_URL, default postgresql+psycopg://postgres@127.0.0.1:5432/test:
a fresh schema is created, migrated and dropped) and Redis (DRILL_REDIS_URL, default
redis://127.0.0.1:6379/0: a fresh key prefix, deleted after). Exits 1 if any check fails.
"""
from __future__ import annotations

import argparse
from contextlib import ExitStack, contextmanager
from datetime import timedelta
import hashlib
import http.client
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
import io
import json
import os
from pathlib import Path
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
BIN = Path(sys.executable).parent
PASSWORD = "drill-horse-9-staple"
FORM = {"category": "electricity", "content": "新变压器等了三周还没有接电", "contact_name": "王女士",
        "contact_phone": "13800138000"}
RATE_LIMIT = 5  # INTAKE_RATELIMIT_IP for the drill: per minute, per address

failures: list[str] = []


def check(ok: bool, what: str) -> bool:
    print(f"  [{'ok' if ok else 'FAIL'}] {what}")
    if not ok:
        failures.append(what)
    return ok


# --- an HTTP client with cookies and a chosen source address (127.0.0.x: one "client IP" each)

class Visitor:
    def __init__(self, address: str):
        self.address = address
        self.cookies: dict[str, str] = {}

    def request(self, port: int, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None, timeout: float = 30):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout,
                                          source_address=(self.address, 0))
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        try:
            conn.request(method, path, body=body, headers=headers)
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key.strip()] = rest.split(";", 1)[0]
        return response.status, dict(response.getheaders()), data

    def form(self, port: int, token: str) -> tuple[str, str]:
        status, _headers, html = self.request(port, "GET", f"/q/{token}")
        assert status == 200, status
        html = html.decode()
        key = re.search(r'name="submission_key" value="([^"]+)"', html).group(1)
        csrf = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
        return key, csrf

    def login(self, port: int, username: str):
        _status, _h, html = self.request(port, "GET", "/login")
        csrf = re.search(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"', html.decode()).group(1)
        body, ctype = encode_form([("csrf_token", csrf), ("username", username),
                                   ("password", PASSWORD)])
        status, headers, _ = self.request(port, "POST", "/login", body, {"Content-Type": ctype})
        assert status == 302, status


def encode_form(fields, files=()):
    from urllib3.filepost import encode_multipart_formdata
    parts = list(fields) + [(name, (filename, content, "image/jpeg"))
                            for name, content, filename in files]
    return encode_multipart_formdata(parts)


def submission(key: str, csrf: str, photo: bytes | None, n: int = 0):
    fields = [("csrf_token", csrf), ("submission_key", key)] + [
        (k, f"{v}（第{n}件）" if k == "content" else v) for k, v in FORM.items()]
    return encode_form(fields, [("photos", photo, f"现场{n}.jpg")] if photo else ())


def photo(n: int) -> bytes:
    """A small JPEG of its own for submission `n` (so each stored file is distinct)."""
    from PIL import Image, ImageDraw
    image = Image.new("RGB", (160, 120), ((n * 37) % 256, (n * 91) % 256, (n * 53) % 256))
    ImageDraw.Draw(image).text((10, 50), f"drill {n}", fill=(255, 255, 255))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return out.getvalue()


# --- the processes --------------------------------------------------------------------------

@contextmanager
def webhook_receiver():
    """A group robot's webhook: counts the POSTs and their idempotency keys."""
    received: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):
            self.rfile.read(int(self.headers.get("Content-Length", 0)))
            received.append(self.headers.get("Idempotency-Key") or self.headers.get(
                "X-Idempotency-Key") or "")
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"errcode": 0}')

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/robot", received
    finally:
        server.shutdown()


class Process:
    def __init__(self, name: str, args: list[str], env: dict, workdir: Path):
        self.name, self.workdir = name, workdir
        self.log = open(workdir / f"{name}.log", "wb")
        self.popen = subprocess.Popen(args, cwd=ROOT, env=env, stdout=self.log,
                                      stderr=subprocess.STDOUT, start_new_session=True)

    def read_log(self) -> str:
        self.log.flush()
        return (self.workdir / f"{self.name}.log").read_text(errors="replace")

    def kill(self, sig=signal.SIGKILL):
        """Signal the whole process group (a gunicorn master and its workers)."""
        try:
            os.killpg(self.popen.pid, sig)
        except ProcessLookupError:
            pass

    def stop(self):
        if self.popen.poll() is None:
            self.kill(signal.SIGTERM)
            try:
                self.popen.wait(15)
            except subprocess.TimeoutExpired:
                self.kill(signal.SIGKILL)
                self.popen.wait()
        self.log.close()


def wait_http(port: int, seconds: float = 60):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/login")
            if conn.getresponse().status == 200:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"no app on port {port}")


# --- the drill ---------------------------------------------------------------------------

def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="fewer cases (the pytest version)")
    args = parser.parse_args()
    stream_n = 12 if args.quick else 40
    reminder_n = 6 if args.quick else 20
    started = time.monotonic()
    with ExitStack() as stack:
        run_drill(stack, stream_n, reminder_n)
    print(f"\ndrill finished in {time.monotonic() - started:.1f} s: "
          f"{'ALL CHECKS PASSED' if not failures else f'{len(failures)} FAILED'}")
    return 1 if failures else 0


def run_drill(stack: ExitStack, stream_n: int, reminder_n: int):
    from sqlalchemy import bindparam, create_engine, text
    from sqlalchemy.engine import make_url
    import redis
    from tests.media.s3_server import client_for, fresh_bucket, moto_server, s3_settings, free_port

    base_url = os.environ.get("DRILL_DATABASE_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    redis_url = os.environ.get("DRILL_REDIS_URL", "redis://127.0.0.1:6379/0")
    run_id = uuid.uuid4().hex[:10]
    schema = f"drill_{run_id}"
    admin = create_engine(base_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    db_url = make_url(base_url).update_query_dict({"options": f"-csearch_path={schema}"})
    db_url = db_url.render_as_string(hide_password=False)
    prefix = f"drill-{run_id}"
    workdir = Path(tempfile.mkdtemp(prefix="msb-drill-"))
    redis_client = redis.Redis.from_url(redis_url)

    def cleanup():
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()
        for key in redis_client.scan_iter(f"*{prefix}*"):
            redis_client.delete(key)
        shutil.rmtree(workdir, ignore_errors=True)
    stack.callback(cleanup)

    endpoint = stack.enter_context(moto_server())
    bucket = stack.enter_context(fresh_bucket(endpoint))
    robot_url, robot_hits = stack.enter_context(webhook_receiver())
    s3 = client_for(endpoint)
    port_a, port_b = free_port(), free_port()
    env = dict(os.environ, DATABASE_URL=db_url, APP_ENV="development",
               SECRET_KEY=f"drill-secret-{run_id}-{uuid.uuid4().hex}",
               RATELIMIT_STORAGE_URI=redis_url, RATELIMIT_KEY_PREFIX=prefix,
               INTAKE_RATELIMIT_IP=f"{RATE_LIMIT} per minute",
               INTAKE_RATELIMIT_CARD="10000 per hour", WEBHOOK_URL=robot_url,
               SCHEDULER_INTERVAL_SECONDS="2", DELIVERY_INTERVAL_SECONDS="1",
               BASE_URL=f"http://127.0.0.1:{port_a}", PYTHONUNBUFFERED="1",
               **s3_settings(endpoint, bucket))
    print(f"PostgreSQL schema {schema}; Redis prefix {prefix}; S3 {endpoint} bucket {bucket}")

    # The schema, migrated, and what the drill needs: a card, staff, a department with a robot.
    seeded = seed(env, workdir, reminder_n)

    def instance(name, port):
        folder = workdir / name
        (folder / "media").mkdir(parents=True)
        process_env = dict(env, MEDIA_ROOT=str(folder / "media"), SCHEDULER="on",
                           TMPDIR=str(folder))
        return Process(name, [str(BIN / "gunicorn"), "--config", "gunicorn.conf.py",
                              "--workers", "2", "--bind", f"127.0.0.1:{port}", "--timeout", "60",
                              "wsgi:app"], process_env, folder)
    t0 = time.monotonic()
    a, b = instance("A", port_a), instance("B", port_b)
    (workdir / "scheduler" / "media").mkdir(parents=True)
    scheduler = Process("scheduler", [str(BIN / "flask"), "--app", "wsgi", "scheduler", "run",
                                      "--interval", "2"],
                        dict(env, MEDIA_ROOT=str(workdir / "scheduler" / "media")),
                        workdir / "scheduler")
    for process in (a, b, scheduler):
        stack.callback(process.stop)
    wait_http(port_a)
    wait_http(port_b)
    print(f"A on :{port_a}, B on :{port_b} (2 gunicorn workers each, own MEDIA_ROOT), "
          f"scheduler pid {scheduler.popen.pid}; up in {time.monotonic() - t0:.1f} s")

    engine = create_engine(db_url)
    stack.callback(engine.dispose)

    def scalar(sql, **params):
        with engine.connect() as conn:
            return conn.execute(text(sql), params).scalar()

    def s3_files():
        names = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=bucket, Delimiter="/"):
            names += [item["Key"] for item in page.get("Contents", ())]
        return names

    # 1. Submitted on A, listed and served on B.
    print("\n1. A case with a photo submitted on A, listed and served on B")
    citizen = Visitor("127.0.0.2")
    key, csrf = citizen.form(port_a, seeded["token"])
    body, ctype = submission(key, csrf, photo(0))
    status, headers, _ = citizen.request(port_a, "POST", f"/q/{seeded['token']}", body,
                                         {"Content-Type": ctype})
    check(status == 303, f"submitted on A: HTTP {status}")
    with engine.connect() as conn:
        tracking_no, attachment_id, stored_name, sha = conn.execute(text(
            "SELECT c.tracking_no, a.id, a.stored_name, a.sha256 FROM cases c JOIN attachments a "
            "ON a.case_id = c.id WHERE c.submission_key = :k"), {"k": key}).one()
    staff = Visitor("127.0.0.3")
    staff.login(port_b, seeded["dispatcher"])
    _s, _h, listing = staff.request(port_b, "GET", "/office/cases")
    check(tracking_no.encode() in listing, f"case {tracking_no} listed on B (/office/cases)")
    status, headers, served = staff.request(port_b, "GET", f"/media/{attachment_id}")
    in_s3 = s3.get_object(Bucket=bucket, Key=stored_name)["Body"].read()
    check(status == 200 and served == in_s3 and hashlib.sha256(served).hexdigest() == sha,
          f"photo served by B: HTTP {status}, {len(served)} bytes, equal to the S3 object "
          f"{stored_name[:16]}… and to the sha256 in the database")
    status, headers, part = staff.request(port_b, "GET", f"/media/{attachment_id}",
                                          headers={"Range": "bytes=0-99"})
    check(status == 206 and part == in_s3[:100], f"a range of it from B: HTTP {status}")
    status, _h, _ = Visitor("127.0.0.4").request(port_b, "GET", f"/media/{attachment_id}")
    check(status == 302, f"without a login B refuses it: HTTP {status} (to the login page)")

    # 2. A per-IP limit counts across both.
    print(f"\n2. The per-IP limit ({RATE_LIMIT} per minute) counts across A and B")
    limited = Visitor("127.0.0.5")
    seen = []
    for i in range(RATE_LIMIT + 2):
        name, port = ("A", port_a) if i % 2 == 0 else ("B", port_b)
        key, csrf = limited.form(port, seeded["token"])
        body, ctype = submission(key, csrf, None, 1000 + i)
        status, _h, _ = limited.request(port, "POST", f"/q/{seeded['token']}", body,
                                        {"Content-Type": ctype})
        seen.append(f"{name}:{status}")
    print("  " + " ".join(seen))
    check([s.split(":")[1] for s in seen] == ["303"] * RATE_LIMIT + ["429", "429"],
          f"{RATE_LIMIT} accepted alternately, then refused on both hosts")
    check(scalar("SELECT count(*) FROM cases WHERE content LIKE '%（第10__件）'") == RATE_LIMIT,
          f"{RATE_LIMIT} cases in the database from that address")

    # 3. Reminders fire once while both instances (and their schedulers) run.
    print(f"\n3. Reminders: {reminder_n} urgent cases 20 minutes into a 30-minute sign limit "
          f"(the 50 % reminder is due); 5 processes may tick (scheduler + 2 workers × A, B)")
    expected = reminder_n * 2  # the department's handler and head
    deadline = time.monotonic() + 60
    count_sql = ("SELECT count(*) FROM notifications WHERE kind LIKE 'remind%' "
                 "AND case_id IN (SELECT id FROM cases WHERE content LIKE '演练提醒%')")
    while time.monotonic() < deadline and (scalar(count_sql) < expected
                                           or len(robot_hits) < reminder_n):
        time.sleep(0.5)
    time.sleep(8)  # four more ticks: nothing more may come
    notifications = scalar(count_sql)
    distinct = scalar(count_sql.replace("count(*)", "count(DISTINCT (case_id, recipient_id, kind))"))
    deliveries = scalar("SELECT count(*) FROM deliveries d JOIN notifications n ON "
                        "n.id = d.notification_id WHERE n.kind LIKE 'remind%' AND d.status = 'sent'")
    sent = scalar("SELECT count(*) FROM deliveries WHERE status = 'sent'")
    logs = {process.name: process.read_log() for process in (scheduler, a, b)}
    active = {name: log.count("is the active scheduler") for name, log in logs.items()}
    contenders = 1 + sum(log.count("scheduler: started in the web process") for log in logs.values())
    print(f"  notifications {notifications} (expected {expected}), distinct (case, recipient, kind) "
          f"{distinct}; reminder webhook messages sent {deliveries} (expected {reminder_n})")
    print(f"  all webhook deliveries sent {sent} (new cases, dispatches, reminders); POSTs the "
          f"robot received {len(robot_hits)}, distinct idempotency keys {len(set(robot_hits))}")
    print(f"  schedulers running: {contenders}; 'is the active scheduler' in their logs: {active}")
    check(contenders == 5 and sum(active.values()) == 1, "five schedulers ran, one was active")
    check(notifications == expected == distinct, "each reminder queued once")
    check(deliveries == reminder_n and sent == len(robot_hits) == len(set(robot_hits)),
          "each webhook message sent once (the robot saw no key twice)")

    # 4. A's answer lost after its commit: the retry on B gives the same case.
    print("\n4. A commits a submission but its answer never arrives; the client retries on B")
    dropped = Visitor("127.0.0.6")
    key, csrf = dropped.form(port_a, seeded["token"])
    body, ctype = submission(key, csrf, photo(999), 999)
    conn = http.client.HTTPConnection("127.0.0.1", port_a, source_address=(dropped.address, 0))
    conn.request("POST", f"/q/{seeded['token']}", body=body, headers={
        "Content-Type": ctype, "Cookie": "; ".join(f"{k}={v}" for k, v in dropped.cookies.items())})
    deadline = time.monotonic() + 30
    while not scalar("SELECT count(*) FROM cases WHERE submission_key = :k", k=key):
        assert time.monotonic() < deadline, "A never committed"
        time.sleep(0.05)
    conn.close()  # the answer is dropped unread (a phone losing its signal)
    status, headers, _ = dropped.request(port_b, "POST", f"/q/{seeded['token']}", body,
                                      {"Content-Type": ctype})
    receipt = headers.get("Location", "")
    made = scalar("SELECT count(*) FROM cases WHERE submission_key = :k", k=key)
    number = scalar("SELECT tracking_no FROM cases WHERE submission_key = :k", k=key)
    path = "/" + receipt.split("://", 1)[-1].split("/", 1)[-1] if receipt else "/"
    _s, _h, page = dropped.request(port_b, "GET", path)
    check(status == 303 and made == 1 and number.encode() in page,
          f"B answered HTTP {status} with the receipt of the case A made ({number} on the "
          f"receipt page); cases with that key: {made}")

    # 5. Kill A during a stream of submissions; clients retry on B with the same key.
    print(f"\n5. {stream_n} submissions with photos from 4 clients; A is SIGKILLed mid-stream")
    photos = [photo(n) for n in range(1, stream_n + 1)]
    keys: dict[int, str] = {}
    retried: list[int] = []
    committed_on_a: list[int] = []
    a_dead = threading.Event()
    outcomes = {}

    def client(worker: int):
        for n in range(worker + 1, stream_n + 1, 4):
            visitor = Visitor(f"127.0.1.{n}")  # an address each: the per-IP limit stays out
            port = port_b if a_dead.is_set() else port_a
            try:
                key, csrf = visitor.form(port, seeded["token"])
            except (OSError, http.client.HTTPException):
                port = port_b
                key, csrf = visitor.form(port, seeded["token"])
            keys[n] = key
            body, ctype = submission(key, csrf, photos[n - 1], n)
            headers = {"Content-Type": ctype}
            try:
                status, _h, _ = visitor.request(port, "POST", f"/q/{seeded['token']}", body,
                                                headers, timeout=20)
            except (OSError, http.client.HTTPException):
                retried.append(n)  # the same submission key, body and cookie, on B
                if scalar("SELECT count(*) FROM cases WHERE submission_key = :k", k=key):
                    committed_on_a.append(n)  # A made the case, its answer was lost
                status, _h, _ = visitor.request(port_b, "POST", f"/q/{seeded['token']}", body,
                                                headers, timeout=20)
            outcomes[n] = status

    def killer():
        while len(outcomes) < stream_n // 3:
            time.sleep(0.01)
        a.kill(signal.SIGKILL)
        a_dead.set()
    threads = [threading.Thread(target=client, args=(w,)) for w in range(4)]
    kill_thread = threading.Thread(target=killer)
    for thread in (*threads, kill_thread):
        thread.start()
    for thread in (*threads, kill_thread):
        thread.join()
    a.popen.wait()
    print(f"  A killed after {stream_n // 3} answers; {len(retried)} in-flight submissions "
          f"retried on B ({sorted(retried)}; of them A had committed "
          f"{sorted(committed_on_a)} before it died); answers: "
          f"{ {s: list(outcomes.values()).count(s) for s in set(outcomes.values())} }")
    with engine.connect() as conn:
        rows = conn.execute(text(
            "SELECT c.submission_key, count(DISTINCT c.id), count(a.id) FROM cases c "
            "LEFT JOIN attachments a ON a.case_id = c.id WHERE c.submission_key IN :keys "
            "GROUP BY c.submission_key").bindparams(
                bindparam("keys", expanding=True)),
            {"keys": list(keys.values())}).all()
        referenced = set(conn.execute(text("SELECT stored_name FROM attachments")).scalars())
        stream_names = set(conn.execute(text(
            "SELECT a.stored_name FROM attachments a JOIN cases c ON c.id = a.case_id "
            "WHERE c.submission_key IN :keys").bindparams(
                bindparam("keys", expanding=True)),
            {"keys": list(keys.values())}).scalars())
    lost = len(keys) - len(rows)
    doubled = sum(1 for _k, cases, _a in rows if cases > 1)
    files = set(s3_files())
    print(f"  database: {len(rows)} cases for {len(keys)} submission keys, lost {lost}, "
          f"doubled {doubled}; attachments per case {sorted({n for *_x, n in rows})}")
    print(f"  S3 server: {len(files)} stored files; {len(stream_names)} of the stream's photos "
          f"referenced, {len(stream_names & files)} present; files no row refers to: "
          f"{len(files - referenced)}; rows whose file is missing: {len(referenced - files)}")
    check(all(status == 303 for status in outcomes.values()) and len(outcomes) == stream_n,
          "every submission got its receipt (303), on A or on B")
    check(lost == 0 and doubled == 0 and len(rows) == stream_n, "none lost, none doubled")
    check(len(stream_names) == stream_n and stream_names <= files and not referenced - files,
          "every photo in the database is on the S3 server")
    check(not files - referenced, "no file on the S3 server without its row")


def seed(env: dict, workdir: Path, reminder_n: int) -> dict:
    """Migrate the fresh schema and create what the drill uses, in a child process with the
    drill's settings (as `flask db upgrade` and an admin would)."""
    code = r'''
import json, sys
from datetime import timedelta
import flask_migrate
from app import create_app
from app.auth.models import Role
from app.auth.operations import create_user
from app.cards.operations import issue_card
from app.cases import operations as ops
from app.cases.models import CaseSource, Category, Urgency
from app.core.clock import fixed_at, utcnow
from app.departments.models import Department, DepartmentKind
from app.enterprises.models import Enterprise
from app.extensions import db
password, reminder_n = sys.argv[1], int(sys.argv[2])
app = create_app()
with app.app_context():
    flask_migrate.upgrade()
    dept = Department(code="MARKET", name="市场监管局", kind=DepartmentKind.functional)
    db.session.add(dept)
    enterprise = Enterprise(name="鲁西轴承有限公司", credit_code="91371500000000001X")
    db.session.add(enterprise)
    db.session.flush()
    create_user("drill_handler", password, Role.handler, department=dept, display_name="办理人",
                must_change_password=False)
    create_user("drill_head", password, Role.department_head, department=dept,
                display_name="负责人", must_change_password=False)
    dispatcher = create_user("drill_dispatcher", password, Role.dispatcher,
                             display_name="调度员", must_change_password=False)
    token = issue_card(enterprise).token
    other = db.session.execute(db.select(Category).filter_by(code="other")).scalar_one()
    with fixed_at(utcnow() - timedelta(minutes=20)):  # 50 % of a 30-minute limit has passed
        for n in range(reminder_n):
            case, _ = ops.submit_case(source=CaseSource.hotline, category=other,
                                      content=f"演练提醒{n}：紧急件", contact_name="张先生",
                                      contact_phone="13800138000", urgency=Urgency.urgent,
                                      actor=dispatcher)
            ops.dispatch_case(case, dispatcher, dept)
    db.session.commit()
    print(json.dumps({"token": token, "dispatcher": "drill_dispatcher"}))
'''
    (workdir / "seed").mkdir()
    result = subprocess.run([sys.executable, "-c", code, PASSWORD, str(reminder_n)], cwd=ROOT,
                            env=dict(env, MEDIA_ROOT=str(workdir / "seed"), SCHEDULER="off"),
                            capture_output=True, text=True)
    if result.returncode:
        sys.stderr.write(result.stdout + result.stderr)
        raise SystemExit("seeding failed")
    return json.loads(result.stdout.strip().splitlines()[-1])


if __name__ == "__main__":
    sys.exit(main())
