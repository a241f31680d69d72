"""The public form, the upload endpoint and the status page, over HTTP, without a browser."""
import io
import re
from datetime import timedelta

from flask import g
from PIL import Image

from app.cases import operations as case_ops
from app.cases.models import Case, CaseSource, CaseState
from app.core.clock import utcnow
from app.extensions import db
from app.intake.models import PendingUpload
from app.media.operations import sweep_unreferenced_files
from app.media.storage import get_storage, temp_dir
from tests.conftest import login, make_config
from tests.media import samples
from tests.media.storages import on_both_storages

MB = 1024 * 1024
GOOD = {"category": "electricity", "content": "新变压器等了三周还没有接电", "contact_name": "王女士",
        "contact_phone": "13800138000"}


def form_page(client, token):
    response = client.get(f"/q/{token}")
    html = response.get_data(as_text=True)
    key = re.search(r'name="submission_key" value="([^"]+)"', html).group(1)
    csrf = re.search(r'name="csrf_token" value="([^"]+)"', html)
    return response, key, csrf.group(1) if csrf else None


def browser_multipart(fields, files=(), boundary="----WebKitFormBoundary7MA4YWxkTrZu0gW"):
    """Encode a form as browsers do (RFC 7578: every part's body ends with CRLF before the next
    delimiter, an empty field included). Werkzeug's test client writes an empty field without
    that CRLF, which strict parsers read as the next part's framing."""
    out = []
    for name, value in fields:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                   .encode() + value.encode() + b"\r\n")
    for name, content, filename in files:
        out.append(f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
                   f'filename="{filename}"\r\nContent-Type: application/octet-stream\r\n\r\n'
                   .encode() + content + b"\r\n")
    out.append(f"--{boundary}--\r\n".encode())
    return b"".join(out), f"multipart/form-data; boundary={boundary}"


def post_form(client, token, key, files=(), csrf=None, **fields):
    data = dict(GOOD, submission_key=key, **fields)
    if csrf:
        data["csrf_token"] = csrf
    body, content_type = browser_multipart(
        [(k, v) for k, v in data.items() if v is not None], files)
    return client.post(f"/q/{token}", data=body, content_type=content_type)


def case_count():
    return db.session.execute(db.select(db.func.count(Case.id))).scalar_one()


def errors_of(response):
    return re.findall(r'class="field-error" id="err-(\w+)"[^>]*>([^<]*)', response.get_data(as_text=True))


def test_form_greets_the_enterprise_by_name_and_offers_13_categories(client, card):
    response, _key, _ = form_page(client, card.token)
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "您好，鲁西轴承有限公司" in html
    assert html.count("<option value=") == 14  # "please choose" + 13 categories
    assert "http://" not in html and "https://" not in html  # no external request of any kind


@on_both_storages
def test_submission_with_photos_gives_a_receipt_and_strips_gps(client, card):
    _, key, _ = form_page(client, card.token)
    response = post_form(client, card.token, key, files=[
        ("photos", samples.jpeg_bytes(gps=True), "IMG_GPS.jpg"),
        ("photos", samples.heic_bytes(), "IMG_0002.HEIC"),
        ("videos", samples.mp4_bytes(20_000), "clip.mp4")])
    assert response.status_code == 303
    receipt = client.get(response.headers["Location"]).get_data(as_text=True)
    case = db.session.execute(db.select(Case)).scalar_one()
    assert case.tracking_no in receipt and case.access_code in receipt
    assert case.source is CaseSource.card and case.enterprise_id == card.enterprise_id
    kinds = sorted(a.kind.name for a in case.attachments)
    assert kinds == ["photo", "photo", "video"]
    photo = next(a for a in case.attachments if a.original_name == "IMG_GPS.jpg")
    with get_storage().open(photo.stored_name) as fh:
        stored = fh.read()
    assert not Image.open(io.BytesIO(stored)).getexif() and b"TestPhone" not in stored
    assert db.session.execute(db.select(PendingUpload)).first() is None


@on_both_storages
def test_photo_larger_than_a_read_chunk_goes_through(client, card):
    import random
    rng = random.Random(7)
    noisy = Image.frombytes("RGB", (400, 400), bytes(rng.getrandbits(8) for _ in range(480_000)))
    out = io.BytesIO()
    noisy.save(out, "JPEG", quality=95)
    assert len(out.getvalue()) > 150_000  # several of the parser's 64 KB reads, \r bytes inside
    _, key, _ = form_page(client, card.token)
    assert post_form(client, card.token, key, files=[("photos", out.getvalue(), "n.jpg")]).status_code == 303


