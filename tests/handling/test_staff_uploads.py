"""Item 10 of issue 19: the handler's reply and the office's staff entry get the public form's
upload widget (static/js/uploads.js): thumbnail, progress, the uploaded file carried by the
form; a refused file shows its Chinese reason beside it and the typed text stays. In headless
Chromium with CSRF on; plus who may upload where, through the test client."""
import io
from pathlib import Path

from PIL import Image

from app.cases.models import AttachmentKind, Case, CaseState
from app.extensions import db
from app.intake.models import PendingUpload
from tests.conftest import browser_login

REPLY = "已协调供电公司，变压器将于本周五完成接电，请保持电话畅通。"
ENTRY = "12345转来：园区道路破损严重，货车通行困难，请相关部门尽快修复。"


def jpeg(path: Path) -> Path:
    Image.new("RGB", (800, 600), (30, 140, 90)).save(path, "JPEG", quality=85)
    return path


def fake_jpeg(path: Path) -> Path:
    path.write_text("这不是照片，只是一段文字。\n" * 20, encoding="utf-8")
    return path


def logged_in(page, user):
    browser_login(page, user.username)
    page.wait_for_load_state()
    assert "退出" in page.content(), page.content()


def refused_then_accepted(page, picker, text_field, typed, tmp_path):
    """Pick a text file named .jpg (refused beside it, the typed text kept), remove it, pick a
    real photo (thumbnail, full progress bar, an upload_id in the form)."""
    page.set_input_files(picker, str(fake_jpeg(tmp_path / "现场.jpg")))
    failed = page.locator("li.file.failed")
    failed.wait_for()
    assert "不是可接受的文件" in failed.locator(".msg").inner_text()
    assert page.locator(text_field).input_value() == typed
    failed.locator("button.x").click()
    assert page.locator("li.file").count() == 0
    page.set_input_files(picker, str(jpeg(tmp_path / "接电.jpg")))
    done = page.locator("li.file.done")
    done.wait_for()
    assert done.locator("img").evaluate("i => i.complete && i.naturalWidth > 0")
    assert done.locator(".bar i").evaluate("b => b.style.width") == "100%"
    assert page.locator("input[type=hidden][name=upload_id]").count() == 1
    assert page.locator(text_field).input_value() == typed


def test_handler_reply_uploads_photo_with_thumbnail_and_refuses_a_fake(
        phone_page, world, make_case, tmp_path):
    case = make_case(CaseState.signed, category="electricity")
    logged_in(phone_page, world.handler)
    phone_page.goto(f"/handling/cases/{case.tracking_no}")
    phone_page.fill("#reply-content", REPLY)
    refused_then_accepted(phone_page, "#reply-photos", "#reply-content", REPLY, tmp_path)
    phone_page.click("#reply-button")
    phone_page.wait_for_load_state()
    assert "已答复" in phone_page.content()
    db.session.expire_all()
    reply = db.session.get(Case, case.id).replies[-1]
    assert reply.content == REPLY
    assert [(a.kind, a.original_name) for a in reply.attachments] == [
        (AttachmentKind.photo, "接电.jpg")]
    assert db.session.query(PendingUpload).count() == 0


def test_office_entry_uploads_photo_with_thumbnail_and_refuses_a_fake(
        wide_desk_page, world, tmp_path):
    logged_in(wide_desk_page, world.dispatcher)
    wide_desk_page.goto("/office/cases/new")
    wide_desk_page.select_option("#category", index=1)
    wide_desk_page.fill("#content", ENTRY)
    wide_desk_page.fill("#contact_phone", "13800138000")
    refused_then_accepted(wide_desk_page, "#attachments", "#content", ENTRY, tmp_path)
    wide_desk_page.click("#staff-case-form button[type=submit]:not([name])")
    wide_desk_page.wait_for_load_state()
    assert "已录入" in wide_desk_page.content()
    db.session.expire_all()
    case = db.session.query(Case).filter_by(content=ENTRY).one()
    assert [(a.kind, a.original_name, a.reply_id) for a in case.attachments] == [
        (AttachmentKind.photo, "接电.jpg", None)]
    assert db.session.query(PendingUpload).count() == 0


# --- who may upload where (test client, CSRF off: the browser tests above run with it on) ----

