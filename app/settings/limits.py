"""Apply the office's time limits (DESIGN §4) to instants."""
from datetime import datetime, timedelta

from app.extensions import db
from app.settings.models import LimitUnit, TimeLimit
from app.workdays.calendar import WorkCalendar


def get_limit(key: str) -> TimeLimit:
    limit = db.session.execute(db.select(TimeLimit).filter_by(key=key)).scalar_one_or_none()
    if limit is None:
        raise LookupError(f"time limit {key!r} is missing; run `flask db upgrade`")
    return limit


def apply_limit(start: datetime, key: str, calendar: WorkCalendar, amount: int | None = None):
    """The instant `start` plus the limit `key` (amount overridable, unit from the setting)."""
    limit = get_limit(key)
    return add_limit(start, limit.amount if amount is None else amount, limit.unit, calendar)


def add_limit(start: datetime, amount: int, unit: LimitUnit, calendar: WorkCalendar):
    """`start` plus `amount` units: minutes and hours in calendar time, working days on `calendar`."""
    if unit is LimitUnit.minutes:
        return start + timedelta(minutes=amount)
    if unit is LimitUnit.hours:
        return start + timedelta(hours=amount)
    return calendar.add_workdays(start, amount)
