"""The yearly State Council notice, pasted by the admin: read into days off and make-up working
days (checked day by day against chinese-calendar for 2025 and 2026), refused in Chinese when
unreadable, confirmed on a calendar and saved with its title; the admin is warned from
1 November while next year has no calendar."""
from datetime import date, datetime, timedelta
import hashlib

import chinese_calendar
import pytest

from app.core.timeutil import LOCAL_TZ
from app.extensions import db
from app.workdays.calendar import WorkCalendar
from app.workdays.models import HolidayNotice, HolidayOverride
from app.workdays.notice import NoticeError, parse_notice
from app.workdays.operations import save_notice, set_override
from tests.workdays.notices import NOTICE_2025, NOTICE_2026, NOTICE_2027


def every_day(year):
    day = date(year, 1, 1)
    while day.year == year:
        yield day
        day += timedelta(days=1)


@pytest.mark.parametrize("year, text", [(2025, NOTICE_2025), (2026, NOTICE_2026)])
def test_real_notices_match_chinese_calendar_day_by_day(year, text):
    schedule = parse_notice(text)
    assert schedule.year == year and schedule.title == f"国务院办公厅关于{year}年部分节假日安排的通知"
    days = schedule.days()
    for day in every_day(year):
        is_workday = days[day][0] if day in days else day.weekday() < 5
        assert is_workday == chinese_calendar.is_workday(day), day
        if day in days and not days[day][0]:
            assert chinese_calendar.is_holiday(day), day


def test_made_up_2027_notice_reads_every_festival():
    schedule = parse_notice(NOTICE_2027)
    assert [f.name for f in schedule.festivals] == ["元旦", "春节", "清明节", "劳动节", "端午节",
                                                    "中秋节", "国庆节"]
    days = schedule.days()
    assert days[date(2027, 2, 5)] == (False, "春节放假")
    assert days[date(2027, 2, 20)] == (True, "春节调休上班")
    assert sum(not w for w, _ in days.values()) == 3 + 8 + 3 + 5 + 1 + 1 + 7
    assert sorted(d for d, (w, _) in days.items() if w) == [
        date(2027, 2, 14), date(2027, 2, 20), date(2027, 4, 25), date(2027, 5, 8),
        date(2027, 9, 26), date(2027, 10, 9)]


def test_text_from_a_pdf_with_full_width_digits_and_broken_lines():
    text = NOTICE_2027.replace("10月1日", "１０月\n１日").replace("部分节假日", "部分\n节假日")
    assert parse_notice(text).days() == parse_notice(NOTICE_2027).days()


@pytest.mark.parametrize("text, message", [
    ("", "请粘贴通知全文"),
    ("   \n ", "请粘贴通知全文"),
    (NOTICE_2027.replace("国务院办公厅关于2027年部分节假日安排的通知", "关于放假的通知"),
     "没有找到通知标题"),
    ("国务院办公厅关于2027年部分节假日安排的通知\n经国务院批准，元旦放假。", "没有读出任何节日安排"),
    (NOTICE_2027.replace("1月1日（周五）", "1月1日（周四）"),
     "第一项“元旦”：1月1日标注为周四，但2027年1月1日是周五"),
    (NOTICE_2027.replace("共8天", "共9天"), "第二项“春节”：通知写“共9天”，但2月5日至2月12日是8天"),
    (NOTICE_2027.replace("4月3日（周六）", "2月30日"), "第三项“清明节”：2027年2月30日不是有效日期"),
    (NOTICE_2027.replace("6月9日（周三）放假1天", "端午放假1天"), "第五项“端午节”：没有读出放假日期"),
    (NOTICE_2027.replace("9月26日（周日）", "10月3日（周日）"), "10月3日既是“国庆节”的放假日又是上班日"),
    ("x" * 30_000 + NOTICE_2027, "粘贴的文字过长"),
])
def test_unreadable_text_is_refused_in_chinese(text, message):
    with pytest.raises(NoticeError) as caught:
        parse_notice(text)
    assert any(message in error for error in caught.value.errors), caught.value.errors