def photo_bytes():
    out = io.BytesIO()
    Image.new("RGB", (64, 48), (200, 20, 20)).save(out, "JPEG")
    return out.getvalue()


KEY = "k" * 24


def post_photo(client, url):
    return client.post(f"{url}?key={KEY}", data={"file": (io.BytesIO(photo_bytes()), "a.jpg")},
                       content_type="multipart/form-data")


def test_only_the_lead_departments_handler_uploads_for_a_reply(app, client, login_as, world,
                                                              make_case):
    from tests.conftest import login
    case = make_case(CaseState.signed, category="electricity")
    other = app.test_client()
    assert login(other, world.other_handler.username).status_code == 302
    assert post_photo(other, f"/handling/cases/{case.tracking_no}/uploads").status_code == 404
    login_as(world.handler)
    response = post_photo(client, f"/handling/cases/{case.tracking_no}/uploads")
    assert response.status_code == 201, response.get_data(as_text=True)
    upload = db.session.query(PendingUpload).one()
    assert (upload.user_id, upload.card_id, upload.public_id) == (
        world.handler.id, None, response.json["id"])
    # A handler may not use the office's entry upload; nobody removes another user's file.
    assert post_photo(client, "/office/uploads").status_code == 403
    desk = app.test_client()
    assert login(desk, world.dispatcher.username).status_code == 302
    assert desk.delete(f"/office/uploads/{upload.public_id}?key={KEY}").status_code == 404
    assert db.session.query(PendingUpload).count() == 1


def test_reply_upload_refuses_a_video_and_removes_on_request(client, login_as, world, make_case):
    case = make_case(CaseState.signed, category="electricity")
    login_as(world.handler)
    url = f"/handling/cases/{case.tracking_no}/uploads"
    response = client.post(f"{url}?key={KEY}", data={"file": (io.BytesIO(b"not a photo"), "x.jpg")},
                           content_type="multipart/form-data")
    assert response.status_code == 400 and "不是可接受的文件" in response.json["message"]
    assert client.post(url, data={"file": (io.BytesIO(photo_bytes()), "a.jpg")},
                       content_type="multipart/form-data").status_code == 400  # no key
    uploaded = post_photo(client, url).json["id"]
    assert client.delete(f"{url}/{uploaded}?key={KEY}").status_code == 200
    assert db.session.query(PendingUpload).count() == 0


def test_staff_upload_needs_the_csrf_header(csrf_app, world):
    import re
    from tests.conftest import PASSWORD
    client = csrf_app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    assert client.post("/login", data={"username": world.dispatcher.username,
                                       "password": PASSWORD, "csrf_token": token}).status_code == 302
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/office/cases/new").get_data(as_text=True)).group(1)
    def send(headers):
        return client.post(f"/office/uploads?key={KEY}", headers=headers,
                           data={"file": (io.BytesIO(photo_bytes()), "a.jpg")},
                           content_type="multipart/form-data")
    assert send({}).status_code == 400
    assert db.session.query(PendingUpload).count() == 0
    assert send({"X-CSRFToken": token}).status_code == 201
    assert db.session.query(PendingUpload).count() == 1


def test_a_reply_sent_back_keeps_its_uploaded_photos(client, login_as, world, make_case):
    case = make_case(CaseState.signed, category="electricity")
    login_as(world.handler)
    uploaded = post_photo(client, f"/handling/cases/{case.tracking_no}/uploads").json["id"]
    url = f"/handling/cases/{case.tracking_no}/reply"
    response = client.post(url, data={"reply-content": "", "reply-upload_key": KEY,
                                      "reply-photos": (io.BytesIO(b""), ""), "upload_id": uploaded},
                           content_type="multipart/form-data")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert f'name="upload_id" value="{uploaded}" checked' in page
    assert f'value="{KEY}"' in page  # the same key, so the next try finds the file
    response = client.post(url, data={"reply-content": REPLY, "reply-upload_key": KEY,
                                      "upload_id": uploaded})
    assert response.status_code == 302
    db.session.expire_all()
    assert [a.original_name for a in db.session.get(Case, case.id).replies[-1].attachments] == [
        "a.jpg"]
    assert db.session.query(PendingUpload).count() == 0
