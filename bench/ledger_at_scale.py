"""The ledger and long periods at scale: today's code and this code, same databases, same run.

    /work/main/.venv/bin/python bench/ledger_at_scale.py [--old 66a4b12] [--only pg1m,sqlite1m,pg10m] [--skip-10m] [--skip-ledger] [--keep]

Prints, each the median of three, beside the same measure of the code at `--old` (extracted
with `git archive` into a temporary directory and run in its own process against the same
database):

- the ledger of 100,000 rows (the first 109 days of the 1,000,000 cases) downloaded through
  the view as an admin: total time, time to the first byte the browser receives, and the
  process's peak memory above what it held before the export;
- the whole dashboard (`dashboard_figures`, as /figures/ runs it) for three years, on
  PostgreSQL and SQLite, at 1,000,000 cases (three calls after the process's first, which
  also connects and compiles the statements and is reported apart as `first_ms`);
- at 10,000,000 cases on PostgreSQL (a province's decade: one case every 31 s from 2024): the
  one-year dashboard and the scheduler tick with 1,000 cases due (sending excluded), with the
  day's digests due and with them already sent (each tick measure after one untimed tick,
  as a scheduler ticking every minute keeps its pages in the cache).

The data: bench/figures.py's generator (one INSERT … SELECT per table; states, deadlines met
and missed, ratings, returns, reopenings; replies; submit, dispatch, sign, reply, rate and
return audit events). The 1,000,000 cases live in the schema `ledger_at_scale` of the benches'
database `bench` and in /tmp/ledger_at_scale_1m.sqlite3; the 10,000,000 in their own database
`bench_10m`. They are built once and reused while they hold the expected number of cases;
without `--keep` they are dropped at the end. Before this code's dashboards are timed, the
closed months are pre-aggregated (`rollup.refresh`, timed and printed), as the scheduler's
`figures-rollup` job keeps them.
"""
import argparse
import json
import os
from pathlib import Path
import resource
import statistics
import subprocess
import sys
import tempfile
import time

HERE = Path(__file__).resolve().parent
PG_1M = "postgresql+psycopg://postgres@127.0.0.1:5432/bench?options=-csearch_path%3Dledger_at_scale"
PG_10M = "postgresql+psycopg://postgres@127.0.0.1:5432/bench_10m"
SQLITE_1M = "sqlite:////tmp/ledger_at_scale_1m.sqlite3"
NOW_1M = "2026-12-31T04:00:00+00:00"
NOW_10M = "2033-12-20T03:00:00+00:00"  # a Tuesday, 11:00 local
STEP_10M = 31


# --- measuring (run in a child process, with the code under test first on sys.path) ----------

def measure(code: str, url: str, what: str, now: str) -> dict:
    sys.path.insert(0, code)
    from datetime import date, datetime, timedelta
    from app import create_app
    from app.extensions import db
    from config import TestingConfig

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    now = datetime.fromisoformat(now)
    with app.app_context():
        if what == "ledger":
            return _measure_ledger(app, db)
        if what.startswith("dashboard"):
            from app.figures import queries
            years = int(what.split(":")[1])
            end = date(now.year + 1, 1, 1) if years == 3 else date(now.year, 1, 1)
            start = date(end.year - years, 1, 1)

            def dashboard():
                data = queries.dashboard_figures(start, end, None, now)
                db.session.execute(data["overdue_ids"].limit(50)).all()
                db.session.rollback()
            # The first call of a fresh process also connects and compiles every statement
            # (a server's worker does that once): reported apart, not among the three.
            first = _times(dashboard, repeat=1)
            return {"ms": _times(dashboard), "first_ms": first,
                    "period": f"{start}..{end - timedelta(days=1)}"}
        if what in ("tick", "tick:nodigest"):
            return _measure_tick(db, now, digest=what == "tick")
    raise ValueError(what)


def _times(fn, repeat=3) -> list[float]:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    return times


def _measure_ledger(app, db) -> dict:
    """One download of the 100,000-row ledger through the view, as the admin."""
    from flask_login import login_user
    from app.auth.models import User
    user = db.session.execute(db.select(User).filter_by(username="bench_admin")).scalar_one()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    with app.test_request_context("/figures/ledger.xlsx?from=2024-01-01&to=2024-04-19"):
        login_user(user)
        started = time.perf_counter()
        response = app.view_functions["figures.ledger"]()
        chunks = iter(response.response)
        first = next(chunks)
        first_byte = time.perf_counter() - started
        size = len(first) + sum(len(chunk) for chunk in chunks)
        total = time.perf_counter() - started
        response.close()
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"total_s": total, "first_byte_s": first_byte, "bytes": size,
            "peak_mb": (peak - baseline) / 1024}


