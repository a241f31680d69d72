"""Working-day arithmetic on China's official calendar plus the office's overrides.

`chinese_calendar` knows each year's holidays and make-up working days (调休) once the
State Council has published them. For a year it does not know we fall back to
"Monday to Friday" plus the office's overrides and log a warning — a deadline must never crash.
"""
from datetime import date, datetime, time, timedelta
import logging

import chinese_calendar

from app.core.timeutil import LOCAL_TZ

log = logging.getLogger(__name__)
# Years we have warned about: once per process is enough, not once per deadline.
_warned_years: set[int] = set()

# Working hours: the end of a working day for "same day" limits, the start for quiet hours.
WORKDAY_START = time(8, 30)
WORKDAY_END = time(17, 30)


class WorkCalendar:
    """A calendar of working days: official data, then overrides (the office's word wins)."""

    def __init__(self, overrides: dict[date, bool] | None = None):
        self.overrides = dict(overrides or {})
        # chinese_calendar validates every call (a min and a max over all its holidays); the
        # scheduler asks ~8 times per due case. Both answers are kept: the official one per
        # day, and the years it has no data for (at ten million cases in 2033 the uncached
        # fallback was ~0.3 s of a 1,000-case tick).
        self._known: dict[date, bool] = {}
        self._unknown_years: set[int] = set()
        # (first day, n) → the n-th working day after it: a tick's due cases share a few
        # deadline days, so their escalation points are mostly one look-up.
        self._after: dict[tuple[date, int], date] = {}

    @classmethod
    def from_database(cls, session=None):
        from app.workdays.models import HolidayOverride
        from app.extensions import db
        rows = (session or db.session).execute(db.select(HolidayOverride.day, HolidayOverride.is_workday)).all()
        return cls({day: is_workday for day, is_workday in rows})

    def is_workday(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day in self._known:
            return self._known[day]
        if day.year in self._unknown_years:
            return day.weekday() < 5
        try:
            self._known[day] = chinese_calendar.is_workday(day)
            return self._known[day]
        except NotImplementedError:
            self._unknown_years.add(day.year)
            if day.year not in _warned_years:
                _warned_years.add(day.year)
                log.warning("official calendar has no data for %s; using weekdays plus "
                            "office overrides — add that year's holidays in 节假日设置", day.year)
            return day.weekday() < 5

    def is_known_year(self, year: int) -> bool:
        try:
            chinese_calendar.is_workday(date(year, 6, 1))
            return True
        except NotImplementedError:
            return False

    def next_workday(self, day: date) -> date:
        """The first working day on or after `day`."""
        while not self.is_workday(day):
            day += timedelta(days=1)
        return day

    def add_workdays(self, start: datetime, days: int) -> datetime:
        """`days` working days after `start`, at the same local clock time.

        Counting starts on a working day: a case dispatched on a Saturday is counted from
        Monday 00:00, so "1 working day" then means "by the end of Monday". Zero days means
        "by the end of today's working hours" (the urgent limit)."""
        local = start.astimezone(LOCAL_TZ)
        day = local.date()
        if not self.is_workday(day):
            day = self.next_workday(day)
            local = datetime.combine(day, time(0, 0), tzinfo=LOCAL_TZ)
        if days == 0:
            end = datetime.combine(day, WORKDAY_END, tzinfo=LOCAL_TZ)
            if local >= end:  # after hours: the end of the next working day
                end = datetime.combine(self.next_workday(day + timedelta(days=1)),
                                       WORKDAY_END, tzinfo=LOCAL_TZ)
            return end.astimezone(start.tzinfo)
        return datetime.combine(self._workdays_after(day, days),
                                local.timetz().replace(tzinfo=None),
                                tzinfo=LOCAL_TZ).astimezone(start.tzinfo)

    def _workdays_after(self, first: date, days: int) -> date:
        key = (first, days)
        if key not in self._after:
            day, counted = first, 0
            while counted < days:
                day += timedelta(days=1)
                if self.is_workday(day):
                    counted += 1
            self._after[key] = day
        return self._after[key]

    def workdays_between(self, start: datetime, end: datetime) -> int:
        """Whole working days from start's local date to end's local date (end exclusive)."""
        a, b = start.astimezone(LOCAL_TZ).date(), end.astimezone(LOCAL_TZ).date()
        count = 0
        while a < b:
            if self.is_workday(a):
                count += 1
            a += timedelta(days=1)
        return count

    def working_seconds_between(self, start: datetime, end: datetime) -> float:
        """Seconds of working-day time (whole non-working days skipped) between two instants."""
        if end <= start:
            return 0.0
        total = 0.0
        cursor = start.astimezone(LOCAL_TZ)
        end = end.astimezone(LOCAL_TZ)
        while cursor < end:
            next_midnight = datetime.combine(cursor.date() + timedelta(days=1), time(0),
                                             tzinfo=LOCAL_TZ)
            segment_end = min(next_midnight, end)
            if self.is_workday(cursor.date()):
                total += (segment_end - cursor).total_seconds()
            cursor = segment_end
        return total