@on_both_storages
def test_renamed_exe_is_refused_by_name_and_the_form_keeps_everything(client, card):
    _, key, _ = form_page(client, card.token)
    response = post_form(client, card.token, key, files=[
        ("photos", samples.jpeg_bytes(), "good.jpg"), ("photos", samples.exe_bytes(), "photo.jpg")])
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ("files", "“photo.jpg”不是可接受的文件，只能上传JPG、PNG、HEIC 照片或 MP4、MOV 视频") in errors_of(response)
    assert GOOD["content"] in html and 'value="13800138000"' in html and 'value="王女士"' in html
    assert 'value="electricity" selected' in html
    assert "good.jpg" in html  # the good photo was kept for the next try
    assert case_count() == 0
    # The next try (nothing re-chosen) submits the case with the kept photo.
    response = post_form(client, card.token, key)
    assert response.status_code == 303
    assert [a.original_name for a in db.session.execute(db.select(Case)).scalar_one().attachments] == ["good.jpg"]


@on_both_storages
def test_refused_text_keeps_the_files_that_arrived_for_the_next_submit(client, card):
    token = card.token  # the session is dropped below, and the card with it
    _, key, _ = form_page(client, token)
    response = post_form(client, token, key, content="太慢",
                         files=[("photos", samples.jpeg_bytes(), "kept.jpg")])
    assert response.status_code == 400
    assert ("content", "请至少填写5个字，说明遇到的问题") in errors_of(response)
    assert "kept.jpg" in response.get_data(as_text=True)
    db.session.remove()
    kept = db.session.execute(db.select(PendingUpload)).scalars().all()
    assert [u.original_name for u in kept] == ["kept.jpg"]
    assert get_storage().exists(kept[0].stored_name)
    response = post_form(client, token, key)  # nothing chosen again
    assert response.status_code == 303
    case = db.session.execute(db.select(Case)).scalar_one()
    assert [a.original_name for a in case.attachments] == ["kept.jpg"]
    assert db.session.execute(db.select(PendingUpload)).first() is None


@on_both_storages
def test_png_decompression_bomb_is_refused_without_a_500(client, card):
    _, key, _ = form_page(client, card.token)
    response = post_form(client, card.token, key, files=[("photos", samples.png_bomb(), "map.png")])
    assert response.status_code == 400
    assert any("map.png" in msg and "像素尺寸过大" in msg for _f, msg in errors_of(response))
    assert case_count() == 0 and db.session.execute(db.select(PendingUpload)).first() is None


class CountingStream:
    """A request body of `size` bytes produced on the fly, counting what the server reads."""

    def __init__(self, head: bytes, size: int, tail: bytes):
        self.parts = [head, None, tail]
        self.filler = size
        self.read_bytes = 0
        self.buffer = head

    def read(self, n=-1):
        if n is None or n < 0:
            n = 1 << 30
        out = bytearray()
        while len(out) < n:
            if self.buffer:
                take = self.buffer[:n - len(out)]
                self.buffer = self.buffer[len(take):]
                out += take
            elif self.filler:
                take = min(self.filler, n - len(out), MB)
                self.filler -= take
                out += b"\x00" * take
            elif self.parts[2] is not None:
                self.buffer, self.parts[2] = self.parts[2], None
            else:
                break
        self.read_bytes += len(out)
        return bytes(out)


def raw_post(client, url, stream, content_type, content_length=None):
    """POST a body straight from `stream`, as a server would hand it over (length or chunked)."""
    overrides = {"wsgi.input": stream, "CONTENT_TYPE": content_type}
    if content_length is None:
        overrides["wsgi.input_terminated"] = True
        overrides["HTTP_TRANSFER_ENCODING"] = "chunked"
    else:
        overrides["CONTENT_LENGTH"] = str(content_length)
    response = client.post(url, environ_overrides=overrides)
    if content_length is None:
        assert "CONTENT_LENGTH" not in response.request.environ or \
            response.request.environ["CONTENT_LENGTH"] in ("", "0")
    return response