def _measure_tick(db, now, digest: bool = True) -> dict:
    """Three ticks (after an untimed one) with the same 1,000 cases due each time. With
    `digest` the notifications are all deleted before each tick, so each sends the day's
    digests again (as the first tick after 08:30 of a working day does); without, the day's
    digests are sent once before the timed ticks and kept, so the ticks are the other 1,439
    of the day's (sending excluded).
    BENCH_EXPLAIN=FILE runs one tick instead, and appends PostgreSQL's plan (auto_explain,
    EXPLAIN ANALYZE) of each of its statements that took over 20 ms to FILE."""
    from datetime import timedelta
    from sqlalchemy import event, text
    from app.reminders import tasks
    keep = "WHERE kind NOT LIKE 'digest%'" if not digest else ""
    if not digest:
        tasks.send_digests(now)
    explain = os.environ.get("BENCH_EXPLAIN")
    times = []
    # One untimed tick first: the scheduler ticks every minute, so the pages a tick reads are
    # hot in production; without it, "after" (timed right after "before" read millions of
    # rows) started from a cache the other code had just filled with its own pages.
    for run in range(1 if explain else 4):
        db.session.remove()
        with db.engine.begin() as conn:
            conn.execute(text(f"DELETE FROM deliveries WHERE notification_id IN "
                              f"(SELECT id FROM notifications {keep})"))
            conn.execute(text(f"DELETE FROM notifications {keep}"))
            conn.execute(text("UPDATE cases SET next_check_at = :at, escalation_level = 0 "
                              "WHERE id IN (SELECT id FROM bench_due)"),
                         {"at": (now - timedelta(minutes=15)).replace(tzinfo=None)})
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE cases, notifications, deliveries"))
        if explain:
            db.engine.dispose()
            out = open(explain, "a")
            out.write(f"\n===== tick ({'digest due' if digest else 'no digest'}) =====\n")

            @event.listens_for(db.engine, "connect")
            def _auto_explain(dbapi_connection, _record):
                dbapi_connection.add_notice_handler(
                    lambda diag: out.write(f"{diag.message_primary}\n"))
                with dbapi_connection.cursor() as cursor:
                    cursor.execute("LOAD 'auto_explain'")
                    cursor.execute("SET auto_explain.log_min_duration = 20")
                    cursor.execute("SET auto_explain.log_analyze = on")
                    cursor.execute("SET auto_explain.log_buffers = on")
                    cursor.execute("SET client_min_messages = log")
                dbapi_connection.commit()
        started = time.perf_counter()
        result = tasks.tick(now, deliver=False)
        if run or explain:
            times.append((time.perf_counter() - started) * 1000)
        if explain:
            db.session.remove()
            event.remove(db.engine, "connect", _auto_explain)
            db.engine.dispose()
            out.close()
    return {"ms": times, "result": str(result)}


# --- building the data (this code) -----------------------------------------------------------

