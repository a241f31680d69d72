"""Which process runs a scheduler is decided by how it was started, not by its command line."""
import os
import signal
import subprocess
import sys
import threading

from tests.conftest import ROOT
from tests.reminders.conftest import free_port, wait_for

STARTED_IN_WEB = "scheduler: started in the web process"


class Process:
    """A child process with SCHEDULER=on over the test database; its log lines collected."""

    def __init__(self, app, *args):
        env = {k: v for k, v in os.environ.items() if not k.startswith("FLASK_")}
        env.update(DATABASE_URL=app.config["SQLALCHEMY_DATABASE_URI"], APP_ENV="development",
                   SCHEDULER="on", SCHEDULER_INTERVAL_SECONDS="1", SMTP_URL="",
                   WEBHOOK_URL="", WEBHOOK_URLS="")
        self.lines = []
        self.popen = subprocess.Popen([sys.executable, "-m", *args], cwd=ROOT, env=env,
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        threading.Thread(target=lambda: self.lines.extend(self.popen.stdout), daemon=True).start()

    def saw(self, text):
        return any(text in line for line in self.lines)

    def count(self, text):
        return sum(text in line for line in self.lines)

    def stop(self):
        if self.popen.poll() is None:
            self.popen.send_signal(signal.SIGTERM)
        self.popen.wait(20)


def test_scheduler_run_with_scheduler_on_runs_exactly_one_scheduler(app):
    process = Process(app, "flask", "--app", "wsgi", "scheduler", "run")
    try:
        assert wait_for(lambda: process.saw("scheduler tick:"), 60), "".join(process.lines)
    finally:
        process.stop()
    assert not process.saw(STARTED_IN_WEB), "".join(process.lines)
    assert process.count("Scheduler started") == 1, "".join(process.lines)


def test_the_web_server_entry_point_starts_the_in_process_scheduler(app):
    process = Process(app, "gunicorn", "--config", "gunicorn.conf.py", "--workers", "1",
                      "--bind", f"127.0.0.1:{free_port()}", "wsgi:app")
    try:
        assert wait_for(lambda: process.saw("scheduler tick:"), 60), "".join(process.lines)
    finally:
        process.stop()
    assert process.count(STARTED_IN_WEB) == 1, "".join(process.lines)
