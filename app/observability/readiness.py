"""/readyz: can this host serve, and is the scheduler (wherever it runs) alive?

Each check answers {"status": "ok"} or {"status": "error", "error": …}. The database, the
media storage and Redis (when rate limits are counted there) are this host's dependencies:
any of them down makes the answer 503, and the load balancer stops sending requests here.
The scheduler runs elsewhere (its own unit, one active across all hosts): a stale last scan
is reported ("stale", with its age) and makes the overall status "degraded", but stays 200 —
taking every web host out of rotation would not bring the scheduler back. Alert on it from
/metrics (mashangban_scheduler_last_tick_timestamp_seconds) instead.
"""
from flask import current_app
from sqlalchemy import text

from app.core.clock import utcnow
from app.extensions import db


def _check(probe):
    try:
        detail = probe()
    except Exception as exc:  # the point of a readiness check is to say so, not to 500
        db.session.rollback()
        return {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"status": "ok", **(detail or {})}


def _database():
    db.session.execute(text("SELECT 1"))


def _storage():
    from app.media.storage import get_storage
    get_storage().ping()


def uses_redis(app) -> bool:
    return (app.config.get("RATELIMIT_STORAGE_URI") or "").startswith(("redis", "rediss"))


def _redis():
    """Ping the rate limits' Redis (through `limits`, which the limiter counts with)."""
    from limits.storage import storage_from_string
    uri = current_app.config["RATELIMIT_STORAGE_URI"]
    cached = current_app.extensions.get("readyz_redis")
    if cached is None or cached[0] != uri:
        # The limiter's timeouts: a Redis host that drops packets fails the check in 2 s.
        options = current_app.config.get("RATELIMIT_STORAGE_OPTIONS") or {}
        cached = current_app.extensions["readyz_redis"] = (uri, storage_from_string(uri, **options))
    if not cached[1].check():
        raise ConnectionError("Redis did not answer")


def scheduler_max_age(app) -> float:
    """A scan older than three intervals (at least 90 s) is stale."""
    return max(3 * int(app.config.get("SCHEDULER_INTERVAL_SECONDS", 60)), 90)


def _scheduler():
    from app.reminders.heartbeat import last_tick
    tick = last_tick()
    if tick is None:
        return {"status": "never", "last_tick_at": None}
    age = (utcnow() - tick.finished_at).total_seconds()
    return {"status": "ok" if age <= scheduler_max_age(current_app) else "stale",
            "last_tick_at": tick.finished_at.isoformat(), "age_seconds": round(age, 1),
            "duration_ms": tick.duration_ms}


def readiness() -> tuple[dict, int]:
    from app.reminders.queries import delivery_counts
    app = current_app
    checks = {"database": _check(_database), "storage": _check(_storage)}
    if uses_redis(app):
        checks["redis"] = _check(_redis)
    failed = [name for name, result in checks.items() if result["status"] != "ok"]
    if failed:
        return {"status": "error", "failed": failed, "checks": checks}, 503
    checks["scheduler"] = scheduler = _check(_scheduler)
    deliveries = _check(delivery_counts)
    body = {"status": "ok" if scheduler["status"] == "ok" else "degraded", "checks": checks,
            "deliveries": {k: v for k, v in deliveries.items() if k != "status"}}
    return body, 200
