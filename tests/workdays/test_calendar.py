"""Deadlines on real dates: China's 2026 holidays and make-up days, the office's overrides,
a year the official data does not know, same-day limits and weekend dispatches."""
from datetime import date, datetime, timedelta
import logging

import pytest

from app.cases import operations as ops
from app.cases.models import CaseState, Complexity
from app.core.timeutil import LOCAL_TZ
from app.extensions import db
from app.settings.limits import apply_limit
from app.workdays.calendar import WorkCalendar
from app.workdays.models import HolidayOverride


def local(y, m, d, hh=10, mm=0):
    return datetime(y, m, d, hh, mm, tzinfo=LOCAL_TZ)


def as_local(value: datetime) -> datetime:
    return value.astimezone(LOCAL_TZ)


def test_one_working_day_before_national_day_lands_after_the_holiday():
    # 2026-10-01 … 10-07 are holidays: Wednesday 30 September + 1 working day = Thursday 8 October.
    assert WorkCalendar().add_workdays(local(2026, 9, 30), 1) == local(2026, 10, 8)


def test_make_up_saturday_counts_as_a_working_day():
    # Saturday 2026-10-10 is a make-up working day (调休) after the National Day holiday.
    calendar = WorkCalendar()
    assert calendar.is_workday(date(2026, 10, 10))
    assert calendar.add_workdays(local(2026, 10, 9), 1) == local(2026, 10, 10)
    assert calendar.add_workdays(local(2026, 10, 9), 2) == local(2026, 10, 12)


def test_make_up_sunday_before_mid_autumn_counts():
    # Sunday 2026-09-20 is a make-up working day; Saturday the 19th is not.
    calendar = WorkCalendar()
    assert calendar.is_workday(date(2026, 9, 20)) and not calendar.is_workday(date(2026, 9, 19))
    assert calendar.add_workdays(local(2026, 9, 18), 1) == local(2026, 9, 20)


def test_mid_autumn_and_national_day_stretch_a_five_day_limit():
    # Thu 24 Sep + 5: 28, 29, 30 Sep, then nothing until 8, 9 Oct.
    assert WorkCalendar().add_workdays(local(2026, 9, 24), 5) == local(2026, 10, 9)


def test_dispatch_before_national_day_sets_real_deadlines(make_case, world):
    case = make_case()
    ops.dispatch_case(case, world.dispatcher, world.dept, complexity=Complexity.general,
                      now=local(2026, 9, 30))
    assert as_local(case.sign_due_at) == local(2026, 10, 8)
    # 8, 9, 10 (make-up Saturday), 12, 13 October.
    assert as_local(case.reply_due_at) == local(2026, 10, 13)
    assert case.state is CaseState.dispatched


@pytest.fixture
def fresh_warnings(monkeypatch):
    """The warning is once per process; forget earlier ones so this test sees its own."""
    from app.workdays import calendar as calendar_module
    monkeypatch.setattr(calendar_module, "_warned_years", set())


def test_year_without_official_data_falls_back_to_weekdays_and_warns(caplog, fresh_warnings):
    calendar = WorkCalendar()
    assert not calendar.is_known_year(2027)
    with caplog.at_level(logging.WARNING, logger="app.workdays.calendar"):
        # Wed 30 Dec 2026 + 5: Thu 31, then (weekdays only) Fri 1, Mon 4, Tue 5, Wed 6 Jan 2027.
        due = calendar.add_workdays(local(2026, 12, 30), 5)
    assert due == local(2027, 1, 6)
    warnings = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "2027" in warnings[0].getMessage()


