"""Rate limits hold across worker processes when they count in Redis (issue 16, item 9)."""
import os
from pathlib import Path
import re
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
import uuid
from concurrent.futures import ThreadPoolExecutor
from http.cookiejar import CookieJar

import pytest

ROOT = Path(__file__).resolve().parents[2]
REDIS = "redis://127.0.0.1:6379/0"
LIMIT = 6


def redis_or_skip():
    import redis
    try:
        client = redis.Redis.from_url(REDIS, socket_connect_timeout=1)
        client.ping()
        return client
    except redis.RedisError:
        if os.environ.get("REQUIRE_POSTGRES") == "1":  # CI: the services must be there
            pytest.fail(f"no Redis answers at {REDIS}")
        pytest.skip(f"no Redis answers at {REDIS}")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def healthz(base):
    try:
        urllib.request.urlopen(f"{base}/healthz", timeout=2).read()
    except OSError:
        pass


def pids_in(log: Path, statuses=("200",)) -> set[str]:
    if not log.exists():
        return set()
    return {line.split()[0] for line in log.read_text().splitlines()
            if line.split()[1] in statuses}


@pytest.fixture
def two_workers(app, tmp_path):
    """gunicorn with 2 sync workers over the test's database, limits counted in Redis."""
    client = redis_or_skip()
    prefix = f"msb-test-{uuid.uuid4().hex[:8]}"
    port = free_port()
    log = tmp_path / "access.log"
    env = dict(os.environ, DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"],
               APP_ENV="development", SECRET_KEY="x" * 8 + uuid.uuid4().hex,
               MEDIA_ROOT=str(tmp_path / "media"), SCHEDULER="off",
               RATELIMIT_STORAGE_URI=REDIS, RATELIMIT_KEY_PREFIX=prefix,
               ACCESS_CODE_RATELIMIT=f"{LIMIT} per hour")
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "--workers", "2", "--bind", f"127.0.0.1:{port}",
         "--access-logfile", str(log), "--access-logformat", "%(p)s %(s)s %(U)s", "wsgi:app"],
        cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 30
    while len(pids_in(log)) < 2:  # both workers booted and answering
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"gunicorn did not start two workers: {process.stderr.read()[-2000:]}")
        with ThreadPoolExecutor(8) as pool:
            list(pool.map(lambda _: healthz(base), range(8)))
        time.sleep(0.2)
    yield base, log
    process.terminate()
    process.wait(timeout=20)
    for key in client.scan_iter(f"{prefix}*"):
        client.delete(key)


def test_access_code_tries_are_counted_once_across_two_workers(two_workers):
    base, log = two_workers
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))
    page = opener.open(f"{base}/t/N0TACASE00").read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    tries = 2 * LIMIT + 4
    start = threading.Barrier(tries)

    def try_a_code(i):
        # A different made-up number each time: no per-number lock, only the per-IP limit.
        body = urllib.parse.urlencode({"csrf_token": token, "code": "000000"}).encode()
        request = urllib.request.Request(f"{base}/t/N0TACASE{i:02d}", data=body,
                                         headers={"Connection": "close"})
        start.wait()  # all at once, so both workers take some
        try:
            return opener.open(request, timeout=30).status
        except urllib.error.HTTPError as error:
            return error.code

    with ThreadPoolExecutor(tries) as pool:
        statuses = list(pool.map(try_a_code, range(tries)))
    assert sorted(statuses) == [400] * LIMIT + [429] * (tries - LIMIT), statuses
    time.sleep(0.5)  # gunicorn writes its access log after the response
    # Were one worker to serve every try, memory:// would pass too and this would prove nothing.
    assert len(pids_in(log, ("400", "429"))) == 2, log.read_text()
