"""Notifications (issue 19 item 12): grouped by case, tagged 新 and counted on the badge only
while unread and younger than three days, 本案已读 and 全部标为已读 with a count, dates kept on
one line; over HTTP and in Chromium with CSRF on."""
from datetime import timedelta

from app.cases import operations as ops
from app.cases.models import CaseState
from app.core.clock import utcnow
from app.core.timeutil import LOCAL_TZ, keep_dates_whole
from app.extensions import db
from app.reminders.models import Notification
from tests.conftest import browser_login, screenshots_dir
from tests.figures.timeline import NOW as FRIDAY_9AM


def two_cases(world, make_case):
    """Case A: dispatched ten days ago (an old unread message), urged now; case B: dispatched an
    hour ago. The handler has three messages, two of them new."""
    old = make_case(CaseState.dispatched, now=utcnow() - timedelta(days=10))
    ops.urge_case(old, world.dispatcher, note="请加快办理")
    db.session.commit()
    recent = make_case(CaseState.dispatched, now=utcnow() - timedelta(hours=1))
    return old, recent


def unread(user):
    return db.session.query(Notification).filter_by(recipient_id=user.id, read_at=None).count()


def test_grouped_by_case_old_ones_not_new_and_read_by_case(client, login_as, world, make_case,
                                                           fixed_clock):
    fixed_clock.set(FRIDAY_9AM)
    old, recent = two_cases(world, make_case)
    assert unread(world.handler) == 3
    login_as(world.handler)
    html = client.get("/handling/notifications").get_data(as_text=True)
    assert '<span class="badge">2</span>' in html  # the ten-day-old one no longer counts
    assert html.count('<span class="tag tag-red">新</span>') == 2
    assert html.index(f'data-case="{old.tracking_no}"') < html.index(f'data-case="{recent.tracking_no}"')
    group = html[html.index(f'data-case="{old.tracking_no}"'):html.index(f'data-case="{recent.tracking_no}"')]
    assert "共2条" in group and "1条新消息" in group and "更早的1条" in group
    # Dates never break inside, in the title ("请于2026-11-30 08:00前签收") or after it.
    assert f'<span class="nowrap">{FRIDAY_9AM.astimezone(LOCAL_TZ):%Y-%m-%d %H:%M}</span>' in group
    response = client.post("/handling/notifications/read", data={"case": old.id},
                           follow_redirects=True)
    assert "已将2条消息标为已读" in response.get_data(as_text=True)
    assert unread(world.handler) == 1
    response = client.post("/handling/notifications/read", follow_redirects=True)
    assert "已将1条消息标为已读" in response.get_data(as_text=True)
    assert unread(world.handler) == 0
    # A case id out of range is not an error: it reads nothing.
    response = client.post("/handling/notifications/read", data={"case": "9" * 30})
    assert response.status_code == 303


def test_unread_messages_age_out_of_the_badge(client, login_as, world, make_case, fixed_clock):
    fixed_clock.set(FRIDAY_9AM)
    make_case(CaseState.dispatched)
    login_as(world.handler)
    assert '<span class="badge">1</span>' in client.get("/handling/").get_data(as_text=True)
    fixed_clock.advance(timedelta(days=3, minutes=1))
    html = client.get("/handling/notifications").get_data(as_text=True)
    assert 'class="badge"' not in html and "tag-red" not in html
    assert "全部标为已读" in html  # still unread, still listed


def test_handler_reads_grouped_notifications_in_chromium(wide_desk_page, narrow_page, world,
                                                         make_case, fixed_clock):
    fixed_clock.set(FRIDAY_9AM)
    old, _recent = two_cases(world, make_case)
    for page in (wide_desk_page, narrow_page):
        browser_login(page, world.handler.username)
        page.goto("/handling/notifications")
    phone = narrow_page
    assert phone.evaluate("document.scrollingElement.scrollWidth") <= 390
    # Every date is on one line: one box each.
    assert phone.evaluate("[...document.querySelectorAll('.cell-body .nowrap')]"
                          ".every(e => e.getClientRects().length === 1)")
    phone.screenshot(path=str(screenshots_dir() / "notifications-phone.png"), full_page=True)
    desk = wide_desk_page
    desk.screenshot(path=str(screenshots_dir() / "notifications-desk.png"), full_page=True)
    desk.locator(f'[data-case="{old.tracking_no}"] summary').click()
    assert desk.locator(f'[data-case="{old.tracking_no}"] .cell').count() == 2
    desk.click("text=全部标为已读")
    desk.wait_for_url("**/handling/notifications")
    assert "已将3条消息标为已读" in desk.locator(".flash-info").inner_text()
    assert desk.locator(".badge").count() == 0 and desk.locator(".tag-red").count() == 0


def test_dates_kept_whole_and_text_escaped():
    assert str(keep_dates_whole("请于2026-11-30 08:00前签收<b>")) == (
        '请于<span class="nowrap">2026-11-30 08:00</span>前签收&lt;b&gt;')
    assert str(keep_dates_whole("12-05 09:30 已催办")) == '<span class="nowrap">12-05 09:30</span> 已催办'