def multipart_video(size, fields=(("submission_key", None),), boundary="XyZ123boundary"):
    head = b""
    for name, value in fields:
        head += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n"
                 f"{value}\r\n").encode()
    video_head = samples.mp4_bytes(64)
    head += (f"--{boundary}\r\nContent-Disposition: form-data; name=\"videos\"; "
             f"filename=\"big.mp4\"\r\nContent-Type: video/mp4\r\n\r\n").encode() + video_head
    tail = f"\r\n--{boundary}--\r\n".encode()
    total = len(head) + (size - len(video_head)) + len(tail)
    return head, size - len(video_head), tail, total, f"multipart/form-data; boundary={boundary}"


@on_both_storages
def test_101_mb_video_on_the_form_is_cut_off_at_the_limit(client, card):
    _, key, _ = form_page(client, card.token)
    fields = [("submission_key", key)] + list(GOOD.items())
    head, filler, tail, total, ctype = multipart_video(101 * MB, fields)
    stream = CountingStream(head, filler, tail)
    response = raw_post(client, f"/q/{card.token}", stream, ctype, total)
    assert response.status_code == 413
    assert stream.read_bytes < 100 * MB + MB < total  # stopped at the limit, not at the end
    assert response.headers["Connection"] == "close"
    html = response.get_data(as_text=True)
    assert "“big.mp4”超过视频大小上限100MB" in html and GOOD["content"] in html
    assert case_count() == 0 and db.session.execute(db.select(PendingUpload)).first() is None
    print(f"form path: read {stream.read_bytes / MB:.1f} MB of {total / MB:.1f} MB")


@on_both_storages
def test_body_that_breaks_off_keeps_the_text_and_says_so(client, card):
    """A connection dropped in the middle of a photo: the text that arrived comes back."""
    _, key, _ = form_page(client, card.token)
    body, ctype = browser_multipart([("submission_key", key)] + list(GOOD.items()),
                                    [("photos", samples.jpeg_bytes(), "meter.jpg")])
    broken = body[:len(body) - 200]  # the photo's end and the closing delimiter never came
    response = raw_post(client, f"/q/{card.token}", CountingStream(broken, 0, b""), ctype,
                        len(broken))
    assert response.status_code == 400 and response.headers["Connection"] == "close"
    html = response.get_data(as_text=True)
    assert "提交的内容没有完整收到" in html and GOOD["content"] in html and GOOD["contact_name"] in html
    assert case_count() == 0 and db.session.execute(db.select(PendingUpload)).first() is None
    assert not list(temp_dir().glob("up-*"))  # the half photo is gone


@on_both_storages
def test_garbage_bodies_get_a_message_never_a_500(client, card):
    _, key, _ = form_page(client, card.token)
    for body, ctype in [(b"not multipart at all", "multipart/form-data; boundary=zzz"),
                        (b"--zzz\r\nNo-Disposition: x\r\n\r\nv\r\n--zzz--\r\n",
                         "multipart/form-data; boundary=zzz"),
                        (b"", "multipart/form-data; boundary=")]:
        response = raw_post(client, f"/q/{card.token}", CountingStream(body, 0, b""), ctype,
                            len(body))
        assert response.status_code == 400, body
        assert "<form" in response.get_data(as_text=True)
        upload = raw_post(client, f"/q/{card.token}/uploads?key={key}",
                          CountingStream(body, 0, b""), ctype, len(body))
        assert upload.status_code == 400 and upload.get_json()["message"]
    parts = b"".join(b'--zzz\r\nContent-Disposition: form-data; name="x"\r\n\r\nv\r\n'
                     for _ in range(100)) + b"--zzz--\r\n"
    response = raw_post(client, f"/q/{card.token}", CountingStream(parts, 0, b""),
                        "multipart/form-data; boundary=zzz", len(parts))
    assert response.status_code == 413
    assert case_count() == 0


@on_both_storages
def test_101_mb_video_upload_is_refused_before_its_body_is_read(client, card):
    _, key, _ = form_page(client, card.token)
    head, filler, tail, total, ctype = multipart_video(101 * MB, fields=())
    stream = CountingStream(head, filler, tail)
    response = raw_post(client, f"/q/{card.token}/uploads?key={key}", stream, ctype, total)
    assert response.status_code == 413 and stream.read_bytes == 0
    assert "视频每段不超过100MB" in response.get_json()["message"]


@on_both_storages
def test_chunked_upload_without_length_is_cut_at_the_limit(app, card):
    app.config["MAX_VIDEO_BYTES"] = 5 * MB
    client = app.test_client()
    _, key, _ = form_page(client, card.token)
    head, filler, tail, total, ctype = multipart_video(6 * MB, fields=())
    stream = CountingStream(head, filler, tail)
    response = raw_post(client, f"/q/{card.token}/uploads?key={key}", stream, ctype)
    assert response.status_code == 413
    assert stream.read_bytes <= 5 * MB + 256 * 1024 < total
    assert "超过视频大小上限5MB" in response.get_json()["message"]


