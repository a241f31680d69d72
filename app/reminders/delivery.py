"""Send due deliveries one by one, each in its own short transaction, retrying with backoff.

A run sends at most DELIVERY_BATCH deliveries; on PostgreSQL DELIVERY_CONCURRENCY senders
share that batch, each in its own thread, session and channel connections, each claiming one
row at a time with FOR UPDATE SKIP LOCKED (SQLite has no row locks: one sender)."""
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta
import logging
import threading

from flask import current_app

from app.extensions import db
from app.reminders.channels import ChannelDown, OutcomeUnknown, Rejected, RetryAt, \
    channels_from_config, shown_target
from app.reminders.models import Delivery, DeliveryStatus
from app.reminders.notify import is_urgent, quiet_hours_end
from app.settings.public_url import public_base_url

log = logging.getLogger(__name__)


def backoff(attempts: int, config) -> timedelta:
    """Wait 1, 2, 4 … minutes after each failure, at most an hour (DELIVERY_BACKOFF_SECONDS,
    DELIVERY_BACKOFF_MAX_SECONDS)."""
    base = config.get("DELIVERY_BACKOFF_SECONDS", 60)
    return timedelta(seconds=min(base * 2 ** (attempts - 1),
                                 config.get("DELIVERY_BACKOFF_MAX_SECONDS", 3600)))


def send_time(delivery: Delivery, at: datetime, config) -> datetime:
    """When a (re)try planned for `at` may go: paging nobody at night unless the case is urgent;
    a text message to a submitter keeps the SMS quiet hours (app/sms)."""
    if delivery.channel == "sms":
        from app.sms.settings import sms_send_time
        return sms_send_time(delivery.notification.kind, at, config)
    return at if is_urgent(delivery.notification.case) else quiet_hours_end(at, config)


def _next_due(now: datetime):
    query = (db.select(Delivery).where(Delivery.status == DeliveryStatus.pending,
                                       Delivery.next_attempt_at <= now)
             .order_by(Delivery.next_attempt_at, Delivery.id).limit(1))
    if db.session.get_bind().dialect.name == "postgresql":
        # Held while sending: a second sender skips this row, and a crash releases it.
        query = query.with_for_update(skip_locked=True, of=Delivery)
    return db.session.execute(query).scalar_one_or_none()


def _failed(delivery: Delivery, error: str, now: datetime, config, *, final: bool = False,
            not_before: datetime | None = None):
    """One attempt that did not end in "sent": retry later (not before `not_before`), or give
    up after the last one, or at once when the server refused the message for good (`final`)."""
    delivery.attempts += 1
    delivery.last_error = error[:1000]
    if final or delivery.attempts >= config.get("DELIVERY_MAX_ATTEMPTS", 16):
        delivery.status = DeliveryStatus.failed
        delivery.next_attempt_at = now  # a failed row keeps when it was given up
        log.error("delivery %s (%s to %s) given up after %d attempts: %s", delivery.id,
                  delivery.channel, shown_target(delivery), delivery.attempts, error)
    else:
        # A retry pages nobody at night either: only urgent cases' sends ignore quiet hours.
        retry_at = now + backoff(delivery.attempts, config)
        if not_before is not None and not_before > retry_at:
            retry_at = not_before
        delivery.next_attempt_at = send_time(delivery, retry_at, config)
        log.warning("delivery %s (%s to %s) failed, attempt %d: %s", delivery.id,
                    delivery.channel, shown_target(delivery), delivery.attempts, error)


class _Budget:
    """The run's batch, shared by its senders: each takes one before claiming a row."""

    def __init__(self, size: int):
        self.left = size
        self._lock = threading.Lock()

    def take(self) -> bool:
        with self._lock:
            if self.left <= 0:
                return False
            self.left -= 1
            return True