def build(url: str, cases: int, step: int, label: str) -> None:
    """Generate `cases` cases at `url` unless it holds them already; add the bench's users."""
    sys.path.insert(0, str(HERE.parent))
    sys.path.insert(0, str(HERE))
    import flask_migrate
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    import figures as generator
    from app import create_app
    from app.extensions import db
    from config import TestingConfig
    target = make_url(url)
    if target.get_backend_name() == "postgresql":
        generator.ensure_database(url.split("?")[0])
        schema = dict(target.query).get("options", "").partition("search_path=")[2]
        if schema:
            admin = create_engine(url.split("?")[0], isolation_level="AUTOCOMMIT")
            with admin.connect() as conn:
                conn.execute(text(f'CREATE SCHEMA IF NOT EXISTS "{schema}"'))
            admin.dispose()

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url

    app = create_app(Config)
    with app.app_context():
        flask_migrate.upgrade()
        have = db.session.execute(text("SELECT count(*) FROM cases")).scalar()
        db.session.rollback()
        if have == cases:
            print(f"[{label}] {cases:,} cases already there", flush=True)
            return
        assert have == 0, f"{label}: {have} cases, expected 0 or {cases}"
        dialect = generator.Dialect(db.engine.dialect.name)
        started = time.perf_counter()
        with db.engine.begin() as conn:
            if dialect.name == "postgresql":  # no per-row trigger while bulk loading: no
                conn.execute(text("SET LOCAL session_replication_role = replica"))  # month is built
                generator.generate(conn, dialect, cases, step)
            else:  # SQLite has no such switch: the events' trigger is dropped while loading (its
                trigger = conn.execute(text(  # per-row lookups took over 25 minutes) and put back
                    "SELECT sql FROM sqlite_master WHERE type = 'trigger' "
                    "AND name = 'audit_events_previous'")).scalar_one()
                conn.execute(text("DROP TRIGGER audit_events_previous"))
                generator.generate(conn, dialect, cases, step)
                conn.execute(text(trigger))
            # The events' previous times and the departments' case counts, as the triggers
            # (off while loading) keep them.
            conn.execute(text(_migration("0110").FILL))
            conn.execute(text("DELETE FROM department_case_counts"))  # SQLite's kept on
            conn.execute(text(_migration("0160").FILL))
            conn.execute(text(
                "INSERT INTO users (username, display_name, role, department_id, password_hash, "
                "must_change_password, email, is_active, failed_logins, session_version, "
                "created_at) SELECT r || d.id, r || d.id, r, d.id, 'x', FALSE, "
                "r || d.id || '@example.test', TRUE, 0, 1, CURRENT_TIMESTAMP FROM departments d "
                "CROSS JOIN (SELECT 'handler' AS r UNION ALL SELECT 'department_head') v"))
            conn.execute(text(
                "INSERT INTO users (username, display_name, role, password_hash, "
                "must_change_password, is_active, failed_logins, session_version, created_at) "
                "VALUES ('bench_admin', '基准管理员', 'admin', 'x', FALSE, TRUE, 0, 1, "
                "CURRENT_TIMESTAMP)"))
            # The reminder tick's due cases: 1,000 open cases of the last days.
            conn.execute(text(
                "CREATE TABLE bench_due AS SELECT id FROM cases WHERE state IN "
                "('dispatched', 'signed') ORDER BY submitted_at DESC LIMIT 1000"))
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if dialect.name == "postgresql" else "ANALYZE"))
        print(f"[{label}] generated {cases:,} cases in {time.perf_counter() - started:.0f} s",
              flush=True)


