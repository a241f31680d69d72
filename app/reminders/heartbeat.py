"""The scheduler's heartbeat: each finished scan is recorded in the database (scheduler_ticks),
where every host can read it — /readyz says how old the last one is, /metrics exports it."""
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError

from app.extensions import db
from app.reminders.models import SchedulerTick

SCAN = "scan"


def record_tick(holder: str, finished_at: datetime, duration_ms: int, name: str = SCAN) -> None:
    """Remember that `holder` finished a scan at `finished_at` after `duration_ms` (own
    transaction: a heartbeat is written whatever the caller does next)."""
    values = {"holder": holder[:100], "finished_at": finished_at, "duration_ms": int(duration_ms)}
    table = SchedulerTick.__table__
    with db.engine.begin() as conn:
        if conn.execute(update(table).where(table.c.name == name).values(**values)).rowcount:
            return
    try:
        with db.engine.begin() as conn:
            conn.execute(table.insert().values(name=name, **values))
    except IntegrityError:  # a scan elsewhere inserted it first: update theirs
        with db.engine.begin() as conn:
            conn.execute(update(table).where(table.c.name == name).values(**values))


def last_tick(name: str = SCAN) -> SchedulerTick | None:
    return db.session.get(SchedulerTick, name)
