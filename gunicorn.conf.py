"""gunicorn's settings file (read by `make run`): the web server is the one entry point that
says "this process serves the web", so the in-process scheduler (SCHEDULER=on) starts here,
in each worker after it loaded the app, and never because of a command line's wording."""


def post_worker_init(worker):
    from app.reminders.runner import start_in_web_process
    start_in_web_process(worker.wsgi)
