"""Month-end snapshots: the figures of the month just ended, frozen on the first working day.

Past months keep changing as their cases close later (a case of October closed in November
moves October's 办结率). The monthly report and the ledger's summary print the frozen figures
with the time they were taken, and the live figures beside them. `take_due_snapshot` is the
scheduler's job (app/reminders/tasks.py `tick`); `flask metrics snapshot` takes one by hand.
"""
from datetime import date, datetime, timedelta
import logging

from sqlalchemy.exc import IntegrityError

from app.cases.models import AuditEvent
from app.core.clock import local_today, utcnow
from app.core.timeutil import format_local
from app.extensions import db
from app.figures import queries
from app.figures.models import FigureSnapshot
from app.workdays.calendar import WorkCalendar

log = logging.getLogger(__name__)
SYSTEM = "系统"


class SnapshotError(ValueError):
    """A refused snapshot, with a Chinese message."""


def get_snapshot(month: str) -> FigureSnapshot | None:
    return db.session.execute(db.select(FigureSnapshot).filter_by(month=month)).scalar_one_or_none()


def snapshot_for_period(date_from: date | None, date_to: date | None) -> FigureSnapshot | None:
    """The snapshot of the period if the period is exactly one calendar month, else None."""
    if date_from is None or date_to is None or date_from.day != 1:
        return None
    if queries.add_months(date_from, 1) != date_to:
        return None
    return get_snapshot(f"{date_from:%Y-%m}")


def previous_month(today: date) -> str:
    return f"{queries.add_months(today.replace(day=1), -1):%Y-%m}"


def first_working_day(month_start: date, calendar: WorkCalendar) -> date:
    day = month_start
    while not calendar.is_workday(day):
        day += timedelta(days=1)
    return day


def take_snapshot(month: str, *, now: datetime | None = None, taken_by: str = SYSTEM,
                  replace: bool = False) -> FigureSnapshot:
    """Freeze `month`'s figures and league table as computed at `now`; flush, never commit.

    Refused for a month that has not ended, and for a month already frozen unless `replace`
    (by hand, to correct a snapshot; the audit trail keeps both)."""
    now = now or utcnow()
    try:
        date_from, date_to = queries.month_bounds(month)
    except ValueError:
        raise SnapshotError("月份格式应为 YYYY-MM") from None
    if not queries.date_in_range(date_from):
        raise SnapshotError(queries.DATE_RANGE_MESSAGE)
    if local_today(now) < date_to:
        raise SnapshotError(f"{month} 尚未结束，月末快照须在该月结束后生成")
    existing = get_snapshot(month)
    if existing is not None and not replace:
        raise SnapshotError(f"{month} 的月末快照已于 {format_local(existing.taken_at)} 生成；"
                            "如需重新生成，请加 --replace")
    data = queries.compute_figures(date_from, date_to, by="department", now=now)
    if existing is None:
        existing = FigureSnapshot(month=month)
        db.session.add(existing)
    existing.taken_at, existing.taken_by, existing.data = now, taken_by, data
    db.session.add(AuditEvent(case_id=None, actor_label=taken_by, action="snapshot_figures",
                              created_at=now, data={"month": month, "replace": replace}))
    db.session.flush()
    return existing


def take_due_snapshot(now: datetime | None = None) -> int:
    """The scheduler's job: from the month's first working day on, freeze the month just
    ended if it is not frozen yet (a server down that day catches up at its next tick; the
    stored time says when). Returns the number of snapshots taken (0 or 1)."""
    now = now or utcnow()
    today = local_today(now)
    month = previous_month(today)
    if today < first_working_day(today.replace(day=1), WorkCalendar.from_database()):
        return 0
    if get_snapshot(month) is not None:
        return 0
    try:
        take_snapshot(month, now=now)
        db.session.commit()
    except IntegrityError:  # another process froze it a moment ago
        db.session.rollback()
        return 0
    log.info("figures: month-end snapshot of %s taken", month)
    return 1
