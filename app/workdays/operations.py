"""The office's holiday overrides; flush, never commit."""
from datetime import date

from app.extensions import db
from app.workdays.models import HolidayOverride


class OverrideError(ValueError):
    """A refused override, with a Chinese message."""


def set_override(day: date | None, is_workday: bool, note: str | None = None) -> HolidayOverride:
    """Declare `day` a working day or a day off, replacing any earlier word on it."""
    if day is None:
        raise OverrideError("请选择日期")
    row = db.session.execute(db.select(HolidayOverride).filter_by(day=day)).scalar_one_or_none()
    if row is None:
        row = HolidayOverride(day=day, is_workday=is_workday)
        db.session.add(row)
    row.is_workday = is_workday
    row.note = (note or "").strip()[:100] or None
    db.session.flush()
    return row


def delete_override(row: HolidayOverride) -> None:
    db.session.delete(row)
    db.session.flush()
