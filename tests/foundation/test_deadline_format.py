"""Deadlines read as the day they fall on, the same on every page (the `deadline` filter)."""
from datetime import date, datetime, timedelta

from app.core.timeutil import LOCAL_TZ, format_deadline, keep_dates_whole, local_datetime
from app.settings.limits import add_limit
from app.settings.models import LimitUnit
from app.workdays.calendar import WorkCalendar

TODAY = date(2026, 12, 7)


def test_a_limit_at_local_midnight_is_the_day_before_never_00_00_of_the_next_day():
    saturday_midnight = datetime(2026, 12, 12, 0, 0, tzinfo=LOCAL_TZ)
    assert format_deadline(saturday_midnight, today=TODAY) == "12月11日（周五）内"
    # The same instant written in UTC (Friday 16:00 UTC) reads the same.
    assert format_deadline(local_datetime(date(2026, 12, 12), datetime.min.time()),
                           today=TODAY) == "12月11日（周五）内"


def test_one_minute_either_side_of_midnight_names_its_own_day_and_time():
    midnight = datetime(2026, 12, 15, 0, 0, tzinfo=LOCAL_TZ)
    assert format_deadline(midnight - timedelta(minutes=1), today=TODAY) == "12月14日（周一）23:59前"
    assert format_deadline(midnight, today=TODAY) == "12月14日（周一）内"
    assert format_deadline(midnight + timedelta(minutes=1), today=TODAY) == "12月15日（周二）00:01前"


def test_a_limit_with_a_clock_time_keeps_it():
    assert format_deadline(datetime(2026, 12, 14, 10, 30, tzinfo=LOCAL_TZ),
                           today=TODAY) == "12月14日（周一）10:30前"


def test_the_year_is_named_only_when_it_is_not_this_year():
    new_year = datetime(2027, 1, 1, 0, 0, tzinfo=LOCAL_TZ)  # within 31 December 2026
    assert format_deadline(new_year, today=TODAY) == "12月31日（周四）内"
    assert format_deadline(datetime(2027, 1, 5, 0, 0, tzinfo=LOCAL_TZ),
                           today=TODAY) == "2027年1月4日（周一）内"
    assert format_deadline(None) == ""


def test_a_weekend_submission_counted_from_monday_reads_as_the_working_day_it_ends(app):
    """A case sent on a Saturday with a 1-working-day limit is due Tuesday 00:00: "within
    Monday" — the receipt of the office's probe promised "12-15 00:00"."""
    calendar = WorkCalendar({date(2026, 12, 12): False, date(2026, 12, 13): False,
                             date(2026, 12, 14): True, date(2026, 12, 15): True})
    saturday = datetime(2026, 12, 12, 15, 0, tzinfo=LOCAL_TZ)
    due = add_limit(saturday, 1, LimitUnit.workdays, calendar)
    assert due.astimezone(LOCAL_TZ) == datetime(2026, 12, 15, 0, 0, tzinfo=LOCAL_TZ)
    assert format_deadline(due, today=TODAY) == "12月14日（周一）内"


def test_the_filter_is_the_one_helper_and_lines_never_break_inside_it(app):
    with app.app_context():
        render = app.jinja_env.from_string("{{ d|deadline }}")
        moment = datetime(2026, 12, 12, 0, 0, tzinfo=LOCAL_TZ)
        assert render.render(d=moment).endswith("月11日（周五）内")
    assert str(keep_dates_whole("请在12月11日（周五）内签收")) == (
        '请在<span class="nowrap">12月11日（周五）内</span>签收')
