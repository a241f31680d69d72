"""One scheduler tick over 1,000,000 cases on PostgreSQL with 1,000 due (sending excluded).

    BENCH_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
        .venv/bin/python bench/reminders.py [--cases 1000000] [--due 1000] [--repeat 3]

Builds its own schema, fills it with SQL (INSERT … SELECT generate_series), prints the plan of
the due-case query (and whether it uses ix_cases_next_check_at), runs the tick with
deliver=False `--repeat` times (the same cases made due again, the queued rows deleted and the
tables vacuumed between runs), prints each run's time, this process's CPU and each job's time,
the median, the notifications created and an idle tick; then (unless `--no-wave`) a wave delivered end to
end: the same cases due again, the real scheduler jobs (`runner.make_scheduler`: the scan and
the delivery job, DELIVERY_INTERVAL_SECONDS, DELIVERY_BATCH, DELIVERY_CONCURRENCY from the
environment) sending to an aiosmtpd receiver on loopback, printing the time from the
scheduler's start to the last e-mail, the scan's time beside it and any duplicate Message-ID;
and drops the schema.
BENCH_SQL=1 also prints every statement's time; BENCH_PROFILE=1 a cProfile of the tick.
"""
from datetime import datetime, timezone, timedelta
import argparse
import cProfile
import os
import pstats
import socket
from pathlib import Path
import sys
import threading
import time
import uuid

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402
from sqlalchemy import create_engine, event, text  # noqa: E402
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


class _time_statements:
    """Wall time per statement as the driver sees it (BENCH_SQL=1): where a tick waits."""

    def __init__(self, engine):
        self.rows = []
        event.listen(engine, "before_cursor_execute", self.before)
        event.listen(engine, "after_cursor_execute", self.after)

    def before(self, conn, cursor, statement, parameters, context, executemany):
        conn.info["bench_started"] = time.perf_counter()

    def after(self, conn, cursor, statement, parameters, context, executemany):
        ms = (time.perf_counter() - conn.info.pop("bench_started")) * 1000
        self.rows.append((ms, " ".join(statement.split())[:110]))

    def stop(self, engine):
        event.remove(engine, "before_cursor_execute", self.before)
        event.remove(engine, "after_cursor_execute", self.after)

    def print(self):
        print(f"{len(self.rows)} statements, {sum(ms for ms, _ in self.rows):.1f} ms in the driver:")
        for ms, statement in self.rows:
            print(f"    {ms:7.1f} ms  {statement}")


def reset(due: int):
    """Make the same cases due again and forget what the last tick queued."""
    db.session.remove()
    with db.engine.begin() as conn:
        conn.execute(text("DELETE FROM deliveries"))
        conn.execute(text("DELETE FROM notifications"))
        conn.execute(text("UPDATE cases SET next_check_at = :at WHERE id <= :due"),
                     {"at": (NOW - timedelta(minutes=15)).replace(tzinfo=None), "due": due})
    with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE cases, notifications, deliveries"))


def run_tick() -> dict:
    """One tick at NOW without sending, timed as a whole and job by job."""
    from app.reminders import tasks
    job_ms, originals = {}, {}
    for name in ("remind_due", "close_unrated_cases", "send_digests"):
        originals[name] = job = getattr(tasks, name)

        def timed(now, job=job, name=name):
            started = time.perf_counter()
            try:
                return job(now)
            finally:
                job_ms[name] = (time.perf_counter() - started) * 1000
        timed.__name__ = name
        setattr(tasks, name, timed)
    statements = _time_statements(db.engine) if os.environ.get("BENCH_SQL") else None
    profile = cProfile.Profile() if os.environ.get("BENCH_PROFILE") else None
    try:
        if profile:
            profile.enable()
        started, cpu = time.perf_counter(), time.process_time()
        results = tasks.tick(NOW, deliver=False)
        tick_ms = (time.perf_counter() - started) * 1000
        cpu_ms = (time.process_time() - cpu) * 1000
    finally:
        if profile:
            profile.disable()
        for name, job in originals.items():
            setattr(tasks, name, job)
    if profile:
        pstats.Stats(profile).sort_stats(
            os.environ.get("BENCH_PROFILE_SORT", "cumulative")).print_stats(40)
    if statements is not None:
        statements.stop(db.engine)
        statements.print()
    out = {"tick_ms": tick_ms, "cpu_ms": cpu_ms, "job_ms": job_ms, "results": results,
           "notifications": db.session.scalar(text("SELECT count(*) FROM notifications")),
           "deliveries": db.session.scalar(text("SELECT count(*) FROM deliveries")),
           "left": db.session.scalar(text("SELECT count(*) FROM cases WHERE next_check_at <= :n"),
                                     {"n": NOW.replace(tzinfo=None)})}
    started = time.perf_counter()
    out["second"] = tasks.tick(NOW, deliver=False)
    out["idle_ms"] = (time.perf_counter() - started) * 1000
    return out


