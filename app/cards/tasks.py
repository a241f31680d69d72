"""Building a large card batch off the request: a thread in the web process that took the
request. The job row carries the state, so any worker or host answers the page's polls, and
the file lands in MEDIA_ROOT (shared by the workers and hosts, as the media store is)."""
import threading

from flask import current_app

from app.cards import operations as card_ops
from app.extensions import db


def build_in_background(job_id: int) -> threading.Thread:
    app = current_app._get_current_object()

    def build():
        with app.app_context():
            try:
                card_ops.run_print_job(job_id)
            finally:
                db.session.remove()

    thread = threading.Thread(target=build, name=f"card-job-{job_id}", daemon=True)
    thread.start()
    return thread
