"""Finding a case again (/t/), the public 404s, 大字 without JavaScript, the form's errors all at
once, 我的反馈's states and the submitter's own files on the status page."""
from datetime import datetime
import re

from app.cases import operations as case_ops
from app.cases.models import CaseState
from app.core.timeutil import LOCAL_TZ
from app.extensions import db
from app.media.operations import store_attachment
from tests.conftest import make_config
from tests.intake.test_intake_server import GOOD, case_count, form_page, post_form
from tests.media import samples


def test_the_lookup_page_takes_number_and_code_and_opens_the_status_page(app, make_case):
    case = make_case(CaseState.signed)
    client = app.test_client()
    page = client.get("/t/").get_data(as_text=True)
    assert 'name="tracking_no"' in page and 'name="code"' in page and "查询码" in page
    # Typed as people type: lower case, spaces, full-width digits.
    typed = " " + case.tracking_no.lower() + " "
    code = "".join(chr(ord(d) + 0xFEE0) for d in case.access_code)
    response = client.post("/t/", data={"tracking_no": typed, "code": code})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/t/{case.tracking_no}")
    assert case.content in client.get(f"/t/{case.tracking_no}").get_data(as_text=True)


def test_a_wrong_code_and_an_unknown_number_get_the_same_message_and_keep_the_number(
        app, make_case):
    case = make_case()
    wrong = app.test_client().post("/t/", data={"tracking_no": case.tracking_no, "code": "999999"})
    unknown = app.test_client().post("/t/", data={"tracking_no": "MS2611-ZZZZZZ", "code": "999999"})
    for response, number in ((wrong, case.tracking_no), (unknown, "MS2611-ZZZZZZ")):
        page = response.get_data(as_text=True)
        assert response.status_code == 400
        assert "受理编号或查询码不正确，还可尝试4次" in page
        assert f'value="{number}"' in page  # what was typed stays
    db.session.refresh(case)
    assert case.access_failures == 1


def test_an_empty_code_uses_no_try_and_says_what_is_missing(app, make_case):
    case = make_case()
    client = app.test_client()
    for url, data in ((f"/t/{case.tracking_no}", {"code": "  "}),
                      ("/t/", {"tracking_no": case.tracking_no, "code": ""})):
        response = client.post(url, data=data)
        assert response.status_code == 400 and "请输入6位查询码" in response.get_data(as_text=True)
    both = client.post("/t/", data={"tracking_no": "", "code": ""}).get_data(as_text=True)
    assert "请输入受理编号" in both and "请输入6位查询码" in both
    db.session.refresh(case)
    assert case.access_failures == 0


def test_both_code_forms_share_one_rate_limit_that_empty_submits_do_not_use(
        migrated, tmp_path, make_enterprise):
    from app import create_app
    config = make_config(migrated, tmp_path / "media")
    config.RATELIMIT_ENABLED = True
    config.ACCESS_CODE_RATELIMIT = "3 per hour"
    limited = create_app(config)
    with limited.app_context():
        client = limited.test_client()
        empties = [client.post("/t/", data={"tracking_no": "MS2611-AAAAAA", "code": ""})
                   for _ in range(5)]
        assert [r.status_code for r in empties] == [400] * 5
        tries = [client.post("/t/", data={"tracking_no": "MS2611-AAAAAA", "code": "111111"}),
                 client.post("/t/MS2611-AAAAAA", data={"code": "111111"}),
                 client.post("/t/", data={"tracking_no": "MS2611-AAAAAA", "code": "111111"}),
                 client.post("/t/MS2611-AAAAAA", data={"code": "111111"})]
        assert [r.status_code for r in tries] == [400, 400, 400, 429]


def test_a_public_404_is_the_lookup_page_not_a_way_to_the_staff_login(client):
    for url in ("/t/MS2611-AAAAAA/nothing", "/q/abc/def/ghi", "/t/MS2611-AAAAAA/media/12"):
        response = client.get(url)
        page = response.get_data(as_text=True)
        assert response.status_code == 404, url
        assert "查询办理进度" in page and 'name="code"' in page and "返回首页" not in page
    assert "/auth/login" not in client.get("/t/x/y").get_data(as_text=True)
    staff = client.get("/office/nothing-here")
    assert staff.status_code in (302, 404) and "查询办理进度" not in staff.get_data(as_text=True)


def test_unknown_card_page_calls_12345_and_offers_the_lookup(client):
    page = client.get("/q/no-such-card").get_data(as_text=True)
    assert '<a href="tel:12345">12345</a>' in page and 'href="/t/"' in page


def test_large_text_switch_works_without_javascript(client, card):
    page = client.get(f"/q/{card.token}").get_data(as_text=True)
    assert '<html lang="zh-CN">' in page
    link = re.search(r'class="large-toggle"[^>]*href="([^"]+)"', page).group(1).replace("&amp;", "&")
    response = client.get(link)
    assert response.status_code == 303 and response.headers["Location"] == f"/q/{card.token}"
    page = client.get(f"/q/{card.token}").get_data(as_text=True)
    assert '<html lang="zh-CN" class="large-text">' in page and 'aria-pressed="true"' in page
    link = re.search(r'class="large-toggle"[^>]*href="([^"]+)"', page).group(1).replace("&amp;", "&")
    client.get(link)
    assert '<html lang="zh-CN">' in client.get(f"/q/{card.token}").get_data(as_text=True)
    # Never a way off the site.
    assert client.get("/large-text?on=1&next=//evil.example/").headers["Location"] == "/t/"