class Receiver:
    """An SMTP server on loopback (aiosmtpd) that notes each message's Message-ID and when."""

    def __init__(self):
        from aiosmtpd.controller import Controller
        self.ids, self.times = [], []
        self._lock = threading.Lock()
        receiver = self

        class Handler:
            async def handle_DATA(self, server, session, envelope):
                head = envelope.content.split(b"\r\n\r\n", 1)[0]
                found = [line for line in head.split(b"\r\n")
                         if line.lower().startswith(b"message-id:")]
                with receiver._lock:
                    receiver.ids.append(found[0] if found else None)
                    receiver.times.append(time.perf_counter())
                return "250 Message accepted"

        with socket.socket() as probe:  # a free port (aiosmtpd cannot be given port 0)
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)

    def start(self):
        self.controller.start()
        return f"smtp://127.0.0.1:{self.port}"

    def stop(self):
        self.controller.stop()


def wave(app, due: int) -> dict:
    """The due cases made due again and delivered by the scheduler's own jobs, end to end."""
    from app.core import clock
    from app.reminders import runner, tasks
    reset(due)
    receiver = Receiver()
    app.config["SMTP_URL"] = receiver.start()
    scans, original = [], tasks.tick

    def timed_tick(now, deliver=True):
        started = time.perf_counter()
        try:
            return original(now, deliver=deliver)
        finally:
            scans.append((started, (time.perf_counter() - started) * 1000))
    tasks.tick = timed_tick
    clock.set_fixed(NOW)  # the jobs read the app's clock: the cases are due at NOW
    scheduler, lock = runner.make_scheduler(app, blocking=False)
    try:
        started = time.perf_counter()
        scheduler.start()
        expected = None
        while time.perf_counter() - started < 600:
            time.sleep(0.2)
            if not scans:
                continue
            with db.engine.connect() as conn:
                left = conn.scalar(text("SELECT count(*) FROM deliveries WHERE status <> 'sent'"))
                expected = conn.scalar(text("SELECT count(*) FROM deliveries"))
            if expected and not left:
                break
    finally:
        scheduler.shutdown(wait=True)
        lock.release()
        receiver.stop()
        tasks.tick = original
        clock.set_fixed(None)
    return {"scan_ms": scans[0][1], "scan_started": scans[0][0] - started,
            "last_s": receiver.times[-1] - started if receiver.times else None,
            "emails": len(receiver.ids), "unique": len(set(receiver.ids)), "expected": expected}


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument("--due", type=int, default=1_000)
    parser.add_argument("--open", type=int, default=50_000, help="open cases not yet due")
    parser.add_argument("--repeat", type=int, default=3,
                        help="ticks to time, the same cases made due again between them")
    parser.add_argument("--no-wave", action="store_true",
                        help="skip the wave delivered end to end to an SMTP receiver")
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

            from app.reminders.tasks import due_cases_query
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

            runs = []
            for run in range(args.repeat):
                if run:
                    reset(args.due)
                runs.append(run_tick())
            idle_ms, second = runs[-1]["idle_ms"], runs[-1]["second"]
            print(f"select the {len(select_only):,} due cases: {select_ms:.1f} ms")
            for number, r in enumerate(runs, 1):
                jobs = ", ".join(f"{name} {ms:.0f} ms" for name, ms in r["job_ms"].items())
                print(f"tick {number}: {r['tick_ms']:.0f} ms, of which {r['cpu_ms']:.0f} ms this "
                      f"process's CPU ({jobs}) -> {r['results']}; "
                      f"{r['notifications']:,} notifications and {r['deliveries']:,} deliveries "
                      f"queued; cases still due after it: {r['left']}")
            ticks = sorted(r["tick_ms"] for r in runs)
            print(f"one tick over {args.cases:,} cases with {args.due:,} due (select, lock, claim, "
                  f"notifications and deliveries queued, commit; sending excluded): "
                  f"median {ticks[len(ticks) // 2]:.0f} ms of {len(ticks)} "
                  f"(min {ticks[0]:.0f}, max {ticks[-1]:.0f})")
            print(f"notifications created per tick: {runs[-1]['notifications']:,}")
            print(f"the next tick with nothing due: {idle_ms:.1f} ms -> {second}")
            index = "ix_cases_next_check_at"
            print(f"index used: {index}: {'yes' if any(index in line for line in plan) else 'NO'}")
            if not args.no_wave:
                config = app.config
                w = wave(app, args.due)
                print(f"wave of {args.due:,} due cases delivered end to end by the scheduler's "
                      f"jobs (delivery every {config['DELIVERY_INTERVAL_SECONDS']:g} s, batch "
                      f"{config['DELIVERY_BATCH']}, concurrency {config['DELIVERY_CONCURRENCY']}):"
                      f" scan {w['scan_ms']:.0f} ms; last of {w['emails']:,} e-mails "
                      f"({w['expected']:,} deliveries) {w['last_s']:.1f} s after the scheduler "
                      f"started (the scan started at +{w['scan_started']:.2f} s); "
                      f"duplicate Message-IDs: {w['emails'] - w['unique']}")
            db.session.remove()
            db.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


if __name__ == "__main__":
    main()
