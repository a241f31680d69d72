"""The application's clock (app/core/clock.py) and the moved-clock leg's guard."""
from datetime import datetime, timedelta, timezone
import json
import os
from pathlib import Path
import subprocess
import sys
import time

import pytest

from app.core import clock

ROOT = Path(__file__).resolve().parents[2]
MARCH_2031 = datetime(2031, 3, 15, 2, 0, tzinfo=timezone.utc)  # 10:00 in Shanghai


def test_fixed_clock_moves_now_and_the_office_day_then_gives_them_back():
    real_before = datetime.now(timezone.utc)
    with clock.fixed_at(MARCH_2031):
        assert clock.utcnow() == MARCH_2031
        assert str(clock.local_today()) == "2031-03-15"
    assert abs(clock.utcnow() - real_before) < timedelta(minutes=5)
    with pytest.raises(ValueError):
        clock.set_fixed(datetime(2031, 3, 15))  # naive: refused


def test_the_cli_reads_the_same_clock(app, runner, fixed_clock):
    """`flask metrics show` with no period takes the current month of the app's clock."""
    fixed_clock.set(MARCH_2031)
    result = runner.invoke(args=["metrics", "show", "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    assert (shown["period"]["from"], shown["period"]["to"]) == ("2031-03-01", "2031-04-01")


def test_the_moved_clock_leg_refuses_to_run_on_todays_date():
    """With EXPECT_CLOCK_MOVED=1 but no libfaketime, the suite stops before any test."""
    env = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FAKETIME")}
    env |= {"EXPECT_CLOCK_MOVED": "1", "REAL_EPOCH": str(time.time())}
    run = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "--co", "-q",
                          "tests/foundation/test_clock.py"], cwd=ROOT, env=env,
                         capture_output=True, text=True, timeout=120)
    assert run.returncode != 0
    assert "the wall clock did not move" in run.stdout + run.stderr
    assert "moved clock: this process sees" in run.stdout
