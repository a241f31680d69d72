"""Sending is its own scheduler job: runs of a configurable batch, by a configurable number of
senders, and a scan that never waits for a slow mail server."""
import asyncio
import math

from app.cases.models import CaseState
from app.extensions import db
from app.reminders.models import Delivery, DeliveryStatus, Notification
from app.reminders.runner import make_scheduler
from app.reminders.tasks import deliver_pending, send_deliveries
from tests.reminders.conftest import T0, SinkHandler, SmtpSink, minutes, wait_for


def pending():
    db.session.rollback()  # a fresh snapshot: other threads commit
    return db.session.scalar(db.select(db.func.count()).select_from(Delivery)
                             .where(Delivery.status == DeliveryStatus.pending))


def queued_cases(make_case, count):
    for _ in range(count):
        make_case(CaseState.dispatched, now=T0)  # each dispatch: e-mails and a robot message
    total = pending()
    emails = db.session.scalar(db.select(db.func.count()).select_from(Delivery)
                               .where(Delivery.channel == "email"))
    return total, emails


def assert_each_sent_once(smtp_sink, webhook_sink, emails):
    ids = [m["message_id"] for m in smtp_sink.messages]
    assert len(ids) == emails and len(set(ids)) == emails
    keys = [key for _path, key in webhook_sink.keys]
    assert len(keys) == len(set(keys))
    assert pending() == 0


def test_a_backlog_larger_than_a_run_goes_out_over_consecutive_runs_each_once(
        app, channels, make_case, smtp_sink, webhook_sink, fixed_clock):
    app.config["DELIVERY_BATCH"] = 4
    total, emails = queued_cases(make_case, 3)
    assert total > 2 * 4  # more than two runs' worth

    runs = []
    for _ in range(math.ceil(total / 4) + 1):
        counts = deliver_pending(minutes(1))
        assert counts["failed"] == counts["unknown"] == 0
        runs.append(counts["sent"])
    assert runs == [4] * (total // 4) + ([total % 4] if total % 4 else []) + [0]
    assert_each_sent_once(smtp_sink, webhook_sink, emails)


def test_the_delivery_job_runs_batch_after_batch_until_one_comes_back_short(
        app, channels, make_case, smtp_sink, webhook_sink, fixed_clock):
    app.config["DELIVERY_BATCH"] = 4
    total, emails = queued_cases(make_case, 3)
    fixed_clock.set(minutes(1))
    result = send_deliveries()
    assert result["sent"] == total and result["runs"] == total // 4 + 1
    assert_each_sent_once(smtp_sink, webhook_sink, emails)
    # Told to stop (shutting down, lock lost), it ends after the run in hand.
    make_case(CaseState.dispatched, now=T0)
    assert send_deliveries(lambda: False)["runs"] == 1
    assert pending() > 0


class CountingHandler(SinkHandler):
    """A slow server that notes how many senders it was serving at once."""

    def __init__(self):
        super().__init__()
        self.active = self.peak = 0

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        self.active += 1
        self.peak = max(self.peak, self.active)
        await asyncio.sleep(0.1)
        self.active -= 1
        return await super().handle_MAIL(server, session, envelope, address, mail_options)


def test_concurrent_senders_share_the_batch_and_send_each_message_once(
        app, channels, make_case, webhook_sink):
    sink = SmtpSink()
    sink.handler = CountingHandler()
    sink.start()
    try:
        app.config.update(SMTP_URL=sink.url, DELIVERY_BATCH=10, DELIVERY_CONCURRENCY=3)
        total, emails = queued_cases(make_case, 3)
        first = deliver_pending(minutes(1))
        assert first["sent"] == 10  # the batch is the run's, not each sender's
        while deliver_pending(minutes(1))["sent"]:
            pass
        assert_each_sent_once(sink, webhook_sink, emails)
    finally:
        sink.stop()
    # PostgreSQL: three senders, each claiming rows FOR UPDATE SKIP LOCKED. SQLite has no row
    # locks to share a queue by, so it keeps one sender whatever the setting.
    if db.engine.dialect.name == "postgresql":
        assert sink.handler.peak >= 2
    else:
        assert sink.handler.peak == 1


def test_a_scan_does_not_wait_for_a_mail_server_that_holds_its_reply(
        app, channels, short_limits, make_case, webhook_sink, fixed_clock):
    sink = SmtpSink().start()
    sink.handler.stall_reply_at = 1  # keeps the first e-mail and answers only when released
    app.config.update(SMTP_URL=sink.url, SMTP_TIMEOUT_SECONDS=20, SCHEDULER_INTERVAL_SECONDS=1,
                      DELIVERY_INTERVAL_SECONDS=0.2)
    fixed_clock.set(T0)
    make_case(CaseState.dispatched, now=T0)  # its dispatch e-mails are due at once
    scheduler, lock = make_scheduler(app, blocking=False)
    scheduler.start()
    try:
        assert sink.handler.stalled.wait(15), "the delivery job never reached the server"
        fixed_clock.set(minutes(6))  # the 50 % point of the 10-minute sign limit has passed

        def reminded():
            db.session.rollback()
            return db.session.scalar(db.select(db.func.count()).select_from(Notification)
                                     .where(Notification.kind == "remind_sign_50"))
        # The scan ran and queued the reminders while the delivery job still waits.
        assert wait_for(reminded, 15)
        assert not sink.handler.released.is_set() and len(sink.messages) == 1
        sink.handler.released.set()
        assert wait_for(lambda: pending() == 0, 15)
    finally:
        sink.handler.released.set()
        scheduler.shutdown(wait=True)
        lock.release()
        sink.stop()
    ids = [m["message_id"] for m in sink.messages]
    assert len(ids) == len(set(ids)) == db.session.scalar(
        db.select(db.func.count()).select_from(Delivery).where(Delivery.channel == "email"))
