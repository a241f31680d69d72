"""The several-host drill (bench/several_hosts.py --quick) on the PostgreSQL leg: two gunicorn
instances and a scheduler sharing PostgreSQL, Redis and an S3 server (moto). ~50 s."""
import os
from pathlib import Path
import subprocess
import sys

import pytest

from tests.conftest import is_postgres

ROOT = Path(__file__).resolve().parent.parent.parent


def redis_answers(url="redis://127.0.0.1:6379/0") -> bool:
    import redis
    try:
        return bool(redis.Redis.from_url(url, socket_connect_timeout=1).ping())
    except redis.RedisError:
        return False


@pytest.mark.skipif(not is_postgres(os.environ.get("DATABASE_URL") or "sqlite://"),
                    reason="the drill shares PostgreSQL between hosts (PostgreSQL leg only)")
def test_two_hosts_share_cases_media_limits_and_one_scheduler():
    if not redis_answers():
        pytest.fail("the several-host drill needs Redis at 127.0.0.1:6379")
    result = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "several_hosts.py"), "--quick"], cwd=ROOT,
        env=dict(os.environ, DRILL_DATABASE_URL=os.environ["DATABASE_URL"]),
        capture_output=True, text=True, timeout=300)
    print(result.stdout)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert "ALL CHECKS PASSED" in result.stdout and "[FAIL]" not in result.stdout
    checks = [line.strip() for line in result.stdout.splitlines() if line.strip().startswith("[")]
    for shown in ("listed on B", "photo served by B", "refused on both hosts",
                  "five schedulers ran, one was active", "each reminder queued once",
                  "each webhook message sent once", "with the receipt of the case A made",
                  "none lost, none doubled",
                  "every photo in the database is on the S3 server",
                  "no file on the S3 server without its row"):
        assert any(line.startswith("[ok]") and shown in line for line in checks), shown