def test_saved_notice_drives_deadlines_and_a_second_save_replaces_it(app):
    set_override(date(2027, 3, 1), False, "县里停电")  # typed by hand, kept
    set_override(date(2027, 2, 5), True, "值班")  # the notice's word wins
    notice = save_notice(parse_notice(NOTICE_2027))
    db.session.commit()
    assert notice.title == "国务院办公厅关于2027年部分节假日安排的通知"
    rows = db.session.execute(db.select(HolidayOverride).filter_by(notice_id=notice.id)).scalars().all()
    assert len(rows) == 28 + 6
    calendar = WorkCalendar.from_database()
    assert not calendar.is_workday(date(2027, 2, 5)) and calendar.is_workday(date(2027, 2, 20))
    # Thursday 4 Feb + 1 working day: the 8-day Spring Festival, then make-up Sunday 14 Feb.
    start = datetime(2027, 2, 4, 10, tzinfo=LOCAL_TZ)
    assert calendar.add_workdays(start, 1) == datetime(2027, 2, 14, 10, tzinfo=LOCAL_TZ)
    # A corrected notice: the Spring Festival make-up Saturday moves; the old day goes.
    save_notice(parse_notice(NOTICE_2027.replace("2月20日（周六）", "2月13日（周六）")))
    db.session.commit()
    calendar = WorkCalendar.from_database()
    assert calendar.is_workday(date(2027, 2, 13)) and not calendar.is_workday(date(2027, 2, 20))
    assert calendar.overrides[date(2027, 3, 1)] is False
    assert db.session.query(HolidayNotice).count() == 1


def fingerprint(text):
    return hashlib.sha256(text.encode()).hexdigest()


def test_paste_confirm_save_over_http(client, login_as, world):
    login_as(world.admin)
    bad = NOTICE_2027.replace("共8天", "共9天")
    response = client.post("/admin/holidays/notice", data={"text": bad, "parse": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 400 and "通知写“共9天”" in body
    assert "2月5日（农历除夕、周五）至2月12日" in body  # what was pasted survives
    response = client.post("/admin/holidays/notice", data={"text": NOTICE_2027, "parse": ""})
    body = response.get_data(as_text=True)
    assert response.status_code == 200 and 'data-day="2027-02-05"' in body and "确认保存" in body
    assert 'class="cal-work" data-day="2027-02-20"' in body
    assert db.session.query(HolidayOverride).count() == 0  # nothing saved before confirming
    # Saving a text other than the one shown: shown again, not saved.
    response = client.post("/admin/holidays/notice", data={
        "text": NOTICE_2027, "checked": fingerprint(NOTICE_2026), "save": "1"})
    assert response.status_code == 400 and "核对后有改动" in response.get_data(as_text=True)
    assert db.session.query(HolidayOverride).count() == 0
    response = client.post("/admin/holidays/notice", data={
        "text": NOTICE_2027, "checked": fingerprint(NOTICE_2027), "save": "1"})
    assert response.status_code == 302
    page = client.get("/admin/holidays").get_data(as_text=True)
    assert "已保存《国务院办公厅关于2027年部分节假日安排的通知》：放假28天，调休上班6天" in page
    assert "《国务院办公厅关于2027年部分节假日安排的通知》" in page and "春节调休上班" in page


@pytest.mark.parametrize("moment, warned", [
    (datetime(2026, 10, 31, 23, 0, tzinfo=LOCAL_TZ), False),
    (datetime(2026, 11, 1, 0, 5, tzinfo=LOCAL_TZ), True),
    (datetime(2026, 12, 31, 12, 0, tzinfo=LOCAL_TZ), True),
])
def test_admin_index_warns_from_november_while_next_year_has_no_calendar(
        client, login_as, world, fixed_clock, moment, warned):
    fixed_clock.set(moment)
    login_as(world.admin)
    body = client.get("/admin/").get_data(as_text=True)
    assert ('data-missing-year="2027"' in body) is warned
    assert ("粘贴通知导入2027年安排" in body) is warned
    save_notice(parse_notice(NOTICE_2027))
    db.session.commit()
    assert 'data-missing-year="2027"' not in client.get("/admin/").get_data(as_text=True)


def test_a_year_nobody_knows_is_warned_all_year(client, login_as, world, fixed_clock):
    fixed_clock.set(datetime(2027, 3, 1, 9, tzinfo=LOCAL_TZ))
    login_as(world.admin)
    assert 'data-missing-year="2027"' in client.get("/admin/").get_data(as_text=True)
    assert "粘贴国务院2027年节假日安排通知" in client.get("/admin/holidays").get_data(as_text=True)