@on_both_storages
def test_upload_endpoint_stores_one_file_and_removes_it(client, card):
    _, key, _ = form_page(client, card.token)
    response = client.post(f"/q/{card.token}/uploads?key={key}", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(samples.jpeg_bytes()), "a.jpg")})
    assert response.status_code == 201 and response.get_json()["kind"] == "photo"
    upload_id = response.get_json()["id"]
    refused = client.post(f"/q/{card.token}/uploads?key={key}", content_type="multipart/form-data",
                          data={"file": (io.BytesIO(samples.exe_bytes()), "setup.jpg")})
    assert refused.status_code == 400 and "setup.jpg" in refused.get_json()["message"]
    assert client.delete(f"/q/{card.token}/uploads/{upload_id}?key={key}").status_code == 200
    assert db.session.execute(db.select(PendingUpload)).first() is None


@on_both_storages
def test_missing_csrf_token_is_refused_and_the_form_is_kept(csrf_app, make_enterprise):
    from app.cards.operations import issue_card
    card = issue_card(make_enterprise())
    db.session.commit()
    client = csrf_app.test_client()
    _, key, csrf = form_page(client, card.token)
    assert csrf
    response = post_form(client, card.token, key, files=[("photos", samples.jpeg_bytes(), "a.jpg")])
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "页面已过期或来源无法验证" in html
    assert GOOD["content"] in html and case_count() == 0
    assert db.session.execute(db.select(PendingUpload)).first() is None
    upload = client.post(f"/q/{card.token}/uploads?key={key}", content_type="multipart/form-data",
                         data={"file": (io.BytesIO(samples.jpeg_bytes()), "a.jpg")})
    assert upload.status_code == 400 and upload.get_json()["error"] == "csrf"
    assert post_form(client, card.token, key, csrf=csrf).status_code == 303


def test_each_visit_gets_its_own_token_and_key_from_the_blank_form(csrf_app, make_enterprise):
    """The blank form is rendered once per card and filled in per visit (views._blank_form)."""
    from app.cards.operations import issue_card
    card = issue_card(make_enterprise(name="鲁西轴承有限公司"))
    db.session.commit()
    visits = []
    for _ in range(2):  # two phones: two sessions
        client = csrf_app.test_client()
        response, key, csrf = form_page(client, card.token)
        visits.append((client, response.get_data(as_text=True), key, csrf))
    (first, html1, key1, csrf1), (second, html2, key2, csrf2) = visits
    assert key1 != key2 and csrf1 != csrf2 and "\x00" not in html1
    assert html1.replace(key1, "K").replace(csrf1, "T") == html2.replace(key2, "K").replace(csrf2, "T")
    assert "您好，鲁西轴承有限公司" in html1 and html1.count("<option value=") == 14
    assert post_form(second, card.token, key2, csrf=csrf1).status_code == 400  # not its token
    with second.session_transaction() as session:  # a message to show once is not lost
        session["_flashes"] = [("info", "请先填写问题描述")]
    assert "请先填写问题描述" in second.get(f"/q/{card.token}").get_data(as_text=True)
    assert post_form(first, card.token, key1, csrf=csrf1).status_code == 303
    assert case_count() == 1


def test_double_tap_gives_one_case(client, card):
    _, key, _ = form_page(client, card.token)
    first = post_form(client, card.token, key)
    second = post_form(client, card.token, key)
    assert first.status_code == second.status_code == 303
    assert first.headers["Location"] == second.headers["Location"] and case_count() == 1


def test_bad_input_keeps_every_field_with_chinese_messages(client, card):
    _, key, _ = form_page(client, card.token)
    response = post_form(client, card.token, key, contact_phone="12345", category="electricity")
    assert ("contact_phone", "请填写正确的11位手机号码") in errors_of(response)
    assert 'value="12345"' in response.get_data(as_text=True)
    response = post_form(client, card.token, key, content="太慢")
    assert ("content", "请至少填写5个字，说明遇到的问题") in errors_of(response)
    response = post_form(client, card.token, key, category="")
    assert ("category", "请选择问题类别") in errors_of(response)
    assert case_count() == 0
    response = post_form(client, card.token, key, contact_phone="", anonymous="1")
    assert response.status_code == 303
    case = db.session.execute(db.select(Case)).scalar_one()
    assert case.is_anonymous and case.contact_phone is None and case.contact_name is None


