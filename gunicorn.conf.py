"""gunicorn's settings file (read by `make run` and deploy/mashangban-web.service): the web
server is the one entry point that says "this process serves the web", so the in-process
scheduler (SCHEDULER=on, `make run`) starts here, in each worker after it loaded the app, and
never because of a command line's wording. In production SCHEDULER stays off in the web unit
and deploy/mashangban-scheduler.service runs `flask scheduler run` (docs/deploy.md)."""
import os


def post_worker_init(worker):
    from app.reminders.runner import start_in_web_process
    start_in_web_process(worker.wsgi)


def child_exit(server, worker):
    """Prometheus multiprocess mode (PROMETHEUS_MULTIPROC_DIR): a dead worker's live gauges
    stop counting; its counters stay summed in (app/observability/metrics.py)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess
        multiprocess.mark_process_dead(worker.pid)