def deliver_due(now: datetime, limit: int | None = None,
                concurrency: int | None = None) -> dict:
    """One delivery run: send at most `limit` (DELIVERY_BATCH) due deliveries with
    `concurrency` (DELIVERY_CONCURRENCY) senders; return the counts by outcome."""
    config = current_app.config
    budget = _Budget(limit or config["DELIVERY_BATCH"])
    concurrency = concurrency or config["DELIVERY_CONCURRENCY"]
    if concurrency <= 1 or db.session.get_bind().dialect.name != "postgresql":
        return _send_due(now, budget, config)
    app = current_app._get_current_object()

    def sender():
        with app.app_context():  # its own session, so its own connection and row locks
            return _send_due(now, budget, config)

    with ThreadPoolExecutor(max_workers=concurrency,
                            thread_name_prefix="delivery-sender") as pool:
        runs = [pool.submit(sender) for _ in range(concurrency)]
        totals = Counter()
        for run in runs:
            totals.update(run.result())
    return {outcome: totals[outcome] for outcome in ("sent", "failed", "unknown")}


def _send_due(now: datetime, budget: _Budget, config) -> dict:
    """One sender: claim a due row, send it, mark it and commit, while the batch lasts; a
    channel that is down fails its own deliveries, never the others."""
    channels = channels_from_config(config, public_base_url())
    down: dict[str, str] = {}  # channel key -> the error that took it down in this run
    counts = {"sent": 0, "failed": 0, "unknown": 0}
    try:
        while budget.take():
            delivery = _next_due(now)
            if delivery is None:
                break
            channel = channels.get(delivery.channel)
            try:
                if channel is None:
                    raise RuntimeError(f"通道 {delivery.channel} 未配置")
                key = channel.key(delivery)
                if key in down:
                    raise ChannelDown(down[key])
                channel.send(delivery)
            except OutcomeUnknown as exc:  # maybe received: resent later, same Message-ID
                _failed(delivery, f"结果未知：{exc}", now, config)
                counts["unknown"] += 1
            except Rejected as exc:  # refused for good: no retry can help
                _failed(delivery, f"拒收：{exc}", now, config, final=True)
                counts["failed"] += 1
            except RetryAt as exc:
                _failed(delivery, str(exc), now, config, not_before=exc.at)
                counts["failed"] += 1
            except ChannelDown as exc:
                down[channel.key(delivery)] = str(exc)
                _failed(delivery, str(exc), now, config)
                counts["failed"] += 1
            except Exception as exc:  # one bad delivery must not stop the run
                _failed(delivery, f"{type(exc).__name__}: {exc}", now, config)
                counts["failed"] += 1
            else:
                delivery.status = DeliveryStatus.sent
                delivery.attempts += 1
                delivery.sent_at = now
                delivery.last_error = None
                counts["sent"] += 1
            db.session.commit()
    finally:
        for channel in channels.values():
            channel.close()
    return counts


def requeue_failed(now: datetime, *, delivery_id: int | None = None, channel: str | None = None,
                   since: datetime | None = None) -> int:
    """Put given-up deliveries back in the queue with a fresh retry schedule: one (by id), a
    channel's, those given up since a time, or all (the filters combine); return how many.
    They keep their ids, so a resend carries the same Message-ID. The caller commits."""
    query = db.select(Delivery).where(Delivery.status == DeliveryStatus.failed)
    if delivery_id is not None:
        query = query.where(Delivery.id == delivery_id)
    if channel:
        query = query.where(Delivery.channel == channel)
    if since is not None:
        query = query.where(Delivery.next_attempt_at >= since)
    config = current_app.config
    rows = db.session.execute(query.order_by(Delivery.id)).scalars().all()
    for delivery in rows:
        delivery.status = DeliveryStatus.pending
        delivery.attempts = 0
        delivery.next_attempt_at = send_time(delivery, now, config)
    log.info("requeued %d failed deliveries (id=%s channel=%s since=%s)", len(rows),
             delivery_id, channel, since)
    return len(rows)