@on_both_storages
def test_photo_sent_with_a_wrong_phone_is_kept_for_the_next_try(client, card):
    _, key, _ = form_page(client, card.token)
    response = post_form(client, card.token, key, contact_phone="12345",
                         files=[("photos", samples.jpeg_bytes(), "meter.jpg")])
    assert ("contact_phone", "请填写正确的11位手机号码") in errors_of(response)
    assert "meter.jpg" in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(PendingUpload.id))).scalar_one() == 1
    response = post_form(client, card.token, key)  # nothing re-chosen
    assert response.status_code == 303
    case = db.session.execute(db.select(Case)).scalar_one()
    assert [a.original_name for a in case.attachments] == ["meter.jpg"]
    assert get_storage().exists(case.attachments[0].stored_name)
    assert db.session.execute(db.select(db.func.count(PendingUpload.id))).scalar_one() == 0


def test_unknown_token_is_a_friendly_404_without_a_form(client):
    response = client.get("/q/no-such-card-token")
    html = response.get_data(as_text=True)
    assert response.status_code == 404 and "没有找到这个二维码" in html and "<form" not in html
    assert client.post("/q/no-such-card-token", data={}).status_code == 404


def test_revoked_card_shows_a_notice_and_submits_as_a_flagged_hall_case(client, card):
    card.revoked_at = utcnow()
    db.session.commit()
    response, key, _ = form_page(client, card.token)
    html = response.get_data(as_text=True)
    assert "这张码已更换为新码" in html and 'name="enterprise_name"' in html
    assert post_form(client, card.token, key, enterprise_name="鲁西轴承").status_code == 303
    case = db.session.execute(db.select(Case)).scalar_one()
    assert case.source is CaseSource.hall and case.enterprise_id is None
    assert case.via_revoked_card and case.enterprise_name_given == "鲁西轴承"


def test_hall_card_takes_an_optional_enterprise_name(client, hall_card):
    response, key, _ = form_page(client, hall_card.token)
    assert 'name="enterprise_name"' in response.get_data(as_text=True)
    assert post_form(client, hall_card.token, key, enterprise_name="").status_code == 303
    case = db.session.execute(db.select(Case)).scalar_one()
    assert case.source is CaseSource.hall and case.enterprise_name_given is None


def test_receipt_of_someone_else_is_not_reachable(client, app, card):
    _, key, _ = form_page(client, card.token)
    location = post_form(client, card.token, key).headers["Location"]
    assert app.test_client().get(location).status_code == 404


def test_status_needs_the_access_code_and_then_remembers_it(app, make_case, world):
    case = make_case(CaseState.signed)
    client = app.test_client()
    page = client.get(f"/t/{case.tracking_no}").get_data(as_text=True)
    assert 'name="code"' in page and "查询码" in page and case.content not in page
    response = client.post(f"/t/{case.tracking_no}", data={"code": case.access_code})
    assert response.status_code == 303
    page = client.get(f"/t/{case.tracking_no}").get_data(as_text=True)
    assert "已签收" in page and "市场监管局" in page and "答复期限" in page


def test_ten_wrong_codes_lock_the_case_and_unknown_numbers_look_the_same(app, make_case):
    case = make_case()
    client = app.test_client()
    messages = [client.post(f"/t/{case.tracking_no}", data={"code": "000000"})
                for _ in range(10)]
    assert [m.status_code for m in messages] == [400] * 5 + [429] * 5
    assert "还可尝试4次" in messages[0].get_data(as_text=True)
    assert "错误次数过多，请15分钟后再试" in messages[9].get_data(as_text=True)
    right = client.post(f"/t/{case.tracking_no}", data={"code": case.access_code})
    assert right.status_code == 429  # locked: even the right code waits
    db.session.refresh(case)
    assert case.access_failures == 5 and case.access_locked_until is not None
    other = app.test_client()
    unknown = [other.post("/t/MS2611-XXXXXX", data={"code": "000000"}) for _ in range(10)]
    assert [m.status_code for m in unknown] == [400] * 5 + [429] * 5
    assert ("还可尝试4次" in unknown[0].get_data(as_text=True))
    # Once the lock runs out the right code opens the page.
    case.access_locked_until = utcnow() - timedelta(seconds=1)
    db.session.commit()
    assert client.post(f"/t/{case.tracking_no}", data={"code": case.access_code}).status_code == 303


