"""Run ticks on APScheduler 3.x: blocking in `flask scheduler run`, or a background thread
inside the web process when SCHEDULER=on. Every process may start one; only the holder of
the database lock ticks, the others keep trying the lock so one takes over when it dies.

Which process is a web process is said by its entry point, not guessed: gunicorn's
`post_worker_init` hook (gunicorn.conf.py) calls `start_in_web_process`; `create_app` never
does, so `flask … scheduler run` (or any command) cannot start a second scheduler."""
from datetime import timedelta
import atexit
import logging
import math
import os
import threading
import time

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from app.core.clock import utcnow
from app.extensions import db
from app.reminders.heartbeat import record_tick
from app.reminders.lock import SchedulerLock

log = logging.getLogger(__name__)
_started_lock = threading.Lock()
_started = False


def make_scheduler(app, blocking: bool):
    """Three jobs, all run only by the lock holder: the scan ("tick": reminders, escalations,
    digests, sweeps; it never sends) every SCHEDULER_INTERVAL_SECONDS, and the deliveries
    ("deliveries": `send_deliveries`) every DELIVERY_INTERVAL_SECONDS, and the figures' monthly
    pre-aggregation ("figures-rollup") every FIGURES_ROLLUP_INTERVAL_SECONDS. They run in separate
    threads, so a scan never waits for a slow mail server, and each has max_instances=1 and
    coalesce, so a slow run delays only its own next run."""
    from app.reminders.tasks import send_deliveries, tick
    interval = int(app.config.get("SCHEDULER_INTERVAL_SECONDS", 60))
    delivery_interval = float(app.config["DELIVERY_INTERVAL_SECONDS"])
    with app.app_context():
        lock = SchedulerLock(db.engine, ttl=timedelta(seconds=max(3 * interval, 30)))

    def if_active(job):
        def run():
            with app.app_context():
                try:
                    if not lock.acquire():
                        log.debug("scheduler: another process is active; standing by")
                        return
                    job()
                except Exception:  # a database hiccup must not kill the scheduler thread
                    log.exception("scheduler: job failed")
                finally:
                    db.session.remove()
        return run

    def scan():
        started = time.perf_counter()
        results = tick(utcnow(), deliver=False)
        record_tick(lock.holder, utcnow(), round((time.perf_counter() - started) * 1000))
        log.info("scheduler tick: %s", results)

    def figures_rollup():
        from app.figures.rollup import refresh
        refresh(utcnow())

    def deliveries():
        # Between runs: stop when the scheduler is shutting down or the lock is lost.
        results = send_deliveries(lambda: scheduler.running and lock.acquire())
        log.log(logging.INFO if results["runs"] > 1 or any(
            results[outcome] for outcome in ("sent", "failed", "unknown")) else logging.DEBUG,
            "scheduler deliveries: %s", results)

    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1})
    scheduler.add_job(if_active(scan), "interval", seconds=interval, id="tick",
                      misfire_grace_time=interval)
    # The first scan at start (a date job: APScheduler's own "now", not the app's clock,
    # which tests fix); later ones every interval.
    scheduler.add_job(if_active(scan), id="tick-at-start", misfire_grace_time=interval)
    scheduler.add_job(if_active(deliveries), "interval", seconds=delivery_interval,
                      id="deliveries", misfire_grace_time=max(math.ceil(delivery_interval), 1))
    # Closed months' figures pre-aggregated (app/figures/rollup.py): a job of its own, so a
    # month rebuilt after a change never lengthens the scan.
    rollup_interval = int(app.config.get("FIGURES_ROLLUP_INTERVAL_SECONDS", 600))
    scheduler.add_job(if_active(figures_rollup), "interval", seconds=rollup_interval,
                      id="figures-rollup", misfire_grace_time=rollup_interval)
    return scheduler, lock


def start_in_web_process(app):
    """Start a background scheduler once per process when SCHEDULER=on; called only by the
    web server's entry point (gunicorn.conf.py)."""
    global _started
    if not app.config.get("SCHEDULER") or app.testing:
        return None
    with _started_lock:
        if _started:
            return None
        _started = True
    scheduler, lock = make_scheduler(app, blocking=False)
    scheduler.start()
    atexit.register(lambda: (scheduler.shutdown(wait=False), lock.release()))
    log.info("scheduler: started in the web process (pid %s)", os.getpid())
    return scheduler
