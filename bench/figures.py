"""Bench the dashboard's queries over 1,000,000 cases and the ledger export of 100,000 rows.

    /work/main/.venv/bin/python bench/figures.py [--cases 1000000] [--export 100000]
        [--db sqlite|postgresql|both] [--pg URL]

Each database gets its own throwaway store: a fresh PostgreSQL schema (dropped at the end) in
the benches' own database `bench` (created when missing; never the test suite's `test`),
and a fresh SQLite file under /tmp (deleted at the end). The cases are generated in bulk by
one INSERT … SELECT (generate_series on PostgreSQL, a recursive CTE on SQLite) with a
deterministic mix of states, deadlines met and missed, ratings, returns, extensions and
reopenings; replies and `return` audit events follow in bulk too.
"""
import argparse
from datetime import date, timedelta
import os
from pathlib import Path
import resource
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
import uuid

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from app.extensions import db  # noqa: E402
from app.workdays.calendar import WorkCalendar  # noqa: E402
from config import TestingConfig  # noqa: E402

# The benches' own database: a million-case bench must not load the database the suite uses.
DEFAULT_PG = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"
FIRST_DAY = "2024-01-01 00:00:00"
STEP_SECONDS = 94  # 1,000,000 cases × 94 s ≈ three years of submissions
DEPARTMENTS = 24
ENTERPRISES = 2000
SOURCES = ["card", "card", "card", "hall", "hotline", "visit", "meeting", "review"]
RATINGS = ["very_satisfied", "very_satisfied", "satisfied", "satisfied", "satisfied",
           "basically_satisfied", "satisfied", "very_satisfied", "dissatisfied", "very_satisfied"]


class Dialect:
    """The few SQL spellings that differ between the two databases."""

    def __init__(self, name):
        self.name = name

    def series(self, n):
        if self.name == "postgresql":
            return "", f"generate_series(1, {n}) AS s(i)"
        return (f"WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {n}) ",
                "s")

    def at(self, seconds_expr):
        """A timestamp FIRST_DAY + seconds, in the storage format SQLAlchemy uses."""
        if self.name == "postgresql":
            return f"(TIMESTAMP '{FIRST_DAY}' + ({seconds_expr}) * INTERVAL '1 second')"
        return (f"(strftime('%Y-%m-%d %H:%M:%S', '{FIRST_DAY}', '+' || ({seconds_expr}) || "
                f"' seconds') || '.000000')")


def _pick(values, expr):
    whens = " ".join(f"WHEN {k} THEN '{v}'" for k, v in enumerate(values))
    return f"(CASE ({expr}) % {len(values)} {whens} END)"


LOCAL_OFFSET = 8 * 3600  # FIRST_DAY is UTC midnight; Shanghai is UTC+8 all year


def write_day_table(conn, n: int, step: int = STEP_SECONDS):
    """bench_days(n, cum, wd): working seconds before each local day since FIRST_DAY's."""
    calendar = WorkCalendar()
    first = date(2024, 1, 1)
    days = (n * step + 40 * 86400) // 86400 + 2
    conn.execute(text("CREATE TABLE bench_days (n INTEGER PRIMARY KEY, cum BIGINT, wd INTEGER)"))
    rows, total = [], 0
    for k in range(days):
        workday = calendar.is_workday(first + timedelta(days=k))
        rows.append({"n": k, "cum": total, "wd": int(workday)})
        total += 86400 if workday else 0
    conn.execute(text("INSERT INTO bench_days (n, cum, wd) VALUES (:n, :cum, :wd)"), rows)


def working_reading(seconds_expr: str) -> str:
    """Working seconds from FIRST_DAY's local midnight to FIRST_DAY + seconds, in SQL."""
    local = f"(({seconds_expr}) + {LOCAL_OFFSET})"
    return (f"(SELECT cum + wd * ({local} % 86400) FROM bench_days "
            f"WHERE n = {local} / 86400)")