def test_unsatisfied_rating_reopens_the_case(app, make_case):
    case = make_case(CaseState.replied)
    client = app.test_client()
    client.post(f"/t/{case.tracking_no}", data={"code": case.access_code})
    assert "请为办理结果评价" in client.get(f"/t/{case.tracking_no}").get_data(as_text=True)
    missing = client.post(f"/t/{case.tracking_no}/rate", data={"comment": "还是没解决"})
    assert missing.status_code == 400 and "请选择满意度" in missing.get_data(as_text=True)
    response = client.post(f"/t/{case.tracking_no}/rate",
                           data={"rating": "dissatisfied", "tags": "unresolved",
                                 "comment": "还是没解决"})
    assert response.status_code == 303
    db.session.refresh(case)
    assert case.state is CaseState.signed and case.reopen_count == 1
    assert "不满意，已重新办理" in client.get(f"/t/{case.tracking_no}").get_data(as_text=True)


@on_both_storages
def test_reply_photos_reach_the_submitter_and_staff_of_the_department_only(app, make_case, world):
    from app.media.operations import store_attachment
    case = make_case(CaseState.signed)
    photo = store_attachment(case, samples.jpeg_bytes(), filename="工单.jpg")
    case_ops.reply_to_case(case, world.handler, "已安排6月3日接电", attachments=[photo])
    db.session.commit()
    submitter = app.test_client()
    url = f"/t/{case.tracking_no}/media/{photo.id}"
    assert submitter.get(url).status_code == 404
    submitter.post(f"/t/{case.tracking_no}", data={"code": case.access_code})
    assert submitter.get(url).status_code == 200
    staff = app.test_client()
    login(staff, world.handler.username)
    assert staff.get(f"/media/{photo.id}").status_code == 200
    # The fixture's app context outlives requests; flask-login caches the user in it.
    g.pop("_login_user", None)
    other = app.test_client()
    login(other, world.other_handler.username)
    assert other.get(f"/media/{photo.id}").status_code == 404
    g.pop("_login_user", None)
    assert app.test_client().get(f"/media/{photo.id}").status_code == 302  # to the login page


def test_rate_limit_per_ip_on_the_form(migrated, tmp_path, make_enterprise):
    from app import create_app
    from app.cards.operations import issue_card
    config = make_config(migrated, tmp_path / "media")
    config.RATELIMIT_ENABLED = True
    config.INTAKE_RATELIMIT_IP = "3 per minute"
    limited = create_app(config)
    with limited.app_context():
        card = issue_card(make_enterprise())
        db.session.commit()
        client = limited.test_client()
        statuses = []
        for _ in range(4):
            _, key, _ = form_page(client, card.token)
            statuses.append(post_form(client, card.token, key).status_code)
        assert statuses == [303, 303, 303, 429]
        assert "操作太频繁" in post_form(client, card.token, "x" * 20).get_data(as_text=True)


@on_both_storages
def test_scheduler_deletes_abandoned_uploads_and_their_files_after_a_day(client, card):
    from app.reminders.tasks import tick
    _, key, _ = form_page(client, card.token)
    for color, name in (((10, 200, 10), "old.jpg"), ((10, 10, 200), "new.jpg")):
        response = client.post(f"/q/{card.token}/uploads?key={key}", content_type="multipart/form-data",
                               data={"file": (io.BytesIO(samples.jpeg_bytes(color=color)), name)})
        assert response.status_code == 201
    old, new = db.session.execute(db.select(PendingUpload).order_by(PendingUpload.id)).scalars()
    now = utcnow()
    old.created_at = now - timedelta(hours=24, minutes=1)
    new.created_at = now - timedelta(hours=23)
    db.session.commit()
    old_file = old.stored_name

    assert tick(now, deliver=False)["sweep_stale_uploads"] == 1
    db.session.remove()
    assert [u.original_name for u in db.session.execute(db.select(PendingUpload)).scalars()] == ["new.jpg"]
    # The file, unreferenced now, goes with the file sweeper after its grace period.
    assert get_storage().exists(old_file)
    assert sweep_unreferenced_files(now + timedelta(hours=24, seconds=1)) == 1
    assert not get_storage().exists(old_file)
    assert tick(now, deliver=False)["sweep_stale_uploads"] == 0  # nothing twice