def test_the_form_names_every_mistake_at_once_and_keeps_what_was_typed(client, card):
    _, key, _ = form_page(client, card.token)
    response = post_form(client, card.token, key, category="", content="短",
                         contact_phone="123", contact_name="名" * 70)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and case_count() == 0
    assert "有4处需要修改" in page
    for field in ("category", "content", "contact_phone", "contact_name"):
        assert f'id="err-{field}"' in page and f'href="#f-{field}"' in page, field
    assert page.count('aria-invalid="true"') == 3  # the select, the text, the phone
    assert 'value="123"' in page and ">短</textarea>" in page
    assert page.count('class="req"') >= 3  # category, description, phone marked required


def test_deadlines_read_the_same_on_receipt_status_and_staff_pages(app, client, card, world,
                                                                   fixed_clock, login_as):
    """Sent on a Saturday: dispatch within Monday (1 working day), never "Tuesday 00:00"."""
    from app.workdays.models import HolidayOverride
    for day, is_workday in ((12, False), (13, False), (14, True), (15, True), (16, True),
                            (17, True), (18, True), (21, True)):
        db.session.add(HolidayOverride(day=datetime(2026, 12, day).date(), is_workday=is_workday,
                                       note="测试"))
    db.session.commit()
    fixed_clock.set(datetime(2026, 12, 12, 15, 0, tzinfo=LOCAL_TZ))
    _, key, _ = form_page(client, card.token)
    receipt = client.get(post_form(client, card.token, key).headers["Location"])
    page = receipt.get_data(as_text=True)
    assert "12月14日（周一）内" in page and "00:00" not in page
    case = case_ops.case_by_submission_key(key)
    fixed_clock.set(datetime(2026, 12, 14, 0, 0, tzinfo=LOCAL_TZ))  # dispatched at midnight
    case_ops.dispatch_case(case, world.dispatcher, world.dept)
    db.session.commit()
    status = client.get(f"/t/{case.tracking_no}").get_data(as_text=True)
    assert "12月14日（周一）内" in status  # sign within the day it was dispatched
    login_as(world.dispatcher)
    office = client.get(f"/office/cases/{case.tracking_no}").get_data(as_text=True)
    assert "12月14日（周一）内" in office and "12-15 00:00" not in office


def test_my_cases_lists_state_and_which_wait_for_a_rating(app, make_case):
    replied, signed = make_case(CaseState.replied), make_case(CaseState.signed)
    other = make_case(CaseState.replied)
    client = app.test_client()
    assert client.get("/t/mine.json").get_json() == {"cases": []}
    for case in (replied, signed):
        client.post(f"/t/{case.tracking_no}", data={"code": case.access_code})
    cases = {c["no"]: c for c in client.get("/t/mine.json").get_json()["cases"]}
    assert set(cases) == {replied.tracking_no, signed.tracking_no}  # never another's
    assert cases[replied.tracking_no]["awaits_rating"] is True
    assert cases[signed.tracking_no] == {"no": signed.tracking_no, "state": "办理中",
                                         "finished": False, "awaits_rating": False}
    assert other.tracking_no not in str(cases)


def test_the_status_page_shows_the_submitters_own_photos_and_videos(app, make_case):
    case = make_case(CaseState.signed)
    photo = store_attachment(case, samples.jpeg_bytes(), filename="现场.jpg")
    video = store_attachment(case, samples.mp4_bytes(), filename="现场.mp4")
    db.session.commit()
    client = app.test_client()
    client.post(f"/t/{case.tracking_no}", data={"code": case.access_code})
    page = client.get(f"/t/{case.tracking_no}").get_data(as_text=True)
    photo_url = f"/t/{case.tracking_no}/media/{photo.id}"
    video_url = f"/t/{case.tracking_no}/media/{video.id}"
    assert f'href="{photo_url}" data-view="photo"' in page
    assert f'href="{video_url}" data-view="video"' in page and f'src="{video_url}?poster=1"' in page
    assert 'class="play"' in page and "js/viewer.js" in page
    assert client.get(photo_url).status_code == 200
    assert client.get(video_url).headers["Content-Type"].startswith("video/")
    assert client.get(video_url + "?poster=1").headers["Content-Type"].startswith("image/")
    assert app.test_client().get(photo_url).status_code == 404  # not without the code


def test_a_restored_draft_photo_has_its_thumbnail(client, card):
    import io
    _, key, _ = form_page(client, card.token)
    uploaded = client.post(f"/q/{card.token}/uploads?key={key}", content_type="multipart/form-data",
                           data={"file": (io.BytesIO(samples.jpeg_bytes()), "a.jpg")}).get_json()
    url = f"/q/{card.token}/uploads/{uploaded['id']}"
    assert client.get(f"{url}?key={key}").headers["Content-Type"] == "image/jpeg"
    assert client.get(f"{url}?key={'k' * 32}").status_code == 404  # another submission's: no
    assert client.get(url).status_code == 404
