"""`flask scheduler run | tick | deliveries | requeue`."""
from datetime import datetime, timezone
import json

import click
from flask import current_app
from flask.cli import AppGroup

from app.core.clock import utcnow
from app.core.timeutil import format_local
from app.reminders.models import DeliveryStatus

scheduler_cli = AppGroup("scheduler", help="提醒与催办调度（Reminders and escalation scheduler）.")


def _parse_now(value: str | None, option: str = "--now") -> datetime:
    if not value:
        return utcnow()
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        parsed = None
    if parsed is None or parsed.tzinfo is None:
        raise click.BadParameter("请带上时区，例如 2026-11-17T09:00+08:00", param_hint=option)
    return parsed.astimezone(timezone.utc)


@scheduler_cli.command("run")
@click.option("--interval", type=int, help="Seconds between ticks (SCHEDULER_INTERVAL_SECONDS).")
def run_command(interval):
    """Run the scheduler in the foreground; only the lock holder ticks."""
    from app.reminders.runner import make_scheduler
    app = current_app._get_current_object()
    if interval:
        app.config["SCHEDULER_INTERVAL_SECONDS"] = interval
    scheduler, lock = make_scheduler(app, blocking=True)
    click.echo(f"scheduler: every {app.config.get('SCHEDULER_INTERVAL_SECONDS', 60)} s, "
               f"holder {lock.holder}")
    try:
        scheduler.start()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        lock.release()


@scheduler_cli.command("tick")
@click.option("--now", "now_text", help="The instant to act as (ISO 8601 with offset).")
@click.option("--no-deliver", is_flag=True, help="Queue but do not send.")
def tick_command(now_text, no_deliver):
    """Run one tick now (for cron and tests); safe alongside a running scheduler."""
    import socket
    import time
    from app.reminders.heartbeat import record_tick
    from app.reminders.tasks import tick
    started = time.perf_counter()
    results = tick(_parse_now(now_text), deliver=not no_deliver)
    record_tick(f"{socket.gethostname()}:cli", utcnow(),
                round((time.perf_counter() - started) * 1000))
    click.echo(json.dumps(results, ensure_ascii=False))


@scheduler_cli.command("deliveries")
@click.option("--failed", "only_failed", is_flag=True, help="Only those given up.")
def deliveries_command(only_failed):
    """List e-mails, webhook and text messages still pending or given up."""
    from app.reminders.channels import shown_target
    from app.reminders.queries import failed_deliveries, pending_deliveries
    rows = failed_deliveries() + ([] if only_failed else pending_deliveries())
    if not rows:
        click.echo("没有待发送或发送失败的消息。")
        return
    for d in rows:
        # A failed row is never tried again by itself: show when it was given up, not a "next".
        when = "放弃于" if d.status is DeliveryStatus.failed else "下次"
        click.echo(f"{d.id}\t{d.status.value}\t{d.channel}\t{shown_target(d)}\t尝试{d.attempts}次\t"
                   f"{when} {format_local(d.next_attempt_at)}\t{d.notification.title}\t"
                   f"{d.last_error or ''}")


@scheduler_cli.command("requeue")
@click.option("--id", "delivery_id", type=int, help="One failed delivery.")
@click.option("--channel", type=click.Choice(["email", "webhook", "sms"]), help="A channel's failed ones.")
@click.option("--since", "since_text", help="Those given up since (ISO 8601 with offset).")
@click.option("--all", "everything", is_flag=True, help="Every failed delivery.")
def requeue_command(delivery_id, channel, since_text, everything):
    """Send failed deliveries again, with a fresh retry schedule and the same Message-ID."""
    from app.extensions import db
    from app.reminders.delivery import requeue_failed
    if not (everything or delivery_id or channel or since_text):
        raise click.UsageError("请指定 --id、--channel、--since 或 --all")
    since = _parse_now(since_text, "--since") if since_text else None
    count = requeue_failed(utcnow(), delivery_id=delivery_id, channel=channel, since=since)
    db.session.commit()
    click.echo(f"已重新排队 {count} 条发送失败的消息。")
