"""One scheduler tick over 1,000,000 cases on PostgreSQL with 1,000 due (sending excluded).

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/reminders.py [--cases 1000000] [--due 1000]

Builds its own schema, fills it with SQL (INSERT … SELECT generate_series), runs one tick
with deliver=False, prints the timings and the plan of the due-case query, drops the schema.
"""
from datetime import datetime, timedelta, timezone
import argparse
import cProfile
import os
import pstats
from pathlib import Path
import sys
import time
import uuid

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402
from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

from app import create_app  # noqa: E402
from app.cases.models import CaseState  # noqa: E402
from app.extensions import db  # noqa: E402
from config import TestingConfig  # noqa: E402

NOW = datetime(2026, 11, 17, 3, 0, tzinfo=timezone.utc)  # Tuesday 11:00 local
DEPARTMENTS = 20


def fill(conn, cases: int, due: int, open_future: int):
    naive = NOW.replace(tzinfo=None)
    conn.execute(text(
        "INSERT INTO departments (code, name, kind, is_active) "
        "SELECT 'D' || g, '部门' || g, 'functional', true FROM generate_series(1, :n) g"),
        {"n": DEPARTMENTS})
    conn.execute(text(
        "INSERT INTO users (username, display_name, role, department_id, password_hash, "
        "must_change_password, email, is_active, failed_logins, session_version, created_at) "
        "SELECT r || d.id, r || d.id, r, d.id, 'x', false, r || d.id || '@example.test', true, "
        "0, 1, :now FROM departments d CROSS JOIN (VALUES ('handler'), ('department_head')) v(r)"),
        {"now": naive})
    # Closed history, then open cases whose next point is ahead, then the due ones: the
    # 50 % point of a sign limit (dispatched 1 h ago, due in 30 min) passed 15 minutes ago.
    conn.execute(text("""
        INSERT INTO cases (tracking_no, access_code, access_failures, source, category_id,
            urgency, content, via_revoked_card, is_anonymous, state, escalation_level,
            submitted_at, return_count, extension_count, reopen_count, closed_unrated,
            lead_department_id, dispatched_at, sign_due_at, reply_due_at, next_check_at)
        SELECT 'B' || g, '000000', 0, 'card', (SELECT min(id) FROM categories), 'normal',
            '基准测试案件', false, false,
            CASE WHEN g <= :due THEN 'dispatched'
                 WHEN g <= :due + :open THEN 'signed' ELSE 'closed' END,
            0, :now - interval '1 hour' - (g % 1000) * interval '1 day', 0, 0, 0, false,
            1 + g % :departments,
            :now - interval '1 hour',
            :now + interval '30 minutes',
            :now + interval '5 days',
            CASE WHEN g <= :due THEN :now - interval '15 minutes'
                 WHEN g <= :due + :open THEN :now + (1 + g % 5000) * interval '1 minute' END
        FROM generate_series(1, :cases) g"""),
        {"due": due, "open": open_future, "cases": cases, "now": naive,
         "departments": DEPARTMENTS})
    conn.execute(text("ANALYZE"))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--open", type=int, default=50_000, help="open cases not yet due")
    args = parser.parse_args()
    url = os.environ.get("BENCH_DATABASE_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
    schema = f"bench_reminders_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    schema_url = make_url(url).update_query_dict({"options": f"-csearch_path={schema}"})

    class Config(TestingConfig):
        SQLALCHEMY_DATABASE_URI = schema_url.render_as_string(hide_password=False)
        SMTP_URL = "smtp://127.0.0.1:1"  # deliveries are queued, never sent here

    try:
        app = create_app(Config)
        with app.app_context():
            flask_migrate.upgrade()
            started = time.perf_counter()
            with db.engine.begin() as conn:
                fill(conn, args.cases, args.due, args.open)
            print(f"filled {args.cases:,} cases ({args.due:,} due, {args.open:,} open ahead) "
                  f"in {time.perf_counter() - started:.1f} s")

            from app.reminders.tasks import due_cases_query, tick
            query = due_cases_query(NOW, (CaseState.dispatched, CaseState.signed))
            compiled = query.compile(db.engine, compile_kwargs={"literal_binds": True})
            plan = db.session.execute(text(f"EXPLAIN (ANALYZE, BUFFERS) {compiled}")).scalars().all()
            db.session.rollback()
            print("plan of one batch of the due-case query:")
            print("\n".join("    " + line for line in plan))

            started = time.perf_counter()
            select_only = db.session.execute(
                due_cases_query(NOW, (CaseState.dispatched, CaseState.signed),
                                limit=args.due + 10)).scalars().all()
            select_ms = (time.perf_counter() - started) * 1000
            db.session.rollback()
            db.session.expunge_all()

            started = time.perf_counter()
            profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
            if profile:
                profile.enable()
            results = tick(NOW, deliver=False)
            if profile:
                profile.disable()
                pstats.Stats(profile).sort_stats("cumulative").print_stats(25)
            tick_ms = (time.perf_counter() - started) * 1000
            notifications = db.session.scalar(text("SELECT count(*) FROM notifications"))
            deliveries = db.session.scalar(text("SELECT count(*) FROM deliveries"))
            left = db.session.scalar(text("SELECT count(*) FROM cases WHERE next_check_at <= :n"),
                                     {"n": NOW.replace(tzinfo=None)})

            started = time.perf_counter()
            second = tick(NOW, deliver=False)
            idle_ms = (time.perf_counter() - started) * 1000
            print(f"select the {len(select_only):,} due cases: {select_ms:.1f} ms")
            print(f"one tick (select, lock, claim, {notifications:,} notifications and "
                  f"{deliveries:,} deliveries queued, commit): {tick_ms:.0f} ms -> {results}")
            print(f"cases still due after the tick: {left}")
            print(f"the next tick with nothing due: {idle_ms:.1f} ms -> {second}")
            index = "ix_cases_next_check_at"
            print(f"index used: {index}: {'yes' if any(index in line for line in plan) else 'NO'}")
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
