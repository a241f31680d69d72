"""The desk and the phone in headless Chromium: dispatch → sign → reply with a photo → the
submitter sees it; another department's handler gets 404 for the case, its photos, its videos;
five wrong passwords lock an account. Also takes the screenshots committed under docs/."""
import hashlib
from pathlib import Path

import pytest
from PIL import Image

from app.cases.models import Attachment, AttachmentKind, Case, CaseState
from app.core.clock import utcnow
from app.extensions import db
from tests.conftest import PASSWORD, browser_login, category, screenshots_dir

SCREENSHOTS = screenshots_dir()


def jpeg(path: Path, color=(30, 140, 90)) -> Path:
    image = Image.new("RGB", (800, 600), color)
    image.save(path, "JPEG", quality=85)
    return path


def reload(case) -> Case:
    db.session.expire_all()
    return db.session.get(Case, case.id)


def logged_in(page, user):
    browser_login(page, user.username)
    page.wait_for_load_state()
    assert "退出" in page.content(), page.content()


def seed_queue(world, make_case, make_enterprise):
    """A realistic queue: a card case, a returned one, a hotline one."""
    category("electricity").default_department = world.dept
    db.session.commit()
    firm = make_enterprise(name="临清市清源饮品有限公司")
    case = make_case(category="electricity", enterprise=firm,
                     content="新上的变压器已经等了三周还没有接电，设备一直闲置，请帮忙协调供电公司尽快接电。")
    make_case(CaseState.returned, category="tax", content="咨询增值税留抵退税的办理流程和所需材料。")
    from app.cases.models import CaseSource
    make_case(source=CaseSource.hotline, category="contracts",
              content="12345转来：分包商拖欠工人工资两个月，请相关部门督促支付。")
    return case


def test_dispatch_sign_reply_with_photo_shows_on_status_page(
        desk_page, browser, live_server, world, make_case, make_enterprise, tmp_path):
    pytest.importorskip("app.media.operations", reason="media module lives on branch intake")
    from app.media.operations import store_attachment
    world.handler.display_name, world.dispatcher.display_name = "王芳", "李明"
    case = seed_queue(world, make_case, make_enterprise)
    for n, color in enumerate([(90, 90, 100), (120, 110, 90)]):  # the idle equipment
        store_attachment(case, str(jpeg(tmp_path / f"idle{n}.jpg", color)), AttachmentKind.photo)
    # The handler's list already holds an overdue case and an urgent one.
    from datetime import timedelta
    from app.cases.models import Urgency
    make_case(CaseState.signed, now=utcnow() - timedelta(days=12), category="electricity",
              content="厂区近一个月频繁停电，每次停电都造成生产线停机，损失较大。")
    make_case(CaseState.dispatched, urgency=Urgency.urgent, category="electricity",
              content="园区变电站故障，整条街的企业停电，请尽快抢修。")
    db.session.commit()
    # The dispatcher sees the suggestion preselected and dispatches with one click.
    logged_in(desk_page, world.dispatcher)
    desk_page.goto("/office/")
    row = desk_page.locator(f"#row-{case.tracking_no}")
    assert "市场监管局" in row.locator(".suggestion").inner_text()
    desk_page.screenshot(path=str(SCREENSHOTS / "office-desk.png"), full_page=True)
    row.get_by_role("button", name="派发").click()
    desk_page.wait_for_load_state()
    assert f"{case.tracking_no} 已派发" in desk_page.content()
    assert reload(case).state is CaseState.dispatched

    # The handler, on a phone, signs and replies with a photo.
    from tests.conftest import PHONE
    context = browser.new_context(base_url=live_server.url, **PHONE)
    phone = context.new_page()
    logged_in(phone, world.handler)
    phone.goto("/handling/")
    phone.screenshot(path=str(SCREENSHOTS / "handler-todo.png"), full_page=True)
    phone.click(f"text={case.tracking_no}")
    assert phone.locator("#case-media img").count() == 2
    phone.click("#sign-button")
    phone.wait_for_load_state()
    assert reload(case).state is CaseState.signed
    phone.fill("textarea[name=reply-content]", "已协调供电公司，定于本周五上午完成接电，附工单照片。")
    phone.set_input_files("input[name=reply-photos]", str(jpeg(tmp_path / "workorder.jpg")))
    phone.screenshot(path=str(SCREENSHOTS / "handler-case.png"), full_page=True)
    phone.click("#reply-button")
    phone.wait_for_load_state()
    case = reload(case)
    assert case.state is CaseState.replied
    reply_photos = [a for r in case.replies for a in r.attachments]
    assert len(reply_photos) == 1 and reply_photos[0].content_type == "image/jpeg"
    assert phone.locator("#replies img").count() == 1
    context.close()

    # The submitter opens the status page with the access code and sees the reply.
    submitter = browser.new_context(base_url=live_server.url, **PHONE).new_page()
    submitter.goto(f"/t/{case.tracking_no}")
    submitter.fill("input[name=code]", case.access_code)
    submitter.click("button[type=submit]")
    submitter.wait_for_load_state()
    assert "已协调供电公司，定于本周五上午完成接电" in submitter.content()
    assert submitter.locator("img[alt=答复照片]").count() == 1
    submitter.context.close()