def test_guesses_running_in_parallel_never_get_more_tries_than_the_limit(app, make_case):
    from sqlalchemy import update
    from app.intake.operations import record_access_attempt
    case = make_case()
    db.session.commit()
    assert case.access_failures == 0  # what this request read…
    with db.engine.begin() as other:  # …before four parallel guesses were counted
        other.execute(update(Case).where(Case.id == case.id).values(access_failures=4))
    fifth = record_access_attempt(case, "000000")
    db.session.commit()
    assert not fifth.opened and fifth.failures == 5 and fifth.left == 0
    assert case.access_failures == 5 and case.access_locked_until is not None
    sixth = record_access_attempt(case, case.access_code)  # not even the right code now
    assert sixth.locked and not sixth.opened and case.access_failures == 5


@on_both_storages
def test_7700_square_png_is_refused_from_its_header_and_the_text_survives(client, card):
    _, key, _ = form_page(client, card.token)
    bomb = samples.png_bomb(7_700)  # 59 MP of zeros in a few dozen KB
    response = post_form(client, card.token, key, files=[("photos", bomb, "地图.png")])
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ("files", "“地图.png”的像素尺寸过大（7700×7700），每张照片不超过4000万像素，请换一张照片或缩小后再传"
            ) in errors_of(response)
    assert GOOD["content"] in html and 'value="13800138000"' in html and 'value="王女士"' in html
    assert case_count() == 0 and db.session.execute(db.select(PendingUpload)).first() is None


@on_both_storages
def test_photos_past_the_request_pixel_budget_are_refused_and_the_others_kept(app, client, card):
    app.config["MAX_REQUEST_PIXELS"] = 2 * 640 * 480  # two ordinary photos' worth
    _, key, _ = form_page(client, card.token)
    response = post_form(client, card.token, key, files=[
        ("photos", samples.jpeg_bytes(color=(200, 0, 0)), "一.jpg"),
        ("photos", samples.jpeg_bytes(color=(0, 200, 0)), "二.jpg"),
        ("photos", samples.jpeg_bytes(color=(0, 0, 200)), "三.jpg")])
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert ("files", "“三.jpg”未保存：本次上传的照片像素合计超过61万像素，请分几次上传") in errors_of(response)
    assert GOOD["content"] in html and "一.jpg" in html and "二.jpg" in html
    # The next request has a budget of its own: the third photo goes through with the case.
    response = post_form(client, card.token, key,
                         files=[("photos", samples.jpeg_bytes(color=(0, 0, 200)), "三.jpg")])
    assert response.status_code == 303
    case = db.session.execute(db.select(Case)).scalar_one()
    assert sorted(a.original_name for a in case.attachments) == ["一.jpg", "三.jpg", "二.jpg"]


@on_both_storages
def test_removing_an_upload_leaves_its_shared_file_for_the_sweeper(client, card):
    """The probe's race: a visitor removes a picture while another submission with the same
    picture (the same content key) commits. Nothing is deleted inline any more, so whatever
    that submission commits points at a file; the sweeper deletes it only once no row has
    referred to it, and no save stamped it, for the grace period."""
    _, key, _ = form_page(client, card.token)
    picture = samples.jpeg_bytes(color=(1, 2, 3))
    upload = client.post(f"/q/{card.token}/uploads?key={key}", content_type="multipart/form-data",
                         data={"file": (io.BytesIO(picture), "a.jpg")}).get_json()
    stored = db.session.execute(db.select(PendingUpload.stored_name)).scalar_one()
    assert client.delete(f"/q/{card.token}/uploads/{upload['id']}?key={key}").status_code == 200
    assert get_storage().exists(stored)  # before: deleted here, under the other submission
    # The other submission commits its attachment to the same file: it is there to serve.
    other = card.token
    _, other_key, _ = form_page(client, other)
    assert post_form(client, other, other_key, files=[("photos", picture, "b.jpg")]).status_code == 303
    case = db.session.execute(db.select(Case)).scalar_one()
    assert case.attachments[0].stored_name == stored
    assert sweep_unreferenced_files(utcnow() + timedelta(days=30)) == 0  # referenced: kept
    assert get_storage().exists(stored)


