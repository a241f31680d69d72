"""The admin pastes next year's notice in Chromium on the desktop, with CSRF on as in
production: a typo is refused with the text kept, the fixed text shows as a calendar, and
确认保存 stores it."""
from datetime import datetime

from app.core.timeutil import LOCAL_TZ
from app.extensions import db
from app.workdays.models import HolidayNotice, HolidayOverride
from tests.conftest import browser_login, screenshots_dir
from tests.workdays.notices import NOTICE_2027


def test_admin_pastes_confirms_and_saves_the_2027_notice(wide_desk_page, world, fixed_clock):
    fixed_clock.set(datetime(2026, 11, 2, 9, tzinfo=LOCAL_TZ))
    page = wide_desk_page
    browser_login(page, world.admin.username)
    page.goto("/admin/")
    assert "系统尚无2027年的法定节假日安排" in page.locator("[data-missing-year='2027']").inner_text()
    page.screenshot(path=str(screenshots_dir() / "admin-index-calendar-warning-desk.png"))
    page.goto("/admin/holidays")
    page.click("text=粘贴国务院通知导入全年安排")
    page.fill("textarea[name=text]", NOTICE_2027.replace("共8天", "共9天"))
    page.click("button[name=parse]")
    assert "通知写“共9天”，但2月5日至2月12日是8天" in page.locator(".flash-error").inner_text()
    assert "共9天" in page.input_value("textarea[name=text]")  # nothing typed is lost
    page.fill("textarea[name=text]", NOTICE_2027)
    page.click("button[name=parse]")
    assert page.locator(".month-cal").count() == 12
    assert page.get_attribute('td[data-day="2027-02-05"]', "class") == "cal-off"
    assert page.get_attribute('td[data-day="2027-02-20"]', "class") == "cal-work"
    assert db.session.query(HolidayOverride).count() == 0
    page.screenshot(path=str(screenshots_dir() / "admin-holiday-notice-desk.png"), full_page=True)
    page.locator("button[name=save]").first.click()
    page.wait_for_url("**/admin/holidays")
    assert "已保存《国务院办公厅关于2027年部分节假日安排的通知》" in page.content()
    db.session.expire_all()
    notice = db.session.execute(db.select(HolidayNotice)).scalar_one()
    assert notice.year == 2027
    assert db.session.query(HolidayOverride).filter_by(notice_id=notice.id).count() == 34
    page.screenshot(path=str(screenshots_dir() / "admin-holidays-desk.png"), full_page=True)
    page.goto("/admin/")
    assert page.locator("[data-missing-year]").count() == 0


def test_notice_page_fits_a_phone(narrow_page, world):
    page = narrow_page
    browser_login(page, world.admin.username)
    page.goto("/admin/holidays/notice")
    page.fill("textarea[name=text]", NOTICE_2027)
    page.click("button[name=parse]")
    assert page.locator(".month-cal").count() == 12
    page.screenshot(path=str(screenshots_dir() / "admin-holiday-notice-phone.png"), full_page=True)
    assert page.evaluate("document.scrollingElement.scrollWidth") <= 390
