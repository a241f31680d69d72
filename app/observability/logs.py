"""Request ids and JSON logs (LOG_FORMAT=json).

Every request gets an id: the proxy's X-Request-ID when it sent a sane one, else a new one;
it is echoed in the response's X-Request-ID header and put on every log record written while
the request runs, so one line in nginx's log leads to the app's lines for the same request.
"""
import json
import logging
import re
import time
import uuid

from flask import g, has_request_context, request

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from outside: short, and nothing a log reader could be fooled by.
_SANE_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
request_log = logging.getLogger("app.request")


def current_request_id() -> str | None:
    if has_request_context():
        return g.get("request_id")
    return None


class RequestIdFilter(logging.Filter):
    """Puts `request_id` (or "-") on every record, for the text and the JSON formats."""

    def filter(self, record):
        record.request_id = current_request_id() or "-"
        return True


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time (UTC, ISO 8601), level, logger, message, request_id,
    plus any `extra=` fields the call gave, and the traceback when there is one."""

    STANDARD = set(vars(logging.makeLogRecord({}))) | {"message", "asctime", "request_id"}

    def format(self, record):
        entry = {
            "time": self.formatTime(record, "%Y-%m-%dT%H:%M:%S") + f".{int(record.msecs):03d}Z",
            "level": record.levelname,
            "logger": record.name,
            "message": record.getMessage(),
            "request_id": getattr(record, "request_id", None) or current_request_id() or "-",
        }
        for key, value in vars(record).items():
            if key not in self.STANDARD and not key.startswith("_"):
                entry[key] = value
        if record.exc_info:
            entry["exc_info"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False, default=str)


JsonFormatter.converter = time.gmtime
TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s]: %(message)s"


def make_handler(log_format: str, stream=None) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.addFilter(RequestIdFilter())
    handler.setFormatter(JsonFormatter() if log_format == "json" else
                         logging.Formatter(TEXT_FORMAT))
    return handler


def configure_logging(app):
    """The root logger's one handler, in the configured format (not under tests or debug,
    where Flask's and pytest's own handlers stay)."""
    if app.debug or app.testing:
        return
    root = logging.getLogger()
    for handler in list(root.handlers):
        root.removeHandler(handler)
    root.addHandler(make_handler(app.config.get("LOG_FORMAT", "text")))
    root.setLevel(logging.INFO)
    # APScheduler's executor logs two INFO lines per job run, and the delivery and scan jobs
    # run every few seconds: they drowned everything else. Our runner logs what a run did;
    # the executor's warnings and errors (a missed or failed run) and the scheduler's own
    # lines ("Scheduler started") stay.
    logging.getLogger("apscheduler.executors").setLevel(logging.WARNING)


def register_request_ids(app):
    @app.before_request
    def take_request_id():
        given = request.headers.get(REQUEST_ID_HEADER, "")
        g.request_id = given if _SANE_ID.fullmatch(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def echo_request_id(response):
        request_id = g.get("request_id")
        if request_id:
            response.headers[REQUEST_ID_HEADER] = request_id
        if app.config.get("LOG_FORMAT") == "json" and "request_started" in g:
            # The access line, with the client's address as the app sees it (after ProxyFix).
            request_log.info("%s %s %s", request.method, request.path, response.status_code,
                             extra={"method": request.method, "path": request.path,
                                    "route": route_label(), "status": response.status_code,
                                    "client": request.remote_addr,
                                    "duration_ms": round(
                                        (time.perf_counter() - g.request_started) * 1000, 1)})
        return response


def route_label() -> str:
    """The URL rule that matched ("/cases/<int:case_id>"), never the raw path: a label per
    case number would be unbounded. Unmatched requests share one label."""
    rule = request.url_rule
    return rule.rule if rule is not None else "<unmatched>"