@on_both_storages
def test_sweeper_waits_for_the_grace_period_and_loses_no_race_with_a_save(app):
    from datetime import datetime, timezone
    from app.core.clock import fixed_at
    storage = get_storage()
    start = datetime(2026, 11, 2, 9, 0, tzinfo=timezone.utc)
    with fixed_at(start):
        storage.save(b"orphan", "ab" * 32 + ".jpg")
    assert sweep_unreferenced_files(start + timedelta(hours=23)) == 0  # within the grace
    later = start + timedelta(hours=25)
    cutoff = later - timedelta(hours=24)
    assert list(storage.keys_unstamped_since(cutoff)) == ["ab" * 32 + ".jpg"]
    with fixed_at(later):  # a request saves the same content after the sweeper listed it
        storage.save(b"orphan", "ab" * 32 + ".jpg")
    assert storage.delete_if_unstamped_since("ab" * 32 + ".jpg", cutoff) is False
    assert storage.exists("ab" * 32 + ".jpg")
    assert sweep_unreferenced_files(later + timedelta(hours=24, seconds=1)) == 1
    assert not storage.exists("ab" * 32 + ".jpg")


@on_both_storages
def test_attachment_whose_file_is_missing_is_a_clear_logged_404(app, make_case, world, caplog):
    from app.media.operations import store_attachment
    case = make_case(CaseState.signed)
    photo = store_attachment(case, samples.jpeg_bytes(), filename="现场.jpg")
    db.session.commit()
    get_storage().delete(photo.stored_name)  # lost with a disk, restored from an old backup…
    staff = app.test_client()
    login(staff, world.handler.username)
    with caplog.at_level("ERROR", logger="app.media.views"):
        response = staff.get(f"/media/{photo.id}")
    assert response.status_code == 404
    assert "附件文件已丢失，暂时无法查看" in response.get_data(as_text=True)
    assert f"points at missing file {photo.stored_name}" in caplog.text


def statements_of(app, send):
    """The SQL one request runs, as the database sees it: (verb, table, returns rows?)."""
    from sqlalchemy import event
    seen = []

    def record(_conn, _cursor, statement, _params, _context, _many):
        words = statement.split()
        verb = words[0].upper()
        table = words[{"SELECT": words.index("FROM") + 1 if "FROM" in words else 1,
                       "UPDATE": 1, "INSERT": 2}.get(verb, 1)] if len(words) > 1 else ""
        seen.append((verb, table, "RETURNING" in statement.upper()))
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        response = send()
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    return response, seen


def test_wrong_code_on_a_real_and_a_made_up_number_does_the_same_work(app, make_case):
    number = make_case().tracking_no
    db.session.commit()
    real, real_sql = statements_of(app, lambda: app.test_client().post(
        f"/t/{number}", data={"code": "000001"}))
    made_up, made_up_sql = statements_of(app, lambda: app.test_client().post(
        "/t/MS2611-QQQQQQ", data={"code": "000001"}))
    assert real.status_code == made_up.status_code == 400
    assert real.get_data(as_text=True).replace(number, "NO") == \
        made_up.get_data(as_text=True).replace("MS2611-QQQQQQ", "NO")
    # Before: the real number ran a lookup, two UPDATEs (one RETURNING) and a read-back; the
    # made-up one only the lookup. Now both run the same statements in the same order: the
    # lookup, the reset of an expired lock, one counting write that returns the count, the
    # read-back (cases for the real one, access_code_misses for the other).
    shape = [(verb, returns) for verb, _table, returns in real_sql]
    assert shape == [("SELECT", False), ("UPDATE", False), ("UPDATE", True), ("SELECT", False)]
    assert [(verb if verb != "INSERT" else "UPDATE", returns)  # an upsert: the row may be new
            for verb, _table, returns in made_up_sql] == shape
    assert {t for _v, t, _r in made_up_sql[1:]} == {"access_code_misses"}


def test_a_made_up_number_locks_in_the_database_whatever_the_cookies(app):
    # Each try from a fresh browser (cookies cleared): before, the count lived in the session,
    # so a made-up number never locked while a real case did — an existence oracle.
    answers = [app.test_client().post("/t/MS2611-ZZZZZZ", data={"code": "123456"})
               for _ in range(6)]
    assert [a.status_code for a in answers] == [400] * 5 + [429]
    assert "还可尝试4次" in answers[0].get_data(as_text=True)
    assert "错误次数过多，请15分钟后再试" in answers[5].get_data(as_text=True)
    from app.intake.operations import forget_old_code_misses
    assert forget_old_code_misses(utcnow() + timedelta(hours=23)) == 0
    assert forget_old_code_misses(utcnow() + timedelta(days=1, seconds=1)) == 1  # the daily sweep
