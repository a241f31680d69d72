from datetime import date, datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.types import UTCDateTime
from app.extensions import db


class HolidayNotice(db.Model):
    """A State Council holiday notice the admin pasted and confirmed: one per year."""

    __tablename__ = "holiday_notices"

    id: Mapped[int] = mapped_column(primary_key=True)
    year: Mapped[int] = mapped_column(unique=True)
    title: Mapped[str] = mapped_column(String(100))
    saved_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class HolidayOverride(db.Model):
    """The office's word on one day, winning over the official calendar."""

    __tablename__ = "holiday_overrides"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(unique=True)
    is_workday: Mapped[bool]
    note: Mapped[str | None] = mapped_column(String(100))
    # Set when the day came from a pasted notice; a typed override has none.
    notice_id: Mapped[int | None] = mapped_column(ForeignKey("holiday_notices.id"))
    notice: Mapped[HolidayNotice | None] = relationship()
