"""The office's holiday overrides and pasted notices; flush, never commit."""
from datetime import date

from app.core.clock import utcnow
from app.extensions import db
from app.workdays.models import HolidayNotice, HolidayOverride
from app.workdays.notice import NoticeSchedule


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
    row.notice = None
    db.session.flush()
    return row


def delete_override(row: HolidayOverride) -> None:
    db.session.delete(row)
    db.session.flush()


def save_notice(schedule: NoticeSchedule) -> HolidayNotice:
    """Store a confirmed notice: its title, and one override per day it names. Saving the same
    year again replaces the days the earlier notice brought; a day the office typed by hand
    takes the notice's word."""
    notice = db.session.execute(db.select(HolidayNotice).filter_by(year=schedule.year)).scalar_one_or_none()
    if notice is None:
        notice = HolidayNotice(year=schedule.year)
        db.session.add(notice)
    else:
        db.session.execute(db.delete(HolidayOverride).where(HolidayOverride.notice_id == notice.id))
    notice.title = schedule.title[:100]
    notice.saved_at = utcnow()
    db.session.flush()
    for day, (is_workday, note) in sorted(schedule.days().items()):
        set_override(day, is_workday, note).notice = notice
    db.session.flush()
    return notice