def store_media(case, tmp_path):
    """A photo through the media module, and a video row whose bytes sit in the same storage."""
    from app.media.operations import store_attachment
    from app.media.storage import content_key, get_storage
    photo = store_attachment(case, str(jpeg(tmp_path / "p.jpg")), AttachmentKind.photo)
    data = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x00" * 64
    key = content_key(hashlib.sha256(data).hexdigest(), "mp4")
    get_storage().save(data, key)
    video = Attachment(case=case, kind=AttachmentKind.video, stored_name=key, sha256=key[:64],
                       byte_size=len(data), content_type="video/mp4")
    db.session.add(video)
    db.session.commit()
    return photo, video


def test_other_department_gets_404_for_case_photos_and_videos(
        browser, live_server, world, make_case, tmp_path):
    pytest.importorskip("app.media.operations", reason="media module lives on branch intake")
    case = make_case(CaseState.dispatched)
    photo, video = store_media(case, tmp_path)
    from tests.conftest import PHONE
    for user, expected in ((world.handler, 200), (world.other_handler, 404)):
        context = browser.new_context(base_url=live_server.url, **PHONE)
        page = context.new_page()
        logged_in(page, user)
        for url in (f"/handling/cases/{case.tracking_no}", f"/media/{photo.id}",
                    f"/media/{video.id}", f"/media/{video.id}?poster=1"):
            if url.endswith("poster=1") and expected == 200:
                continue  # this hand-made video has no poster; visibility is what is tested
            response = page.goto(url)
            assert response.status == expected, (user.username, url)
        context.close()


def test_other_department_gets_404_for_case_page(phone_page, world, make_case):
    case = make_case(CaseState.dispatched)
    logged_in(phone_page, world.other_handler)
    response = phone_page.goto(f"/handling/cases/{case.tracking_no}")
    assert response.status == 404
    assert "页面不存在或您无权查看" in phone_page.content()
    assert case.content not in phone_page.content()


def test_five_wrong_passwords_stop_logins_from_this_phone(app, phone_page, world):
    """Wrong passwords are counted per name and address (docs/security.md): after five, even
    the right password is refused from here, with a message that says so and for how long."""
    from tests.foundation.test_login_throttle import enable_limits
    enable_limits(app)
    for attempt in range(5):
        browser_login(phone_page, world.handler.username, "wrong-password")
        phone_page.wait_for_load_state()
    assert phone_page.locator("#login-error").inner_text().strip() == "用户名或密码错误"
    browser_login(phone_page, world.handler.username, PASSWORD)  # even the right one now
    phone_page.wait_for_load_state()
    assert "暂停从这里登录" in phone_page.locator("#login-error").inner_text()
    assert "退出" not in phone_page.content()


def test_handler_todo_countdown_ticks_in_browser(phone_page, world, make_case):
    from datetime import timedelta
    from app.cases.models import Urgency
    late = make_case(CaseState.dispatched, now=utcnow() - timedelta(days=10))
    make_case(CaseState.dispatched, urgency=Urgency.urgent)  # sign within 30 minutes
    logged_in(phone_page, world.handler)
    phone_page.goto("/handling/")
    first = phone_page.locator(".todo-item").first
    assert late.tracking_no in first.inner_text()
    countdown = first.locator(".countdown")
    assert "已超时" in countdown.inner_text()
    assert "overdue" in countdown.get_attribute("class")
    text = phone_page.locator(".countdown").nth(1).inner_text()
    assert text.startswith("剩余")
    # countdown.js (CSP: script from 'self' only) keeps it live: the text changes by itself.
    phone_page.wait_for_function(
        "t => document.querySelectorAll('.countdown')[1].textContent !== t", arg=text,
        timeout=5000)