def _migration(number: str):
    import importlib.util
    path, = (HERE.parent / "migrations" / "versions").glob(f"{number}_*.py")
    spec = importlib.util.spec_from_file_location(f"migration_{number}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def prebuild(url: str, now: str, label: str) -> None:
    """This code's pre-aggregation of the closed months, as the scheduler's job does it."""
    sys.path.insert(0, str(HERE.parent))
    from datetime import datetime
    from app import create_app
    from app.extensions import db
    from app.figures import rollup
    from config import TestingConfig

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url

    with create_app(Config).app_context():
        started = time.perf_counter()
        months = rollup.refresh(datetime.fromisoformat(now))
        if months:
            print(f"[{label}] pre-aggregated {months} closed months in "
                  f"{time.perf_counter() - started:.1f} s", flush=True)
        db.session.remove()


def drop(url: str) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url
    target = make_url(url)
    if target.get_backend_name() == "sqlite":
        Path(target.database).unlink(missing_ok=True)
        return
    schema = dict(target.query).get("options", "").partition("search_path=")[2]
    server = create_engine(target.set(database="postgres", query={}), isolation_level="AUTOCOMMIT")
    with server.connect() as conn:
        if schema:
            base = create_engine(url.split("?")[0], isolation_level="AUTOCOMMIT")
            with base.connect() as c:
                c.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            base.dispose()
        else:
            conn.execute(text(f'DROP DATABASE "{target.database}"'))
    server.dispose()


# --- the driver ---------------------------------------------------------------------------------

def child(script_args: list[str]) -> str:
    result = subprocess.run([sys.executable, str(Path(__file__).resolve()), *script_args],
                            capture_output=True, text=True)
    if result.returncode:
        sys.stderr.write(result.stderr[-3000:])
        raise SystemExit(f"failed: {script_args}")
    return result.stdout


def run_measure(code: str, url: str, what: str, now: str, repeat: int = 1) -> list[dict]:
    return [json.loads(child(["--measure", code, url, what, now]).strip().splitlines()[-1])
            for _ in range(repeat)]


def median(values):
    return statistics.median(values)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--old", default="66a4b12", help="the commit of today's code")
    parser.add_argument("--only", default="pg1m,sqlite1m,pg10m",
                        help="which data: a comma-separated part of pg1m,sqlite1m,pg10m")
    parser.add_argument("--skip-10m", action="store_true", help="the same as --only pg1m,sqlite1m")
    parser.add_argument("--keep", action="store_true", help="keep the databases for a next run")
    parser.add_argument("--skip-ledger", action="store_true", help="the dashboards only")
    parser.add_argument("--measure", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--build", nargs=4, help=argparse.SUPPRESS)
    parser.add_argument("--prebuild", nargs=3, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    if args.build:
        url, cases, step, label = args.build
        build(url, int(cases), int(step), label)
        return
    if args.prebuild:
        prebuild(*args.prebuild)
        return

    old = Path(tempfile.mkdtemp(prefix="bench-old-code-"))
    repo = HERE.parent
    archive = subprocess.run(["git", "-C", str(repo), "archive", args.old], capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
    new = str(repo)
    only = set(args.only.split(",")) - ({"pg10m"} if args.skip_10m else set())
    targets = [target for key, target in (
        ("pg1m", (PG_1M, 1_000_000, 94, "postgresql 1M")),
        ("sqlite1m", (SQLITE_1M, 1_000_000, 94, "sqlite 1M")),
        ("pg10m", (PG_10M, 10_000_000, STEP_10M, "postgresql 10M"))) if key in only]
    rows = []
    try:
        for url, cases, step, label in targets:
            print(child(["--build", url, str(cases), str(step), label]), end="", flush=True)
            now = NOW_10M if cases == 10_000_000 else NOW_1M
            print(child(["--prebuild", url, now, label]), end="", flush=True)
            measures = []
            if cases == 1_000_000 and url.startswith("postgresql"):
                measures.append(("ledger", "ledger 100,000 rows"))
            if cases == 1_000_000:
                measures.append(("dashboard:3", "dashboard, three years"))
            else:
                measures += [("dashboard:1", "dashboard, one year"),
                             ("tick", "reminder tick, 1,000 due, the day's digests due"),
                             ("tick:nodigest", "reminder tick, 1,000 due, digests already sent")]
            if cases == 1_000_000 and url.startswith("sqlite"):
                measures.append(("ledger", "ledger 100,000 rows"))
            if args.skip_ledger:
                measures = [(what, title) for what, title in measures if what != "ledger"]
            for what, title in measures:
                result = {}
                for name, code in (("before", str(old)), ("after", new)):
                    if what == "ledger":  # one download per process: memory is per process
                        runs = run_measure(code, url, what, now, repeat=3)
                        result[name] = {key: median([r[key] for r in runs])
                                        for key in ("total_s", "first_byte_s", "peak_mb")}
                    else:
                        measured = run_measure(code, url, what, now)[0]
                        result[name] = median(measured["ms"])
                        if "first_ms" in measured:
                            result[f"{name} first call"] = measured["first_ms"][0]
                result["load"] = os.getloadavg()[0]
                rows.append((label, title, result))
                print(f"[{label}] {title}: {result}", flush=True)
    finally:
        subprocess.run(["rm", "-rf", str(old)])
        if not args.keep:
            for url, *_rest in targets:
                drop(url)

    print(f"\n| at | what | before ({args.old}) | after | load average |\n|---|---|---|---|---|")
    for label, title, result in rows:
        if "ledger" in title:
            b, a = result["before"], result["after"]
            load = f"{result['load']:.1f}"
            print(f"| {label} | {title}: total | {b['total_s']:.1f} s | {a['total_s']:.1f} s "
                  f"| {load} |")
            print(f"| {label} | {title}: first byte | {b['first_byte_s']:.1f} s | "
                  f"{a['first_byte_s']:.2f} s | {load} |")
            print(f"| {label} | {title}: peak memory | {b['peak_mb']:.0f} MB | "
                  f"{a['peak_mb']:.0f} MB | {load} |")
        else:
            print(f"| {label} | {title} | {result['before']:.0f} ms | {result['after']:.0f} ms "
                  f"| {result['load']:.1f} |")
    print(f"\nload average at the end: {os.getloadavg()[0]:.1f} (2 CPUs, shared)")


if __name__ == "__main__":
    main()