def test_a_year_without_official_data_is_asked_of_chinese_calendar_once(monkeypatch,
                                                                         fresh_warnings):
    """The scheduler asks ~8 days per due case; chinese_calendar scans all its holidays on
    every call, so a year it does not know is remembered after the first refusal (the
    answers stay the weekdays')."""
    import chinese_calendar
    asked = []

    def counting(day):
        asked.append(day)
        return real(day)
    real = chinese_calendar.is_workday
    monkeypatch.setattr(chinese_calendar, "is_workday", counting)
    calendar = WorkCalendar({date(2033, 12, 26): False})
    days = [date(2033, 12, 1) + timedelta(days=n) for n in range(31)]
    answers = [calendar.is_workday(day) for day in days + days]
    assert answers == [day.weekday() < 5 and day != date(2033, 12, 26) for day in days + days]
    assert asked == [date(2033, 12, 1)]
    # A known year is still asked per day (and then kept).
    assert calendar.is_workday(date(2026, 10, 10)) is True  # a make-up Saturday
    assert calendar.is_workday(date(2026, 10, 10)) is True
    assert asked == [date(2033, 12, 1), date(2026, 10, 10)]


def test_unknown_year_still_honours_office_overrides(caplog, fresh_warnings):
    # The office enters New Year's Day 2027 itself: the deadline moves by one day.
    calendar = WorkCalendar({date(2027, 1, 1): False})
    with caplog.at_level(logging.WARNING, logger="app.workdays.calendar"):
        assert calendar.add_workdays(local(2026, 12, 30), 5) == local(2027, 1, 7)
    assert any("2027" in r.getMessage() for r in caplog.records)


def test_office_override_wins_over_the_official_calendar(app):
    # Wednesday 2026-11-18 made a holiday (e.g. a local event); Saturday 11-21 a working day.
    db.session.add_all([HolidayOverride(day=date(2026, 11, 18), is_workday=False, note="县庆"),
                        HolidayOverride(day=date(2026, 11, 21), is_workday=True, note="补班")])
    db.session.commit()
    calendar = WorkCalendar.from_database()
    assert not calendar.is_workday(date(2026, 11, 18)) and calendar.is_workday(date(2026, 11, 21))
    assert calendar.add_workdays(local(2026, 11, 17), 1) == local(2026, 11, 19)
    assert calendar.add_workdays(local(2026, 11, 20), 1) == local(2026, 11, 21)
    assert WorkCalendar().add_workdays(local(2026, 11, 17), 1) == local(2026, 11, 18)


def test_urgent_limit_is_the_same_working_day(app):
    calendar = WorkCalendar()
    morning = local(2026, 11, 17, 10)
    assert calendar.add_workdays(morning, 0) == local(2026, 11, 17, 17, 30)
    # The office's default urgent handling limit (0 working days) means the same.
    assert apply_limit(morning, "handle_urgent", calendar) == local(2026, 11, 17, 17, 30)
    # Dispatched after hours: the end of the next working day.
    assert calendar.add_workdays(local(2026, 11, 17, 18), 0) == local(2026, 11, 18, 17, 30)
    # Wednesday evening before the National Day holiday: the next working day is 8 October.
    assert calendar.add_workdays(local(2026, 9, 30, 19), 0) == local(2026, 10, 8, 17, 30)


def test_dispatch_on_a_saturday_counts_from_monday():
    calendar = WorkCalendar()
    saturday = local(2026, 11, 21, 10)
    # Counted from Monday 00:00: one working day is the end of Monday, i.e. Tuesday 00:00.
    assert calendar.add_workdays(saturday, 1) == local(2026, 11, 24, 0)
    assert calendar.add_workdays(saturday, 0) == local(2026, 11, 23, 17, 30)
    assert calendar.add_workdays(saturday, 1) - calendar.add_workdays(
        local(2026, 11, 23, 0), 1) == timedelta(0)


@pytest.mark.parametrize("start", [local(2026, 9, 30), local(2026, 11, 21)])
def test_deadlines_come_back_in_the_callers_timezone(start):
    from datetime import timezone
    due = WorkCalendar().add_workdays(start.astimezone(timezone.utc), 1)
    assert due.tzinfo == timezone.utc
