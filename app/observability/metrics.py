"""Prometheus metrics on /metrics, for the configured scraper only.

Per-request figures (requests and latency by route) are counted in the worker that served
the request. Under gunicorn every worker is a process of its own: with PROMETHEUS_MULTIPROC_DIR
set (an empty directory, wiped before each start; docs/deploy.md), prometheus_client writes
each worker's values to files there and the scrape adds them up; gunicorn.conf.py marks a
dead worker's files. Without it (one process, `flask run`, tests) the values live in memory.

Everything else is read from the database at scrape time, so any host answers the same and
nothing is lost when a worker restarts: submissions, deliveries pending and given up by
channel, and the scheduler's last scan (its time and how long it took).
"""
import hmac
import ipaddress
import os
import time

from flask import abort, g, request
from prometheus_client import CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client import multiprocess
from sqlalchemy import func

from app.observability.logs import route_label

PREFIX = "mashangban"
REQUESTS = Counter(f"{PREFIX}_http_requests", "HTTP requests served, by route (URL rule), "
                   "method and status.", ["route", "method", "status"])
LATENCY = Histogram(f"{PREFIX}_http_request_duration_seconds", "Time to answer an HTTP request, "
                    "by route (URL rule) and method.", ["route", "method"],
                    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))


def multiprocess_dir() -> str | None:
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class DatabaseCollector:
    """Figures computed by SQL when Prometheus scrapes (the request's app context)."""

    def collect(self):
        from app.cases.models import Case
        from app.extensions import db
        from app.reminders.heartbeat import last_tick
        from app.reminders.models import Delivery, DeliveryStatus

        submissions = CounterMetricFamily(
            f"{PREFIX}_submissions", "Cases received, by source (every case ever recorded).",
            labels=["source"])
        for source, count in db.session.execute(
                db.select(Case.source, func.count()).group_by(Case.source)).all():
            submissions.add_metric([getattr(source, "name", str(source))], count)
        yield submissions

        by_status = {(status, channel): count for status, channel, count in db.session.execute(
            db.select(Delivery.status, Delivery.channel, func.count())
            .where(Delivery.status != DeliveryStatus.sent)
            .group_by(Delivery.status, Delivery.channel)).all()}
        channels = sorted({channel for _status, channel in by_status} | {"email", "webhook"})
        for status, name, text in (
                (DeliveryStatus.pending, "notifications_pending",
                 "Deliveries (e-mail, webhook) waiting to be sent or retried, by channel."),
                (DeliveryStatus.failed, "deliveries_failed",
                 "Deliveries given up after the last retry, by channel.")):
            gauge = GaugeMetricFamily(f"{PREFIX}_{name}", text, labels=["channel"])
            for channel in channels:
                gauge.add_metric([channel], by_status.get((status, channel), 0))
            yield gauge

        tick = last_tick()
        if tick is not None:
            yield GaugeMetricFamily(f"{PREFIX}_scheduler_last_tick_timestamp_seconds",
                                    "When the active scheduler last finished a scan (Unix time).",
                                    value=tick.finished_at.timestamp())
            yield GaugeMetricFamily(f"{PREFIX}_scheduler_last_tick_duration_seconds",
                                    "How long the scheduler's last scan took.",
                                    value=tick.duration_ms / 1000)


def scrape() -> bytes:
    registry = CollectorRegistry()
    if multiprocess_dir():
        multiprocess.MultiProcessCollector(registry)
    else:
        for collector in (REQUESTS, LATENCY):
            registry.register(collector)
    registry.register(DatabaseCollector())
    return generate_latest(registry)


def _allowed_networks(config):
    text = config.get("METRICS_ALLOWED_ADDRESSES") or ""
    return [ipaddress.ip_network(item.strip(), strict=False)
            for item in text.split(",") if item.strip()]


def check_scraper(config):
    """404 when /metrics is not configured at all, 403 for anyone but the scraper."""
    token = config.get("METRICS_TOKEN") or ""
    networks = _allowed_networks(config)
    if not token and not networks:
        abort(404)
    if token:
        given = request.headers.get("Authorization", "")
        if not hmac.compare_digest(given.encode(), f"Bearer {token}".encode()):
            abort(403)
    if networks:
        try:
            address = ipaddress.ip_address(request.remote_addr or "")
        except ValueError:
            abort(403)
        if not any(address in network for network in networks):
            abort(403)


def register_request_metrics(app):
    # The networks are parsed once, so a typo in METRICS_ALLOWED_ADDRESSES stops the start.
    _allowed_networks(app.config)

    @app.before_request
    def start_timer():
        g.metrics_started = time.perf_counter()

    @app.after_request
    def count_request(response):
        started = g.pop("metrics_started", None)
        if started is not None:
            route = route_label()
            LATENCY.labels(route, request.method).observe(time.perf_counter() - started)
            REQUESTS.labels(route, request.method, str(response.status_code)).inc()
        return response