def generate(conn, d: Dialect, n: int, step: int = STEP_SECONDS):
    """Departments, enterprises, n cases (one every `step` seconds), their replies and return
    events — all in SQL."""
    conn.execute(text("INSERT INTO departments (code, name, kind, is_active) VALUES " + ", ".join(
        f"('B{k:02d}', '基准部门{k:02d}', '{'township' if k >= 18 else 'functional'}', TRUE)"
        for k in range(1, DEPARTMENTS + 1))))
    dept_ids = [r[0] for r in conn.execute(text("SELECT id FROM departments ORDER BY code"))]
    towns = dept_ids[17:]
    prefix, source = d.series(ENTERPRISES)
    conn.execute(text(
        "INSERT INTO enterprises (name, credit_code, township_id, is_monitoring_point, "
        "is_key_enterprise, created_at) " f"{prefix}SELECT '基准企业' || i, "
        f"'91BENCH' || (10000000000 + i), {towns[0]} + (i % {len(towns)}), FALSE, FALSE, "
        f"{d.at('0')} FROM {source}"))
    first_enterprise = conn.execute(text("SELECT min(id) FROM enterprises")).scalar()
    categories = [r[0] for r in conn.execute(text("SELECT id FROM categories ORDER BY id"))]
    sub = f"(i * {step})"
    dispatched = f"({sub} + 3600)"
    kind = "(i % 100)"  # 0-59 closed, 60-69 replied, 70-79 signed, 80-84 dispatched,
    # 85-87 returned, 88-89 invalid, 90-94 answered at intake and closed, 95-99 submitted
    is_dispatched = f"{kind} < 88"
    signed_late = "((i * 13) % 30)"  # hours after dispatch; over 24 is late
    reply_days = "((i * 17) % 10)"  # days after dispatch; over 7 is late
    state = (f"CASE WHEN {kind} < 60 THEN 'closed' WHEN {kind} < 70 THEN 'replied' "
             f"WHEN {kind} < 80 THEN 'signed' WHEN {kind} < 85 THEN 'dispatched' "
             f"WHEN {kind} < 88 THEN 'returned' WHEN {kind} < 90 THEN 'invalid' "
             f"WHEN {kind} < 95 THEN 'closed' ELSE 'submitted' END")
    replied = (f"CASE WHEN {kind} < 70 THEN {d.at(f'{dispatched} + {reply_days} * 86400 + 7200')} "
               f"WHEN {kind} >= 90 AND {kind} < 95 THEN {d.at(f'{sub} + 600')} END")
    closed_at = (f"CASE WHEN {kind} < 60 THEN {d.at(f'{dispatched} + {reply_days} * 86400 + 10800')} "
                 f"WHEN {kind} >= 90 AND {kind} < 95 THEN {d.at(f'{sub} + 4200')} END")
    rated = f"({kind} < 60 OR ({kind} >= 90 AND {kind} < 95))"
    extended_due = f"{dispatched} + 7 * 86400 + (CASE WHEN i % 40 = 0 THEN 3 * 86400 ELSE 0 END)"
    dept = f"{dept_ids[0]} + ((i * 7) % {DEPARTMENTS - 1})"
    columns = {
        "tracking_no": "'B' || i", "access_code": "'000000'", "access_failures": "0",
        "via_revoked_card": "FALSE", "is_anonymous": "FALSE", "escalation_level": "0",
        "source": _pick(SOURCES, "i"), "category_id": f"{categories[0]} + (i % {len(categories)})",
        "urgency": "'normal'", "complexity": f"CASE WHEN {is_dispatched} THEN 'general' END",
        "content": "'基准测试案件内容'",
        "enterprise_id": f"CASE WHEN i % 5 = 0 THEN NULL ELSE {first_enterprise} + (i % {ENTERPRISES}) END",
        "contact_name": "'张先生'", "contact_phone": "'13800138000'",
        "state": state,
        "lead_department_id": f"CASE WHEN {is_dispatched} THEN {dept} END",
        "submitted_at": d.at(sub),
        "dispatched_at": f"CASE WHEN {is_dispatched} THEN {d.at(dispatched)} END",
        "sign_due_at": f"CASE WHEN {is_dispatched} THEN {d.at(f'{dispatched} + 86400')} END",
        "signed_at": f"CASE WHEN {kind} < 80 THEN {d.at(f'{dispatched} + {signed_late} * 3600')} END",
        "return_due_at": f"CASE WHEN {is_dispatched} THEN {d.at(f'{dispatched} + 172800')} END",
        "returned_at": f"CASE WHEN {kind} >= 85 AND {kind} < 88 THEN {d.at(f'{dispatched} + 7200')} END",
        "reply_due_at": f"CASE WHEN {is_dispatched} THEN {d.at(extended_due)} END",
        "original_reply_due_at": f"CASE WHEN {is_dispatched} THEN {d.at(f'{dispatched} + 7 * 86400')} END",
        "first_replied_at": replied, "replied_at": replied,
        "rated_at": closed_at,
        "closed_at": closed_at,
        "rating": f"CASE WHEN {rated} THEN {_pick(RATINGS, 'i * 7')} END",
        "return_count": f"CASE WHEN {kind} >= 85 AND {kind} < 88 THEN 1 ELSE 0 END",
        "extension_count": f"CASE WHEN i % 40 = 0 AND {kind} < 80 THEN 1 ELSE 0 END",
        "reopen_count": f"CASE WHEN i % 50 = 1 AND {kind} < 70 THEN 1 ELSE 0 END",
        "closed_unrated": "FALSE",
    }
    # The handling time reply_to_case would have stored: working seconds from dispatch to
    # reply on the real calendar, read off a table of cumulative working seconds per local day.
    reply_at = f"{dispatched} + {reply_days} * 86400 + 7200"
    handling = (f"CASE WHEN {kind} < 70 THEN {working_reading(reply_at)} - "
                f"{working_reading(dispatched)} END")
    columns["handling_seconds"] = handling
    write_day_table(conn, n, step)
    prefix, source = d.series(n)
    conn.execute(text(f"INSERT INTO cases ({', '.join(columns)}) {prefix}"
                      f"SELECT {', '.join(columns.values())} FROM {source}"))
    conn.execute(text(
        "INSERT INTO replies (case_id, department_id, content, is_public, created_at) "
        "SELECT id, lead_department_id, '经核实已处理完毕，特此答复。', TRUE, replied_at "
        "FROM cases WHERE replied_at IS NOT NULL"))
    conn.execute(text(
        "INSERT INTO audit_events (case_id, actor_label, department_id, action, from_state, "
        "to_state, created_at) SELECT id, '承办人', lead_department_id, 'return', 'dispatched', "
        "'returned', returned_at FROM cases WHERE returned_at IS NOT NULL"))
    # The other events a case collects (submit, dispatch, sign, reply, rate): the `return`
    # events must be found among them.
    for action, column in [("submit", "submitted_at"), ("dispatch", "dispatched_at"),
                           ("sign", "signed_at"), ("reply", "replied_at"), ("rate", "rated_at")]:
        conn.execute(text(
            f"INSERT INTO audit_events (case_id, actor_label, department_id, action, created_at) "
            f"SELECT id, '基准', lead_department_id, '{action}', {column} FROM cases "
            f"WHERE {column} IS NOT NULL"))


