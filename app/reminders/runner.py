"""Run ticks on APScheduler 3.x: blocking in `flask scheduler run`, or a background thread
inside the web process when SCHEDULER=on. Every process may start one; only the holder of
the database lock ticks, the others keep trying the lock so one takes over when it dies.

Which process is a web process is said by its entry point, not guessed: gunicorn's
`post_worker_init` hook (gunicorn.conf.py) calls `start_in_web_process`; `create_app` never
does, so `flask … scheduler run` (or any command) cannot start a second scheduler."""
from datetime import timedelta
import atexit
import logging
import os
import threading

from apscheduler.schedulers.background import BackgroundScheduler
from apscheduler.schedulers.blocking import BlockingScheduler

from app.core.clock import utcnow
from app.extensions import db
from app.reminders.lock import SchedulerLock

log = logging.getLogger(__name__)
_started_lock = threading.Lock()
_started = False


def make_scheduler(app, blocking: bool):
    interval = int(app.config.get("SCHEDULER_INTERVAL_SECONDS", 60))
    with app.app_context():
        lock = SchedulerLock(db.engine, ttl=timedelta(seconds=max(3 * interval, 30)))

    def tick_if_active():
        from app.reminders.tasks import tick
        with app.app_context():
            try:
                if not lock.acquire():
                    log.debug("scheduler: another process is active; standing by")
                    return
                results = tick(utcnow())
                log.info("scheduler tick: %s", results)
            except Exception:  # a database hiccup must not kill the scheduler thread
                log.exception("scheduler: tick failed")
            finally:
                db.session.remove()

    cls = BlockingScheduler if blocking else BackgroundScheduler
    scheduler = cls(timezone="UTC", job_defaults={"coalesce": True, "max_instances": 1,
                                                  "misfire_grace_time": interval})
    scheduler.add_job(tick_if_active, "interval", seconds=interval, id="tick",
                      next_run_time=utcnow())
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
