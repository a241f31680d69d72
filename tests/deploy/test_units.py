"""deploy/: the systemd units name commands and files that exist, and the environment file
lists every setting config.py reads (docs/deploy.md)."""
import configparser
import importlib
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from app import create_app
from tests.conftest import ROOT, make_config

DEPLOY = ROOT / "deploy"
UNITS = sorted(DEPLOY.glob("*.service"))
APP_DIR = "/opt/mashangban"  # where the units expect the checkout


def unit(path):
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str
    parser.read_string(path.read_text(encoding="utf-8").replace("\\\n", " "))
    return parser


def exec_start(path) -> list[str]:
    words = shlex.split(unit(path)["Service"]["ExecStart"])
    if words[:2] == ["/bin/sh", "-c"]:
        words = shlex.split(words[2].replace("$(", "").replace(")", ""))
        words = [w for w in words if w != "exec"]
    return words


def local(path: str):
    """A unit's /opt/mashangban/… path, in this checkout."""
    assert path.startswith(APP_DIR + "/"), path
    return ROOT / path[len(APP_DIR) + 1:]


def test_the_expected_units_are_there():
    names = {path.name for path in UNITS}
    assert {"mashangban-web.service", "mashangban-scheduler.service",
            "mashangban-backup.service"} <= names
    assert (DEPLOY / "mashangban-backup.timer").exists()
    assert (DEPLOY / "nginx-mashangban.conf").exists()


@pytest.mark.parametrize("path", UNITS, ids=lambda p: p.name)
def test_every_unit_runs_a_program_of_the_venv_or_the_checkout(path):
    service = unit(path)["Service"]
    assert service["WorkingDirectory"] == APP_DIR
    assert service["EnvironmentFile"] == "/etc/mashangban/mashangban.env"
    program = exec_start(path)[0]
    assert program.startswith(f"{APP_DIR}/.venv/bin/"), program
    # The program is one the requirements install: it is in the venv running these tests.
    assert (Path(sys.executable).parent / program.rsplit("/", 1)[1]).exists(), program
    for key in ("ExecStartPost",):
        if key in service:
            helper = local(shlex.split(service[key])[0])
            assert helper.exists() and helper.stat().st_mode & 0o111


def test_the_web_unit_serves_wsgi_app_with_the_gunicorn_config_and_no_scheduler():
    path = DEPLOY / "mashangban-web.service"
    words = exec_start(path)
    assert words[0].endswith("/gunicorn")
    config = words[words.index("--config") + 1]
    assert (ROOT / config).is_file()
    module, _, attribute = words[-1].partition(":")
    assert getattr(importlib.import_module(module), attribute).wsgi_app
    environment = unit(path)["Service"]["Environment"]
    assert "SCHEDULER=off" in path.read_text() and environment
    assert "PROMETHEUS_MULTIPROC_DIR=/run/mashangban/metrics" in path.read_text()
    # gunicorn accepts the unit's options (its own parser, without starting).
    from gunicorn.config import Config
    parsed = Config().parser().parse_args(words[1:])
    assert parsed.workers == 5 and parsed.timeout == 120 and parsed.config == config


def flask_commands(words):
    assert words[0].endswith("/flask") and words[1:3] == ["--app", "wsgi"]
    args = words[3:]
    return [arg for arg in args if not arg.startswith("-")][:2], args


@pytest.mark.parametrize("name", ["mashangban-scheduler.service", "mashangban-backup.service"])
def test_the_flask_subcommands_of_the_units_exist(migrated, tmp_path, name):
    app = create_app(make_config(migrated, tmp_path))
    (group, command), args = flask_commands(exec_start(DEPLOY / name))
    assert group in app.cli.commands, f"no `flask {group}`"
    click_group = app.cli.commands[group]
    assert command in click_group.commands, f"no `flask {group} {command}`"
    # Its options parse (--help is not asked: the real parser meets the real arguments).
    params = {opt for param in click_group.commands[command].params for opt in param.opts}
    assert {arg for arg in args if arg.startswith("--")} <= params


def settings_read_by_config() -> set[str]:
    source = (ROOT / "config.py").read_text(encoding="utf-8")
    names = set(re.findall(r'(?:environ\.get|environ\[|_env_bool)\(?\s*"([A-Z][A-Z0-9_]+)"',
                           source))
    names |= set(re.findall(r'os\.environ\["([A-Z][A-Z0-9_]+)"\]', source))
    app_source = (ROOT / "app" / "__init__.py").read_text(encoding="utf-8")
    names |= set(re.findall(r'environ\.get\("([A-Z][A-Z0-9_]+)"', app_source))
    return names


def test_the_environment_file_lists_every_setting():
    names = settings_read_by_config()
    assert {"SECRET_KEY", "DATABASE_URL", "TRUSTED_PROXIES", "METRICS_TOKEN", "APP_ENV",
            "HSTS_SECONDS", "LOG_FORMAT"} <= names  # the scan finds them at all
    text = (DEPLOY / "mashangban.env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", text, re.M))
    assert names - listed == set()
    for name in ("MEDIA_STORAGE", "S3_ENDPOINT_URL", "S3_BUCKET", "S3_ACCESS_KEY_ID",
                 "S3_SECRET_ACCESS_KEY", "S3_REGION", "PROMETHEUS_MULTIPROC_DIR"):
        assert name in listed


def test_the_prune_script_keeps_the_retention_schedule(tmp_path):
    from datetime import date, timedelta
    today = date(2026, 11, 17)  # PRUNE_TODAY: the script's "today", not the machine's
    kept_expected, made = set(), []
    for age in [*range(0, 60), *range(60, 400, 3)]:
        name = f"{today - timedelta(days=age):%Y-%m-%d}T0230Z"
        (tmp_path / name).mkdir()
        (tmp_path / name / "manifest.json").write_text("{}")
        made.append((age, name))
    subprocess.run([DEPLOY / "prune-backups.sh", tmp_path], check=True,
                   env={"PATH": "/usr/bin:/bin", "PRUNE_TODAY": f"{today:%Y-%m-%d}"})
    kept = {p.name for p in tmp_path.iterdir()}
    ages = sorted(age for age, name in made if name in kept)
    assert ages[:7] == list(range(7))  # every day of the last week
    assert 4 <= len([a for a in ages if 7 <= a < 35]) <= 5  # one a week for five weeks
    assert 10 <= len([a for a in ages if 35 <= a < 366]) <= 12  # one a month for a year
    assert max(ages) < 366