def check_handling_seconds():
    """The generated handling times must be what reply_to_case would have stored."""
    from app.cases.models import Case
    from app.cases.operations import handling_seconds
    calendar = WorkCalendar()
    sample = db.session.execute(db.select(Case).where(Case.handling_seconds.is_not(None))
                                .order_by(Case.id).limit(2000)).scalars().all()
    for case in sample[::37]:
        assert case.handling_seconds == handling_seconds(case.dispatched_at, case.replied_at,
                                                         calendar), case.id
    db.session.rollback()


def timed(fn, repeat=3):
    """Best and median wall time (ms) of `repeat` runs, and the last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return min(times), statistics.median(times), result


def bench_one(url: str, n: int, export_rows: int, label: str, workdir: Path):
    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = url
        MEDIA_ROOT = str(workdir / "media")

    app = create_app(Config)
    with app.app_context():
        flask_migrate.upgrade()
        dialect = Dialect(db.engine.dialect.name)
        start = time.perf_counter()
        with db.engine.begin() as conn:
            generate(conn, dialect, n)
        # What autovacuum does to a table this old: statistics, and on PostgreSQL the
        # visibility map that lets the figures' covering index answer without the table.
        with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("VACUUM ANALYZE" if dialect.name == "postgresql" else "ANALYZE"))
        check_handling_seconds()
        print(f"[{label}] generated {n:,} cases in {time.perf_counter() - start:.1f} s", flush=True)

        from datetime import datetime, timezone
        from app.figures import queries
        now = datetime(2026, 12, 31, 4, 0, tzinfo=timezone.utc)
        periods = {"one month (2026-10)": (date(2026, 10, 1), date(2026, 11, 1)),
                   "one quarter (2026-Q3)": (date(2026, 7, 1), date(2026, 10, 1)),
                   "one year (2025)": (date(2025, 1, 1), date(2026, 1, 1)),
                   "everything (3 years)": (date(2024, 1, 1), date(2027, 1, 1))}
        for name, (a, b) in periods.items():
            received = queries.compute_figures(a, b, now=now, with_median=False)["figures"]["received"]
            print(f"[{label}] period {name}: {received['numerator']:,} valid cases")
            start_utc, end_utc = queries.period_bounds(a, b)

            def whole_dashboard():
                data = queries.dashboard_figures(a, b, None, now)
                return db.session.execute(data["overdue_ids"].limit(50)).all()

            rows = []
            for what, fn in [
                ("whole dashboard", whole_dashboard),
                ("  one pass: league, category, source", lambda: queries._cube(
                    start_utc, end_utc, None, now, tuple(queries.FIGURES))),
                ("  median handling time", lambda: queries.median_handling(
                    start_utc, end_utc, None, now)),
                ("  12-month trend", lambda: queries.compute_figures(
                    queries.add_months(b, -12), b, by="month", now=now, with_median=False,
                    names=("received", "closure", "on_time_closure"))),
                ("  returns by dept", lambda: queries._events_grouped("return", "department",
                    start_utc, end_utc, None)),
                ("  overdue list (50)", lambda: db.session.execute(queries.case_ids_for(
                    "overdue_now", "numerator", a, b, now=now).limit(50)).all()),
                ("API: all figures, no grouping", lambda: queries.compute_figures(a, b, now=now)),
                ("API: by month", lambda: queries.compute_figures(a, b, by="month", now=now,
                                                                  with_median=False)),
            ]:
                best, median, _ = timed(fn)
                rows.append((what, best, median))
                db.session.rollback()
            for what, best, median in rows:
                print(f"[{label}]   {what:<36} best {best:8.1f} ms   median {median:8.1f} ms")
            sys.stdout.flush()
        if export_rows <= 0:
            db.session.remove()
            db.engine.dispose()
            return

        from app.figures.ledger import export_ledger
        # The period that holds `export_rows` cases (one case every STEP_SECONDS).
        days = -(-export_rows * STEP_SECONDS // 86400)
        export_to = date(2024, 1, 1) + timedelta(days=days)
        out = workdir / "ledger.xlsx"
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        start = time.perf_counter()
        count = export_ledger(out, date(2024, 1, 1), export_to, now=now)
        seconds = time.perf_counter() - start
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        size = out.stat().st_size
        print(f"[{label}] ledger export: {count:,} rows in {seconds:.1f} s "
              f"({count / seconds:,.0f} rows/s), {size / 1e6:.1f} MB; "
              f"process peak RSS {rss_before / 1024:.0f} → {rss_after / 1024:.0f} MB", flush=True)
        tracemalloc.start()
        small_to = date(2024, 1, 1) + timedelta(days=max(1, days // 10))  # a tenth: is memory flat?
        small = export_ledger(out, date(2024, 1, 1), small_to, now=now)
        _current, small_peak = tracemalloc.get_traced_memory()
        tracemalloc.reset_peak()
        count = export_ledger(out, date(2024, 1, 1), export_to, now=now)
        _current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        print(f"[{label}] ledger export peak Python allocations (tracemalloc): "
              f"{small:,} rows {small_peak / 1e6:.1f} MB, {count:,} rows {peak / 1e6:.1f} MB", flush=True)
        out.unlink()
        db.session.remove()
        db.engine.dispose()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--export", type=int, default=100_000)
    parser.add_argument("--db", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--pg", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_PG))
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="bench-figures-"))
    try:
        run(args, workdir)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


def ensure_database(url: str) -> None:
    """Create the PostgreSQL database of `url` if it does not exist yet."""
    target = make_url(url)
    server = create_engine(target.set(database="postgres"), isolation_level="AUTOCOMMIT")
    try:
        with server.connect() as conn:
            exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"),
                                  {"name": target.database}).scalar()
            if not exists:
                conn.execute(text(f'CREATE DATABASE "{target.database}"'))
    finally:
        server.dispose()


def run(args, workdir: Path):
    if args.db in ("postgresql", "both"):
        ensure_database(args.pg)
        schema = f"bench_{uuid.uuid4().hex[:10]}"
        admin = create_engine(args.pg, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
        try:
            url = str(make_url(args.pg).update_query_dict({"options": f"-csearch_path={schema}"}))
            bench_one(url, args.cases, args.export, "postgresql", workdir)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
    if args.db in ("sqlite", "both"):
        path = workdir / "bench.sqlite3"
        bench_one(f"sqlite:///{path}", args.cases, args.export, "sqlite", workdir)


if __name__ == "__main__":
    main()
