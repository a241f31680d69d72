"""Handler pages over HTTP: the to-do list, the case page, every action and its refusals."""
from datetime import timedelta

from app.cases.models import AuditEvent, CaseState, ExtensionStatus
from app.core.clock import utcnow
from app.extensions import db
from app.reminders.models import Notification


def page(client, url):
    response = client.get(url)
    return response.status_code, response.get_data(as_text=True)


def test_todo_lists_department_cases_nearest_deadline_first(client, login_as, world, make_case):
    later = make_case(CaseState.signed)           # reply due in 5 working days
    sooner = make_case(CaseState.dispatched)      # sign due in 1 working day
    make_case(CaseState.dispatched, department=world.other_dept)  # not ours
    login_as(world.handler)
    status, html = page(client, "/handling/")
    assert status == 200
    assert html.index(sooner.tracking_no) < html.index(later.tracking_no)
    assert html.count("/handling/cases/") == 2
    assert 'data-deadline="' in html


def test_overdue_case_is_marked_red(client, login_as, world, make_case):
    make_case(CaseState.dispatched, now=utcnow() - timedelta(days=10))
    login_as(world.handler)
    _, html = page(client, "/handling/")
    assert "is-overdue" in html and "已超时" in html


def test_root_sends_handler_to_todo(client, login_as, world):
    login_as(world.handler)
    assert client.get("/").headers["Location"].endswith("/handling/")


def test_case_page_masks_phone_and_shows_only_possible_actions(client, login_as, world, make_case):
    case = make_case(CaseState.dispatched)
    login_as(world.handler)
    status, html = page(client, f"/handling/cases/{case.tracking_no}")
    assert status == 200
    assert "138****8000" in html and "13800138000" not in html
    assert 'id="sign-button"' in html and 'id="reply-button"' not in html
    assert "改派承办人" not in html  # only heads reassign


def test_other_department_gets_404(client, login_as, world, make_case):
    case = make_case(CaseState.dispatched)
    login_as(world.other_handler)
    assert client.get(f"/handling/cases/{case.tracking_no}").status_code == 404
    assert client.post(f"/handling/cases/{case.tracking_no}/sign").status_code == 404
    assert db.session.get(type(case), case.id).state is CaseState.dispatched


def test_sign_then_reply_through_the_forms(client, login_as, world, make_case):
    case = make_case(CaseState.dispatched)
    login_as(world.handler)
    url = f"/handling/cases/{case.tracking_no}"
    response = client.post(url + "/sign")
    assert response.status_code == 302 and response.headers["Location"].endswith(url)
    db.session.expire_all()
    assert case.state is CaseState.signed and case.assignee_id == world.handler.id
    _, html = page(client, url)
    assert 'id="reply-button"' in html and "申请延期" in html
    response = client.post(url + "/reply", data={"reply-content": "已协调，下周三完成接电"})
    assert response.status_code == 302
    db.session.expire_all()
    assert case.state is CaseState.replied
    _, html = page(client, url)
    assert "已协调，下周三完成接电" in html and "答复" in html


def test_refusal_shows_operation_message_keeps_text_and_commits_nothing(client, login_as, world,
                                                                        make_case):
    case = make_case(CaseState.dispatched)
    login_as(world.handler)
    url = f"/handling/cases/{case.tracking_no}"
    response = client.post(url + "/return", data={"return-reason": "   "})
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "请填写退回理由" in html
    # A reply before signing is refused by the operation; the typed text stays in the box.
    response = client.post(url + "/reply", data={"reply-content": "我写了很长的答复"})
    assert response.status_code == 409
    html = response.get_data(as_text=True)
    assert "不能答复" in html
    db.session.expire_all()
    assert case.state is CaseState.dispatched and not case.replies


def test_return_with_reason(client, login_as, world, make_case):
    case = make_case(CaseState.dispatched)
    login_as(world.handler)
    client.post(f"/handling/cases/{case.tracking_no}/return", data={"return-reason": "属税务部门职责"})
    db.session.expire_all()
    assert case.state is CaseState.returned


def test_extension_request_and_bad_days(client, login_as, world, make_case):
    case = make_case(CaseState.signed)
    login_as(world.handler)
    url = f"/handling/cases/{case.tracking_no}/extension"
    response = client.post(url, data={"ext-days": "99", "ext-reason": "需要测绘"})
    assert response.status_code == 400 and "延期天数应为1至10个工作日" in response.get_data(as_text=True)
    assert client.post(url, data={"ext-days": "5", "ext-reason": "需要测绘"}).status_code == 302
    db.session.expire_all()
    assert [r.status for r in case.extension_requests] == [ExtensionStatus.pending]


def test_reveal_phone_is_audited(client, login_as, world, make_case):
    case = make_case(CaseState.dispatched)
    login_as(world.handler)
    response = client.post(f"/handling/cases/{case.tracking_no}/reveal")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "13800138000" in html
    assert response.headers["Cache-Control"] == "no-store"
    assert db.session.execute(db.select(AuditEvent).filter_by(
        case_id=case.id, action="reveal_contact", actor_id=world.handler.id)).scalar_one()


def test_head_reassigns_inside_department(client, login_as, world, make_case):
    case = make_case(CaseState.signed)
    login_as(world.head)
    url = f"/handling/cases/{case.tracking_no}"
    assert "改派承办人" in page(client, url)[1]
    assert client.post(url + "/reassign", data={"reassign-assignee": world.head.id}).status_code == 302
    db.session.expire_all()
    assert case.assignee_id == world.head.id


def test_co_department_adds_opinion(client, login_as, world, make_case):
    from app.cases import operations as ops
    case = make_case()
    ops.dispatch_case(case, world.dispatcher, world.dept, co_departments=[world.other_dept])
    db.session.commit()
    login_as(world.other_handler)
    url = f"/handling/cases/{case.tracking_no}"
    _, html = page(client, url)
    assert "提交协办意见" in html and 'id="sign-button"' not in html
    assert client.post(url + "/co-opinion", data={"co-content": "同意主办意见"}).status_code == 302
    db.session.expire_all()
    assert [r.is_public for r in case.replies] == [False]


def unread_of(user):
    return db.session.execute(db.select(Notification).filter_by(
        recipient_id=user.id, read_at=None).order_by(Notification.id)).scalars().all()


def test_reading_the_notifications_page_writes_nothing_marking_read_is_a_post(
        client, login_as, world, make_case):
    first = make_case(CaseState.dispatched)  # dispatch notifies the department's handlers
    make_case(CaseState.dispatched)
    login_as(world.handler)
    _, html = page(client, "/handling/")
    assert '<span class="badge">2</span>' in html
    _, html = page(client, "/handling/notifications")
    assert "新派件" in html and "全部标为已读" in html
    assert len(unread_of(world.handler)) == 2  # a GET never writes
    one = next(n for n in unread_of(world.handler) if n.case_id == first.id)
    response = client.post(f"/handling/notifications/{one.id}/open")
    assert response.status_code == 303 and response.headers["Location"] == one.link
    assert [n.id for n in unread_of(world.handler)] != [] and one not in unread_of(world.handler)
    assert client.post("/handling/notifications/read").status_code == 303
    assert unread_of(world.handler) == []
    _, html = page(client, "/handling/")
    assert 'class="badge"' not in html


def test_dispatcher_following_notification_link_lands_on_desk(client, login_as, world, make_case):
    case = make_case()
    login_as(world.dispatcher)
    response = client.get(f"/handling/cases/{case.tracking_no}")
    assert response.headers["Location"].endswith(f"/office/cases/{case.tracking_no}")


def test_action_without_csrf_token_is_refused(csrf_app, world, make_case):
    import re
    from tests.conftest import PASSWORD
    case = make_case(CaseState.dispatched)
    client = csrf_app.test_client()
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"',
                      client.get("/login").get_data(as_text=True)).group(1)
    response = client.post("/login", data={"username": world.handler.username,
                                           "password": PASSWORD, "csrf_token": token})
    assert response.status_code == 302
    response = client.post(f"/handling/cases/{case.tracking_no}/sign")
    assert response.status_code == 400 and "页面已过期" in response.get_data(as_text=True)
    db.session.expire_all()
    assert case.state is CaseState.dispatched


def test_refused_reply_photo_leaves_no_reply_and_no_stored_file(client, login_as, world,
                                                                make_case, app):
    import io
    import os
    from tests.media.samples import exe_bytes, jpeg_bytes
    case = make_case(CaseState.signed)
    login_as(world.handler)
    response = client.post(f"/handling/cases/{case.tracking_no}/reply",
                           content_type="multipart/form-data", data={
                               "reply-content": "已协调，下周三完成接电",
                               "reply-photos": [(io.BytesIO(jpeg_bytes()), "site.jpg"),
                                                (io.BytesIO(exe_bytes()), "photo.jpg")]})
    assert response.status_code == 400 and "photo.jpg" in response.get_data(as_text=True)
    db.session.expire_all()
    assert case.state is CaseState.signed and not case.replies and not case.attachments
    store = os.path.join(app.config["MEDIA_ROOT"], "store")
    assert len([f for _d, _s, files in os.walk(store) for f in files]) == 1  # for the sweeper
    from tests.media.sweeping import swept_a_day_later
    assert swept_a_day_later() == 1
    assert [f for _d, _s, files in os.walk(store) for f in files] == []


def test_reply_takes_no_more_photos_than_configured(client, login_as, world, make_case, app):
    import io
    from tests.media.samples import jpeg_bytes
    app.config["MAX_PHOTOS"] = 1
    case = make_case(CaseState.signed)
    login_as(world.handler)
    response = client.post(f"/handling/cases/{case.tracking_no}/reply",
                           content_type="multipart/form-data", data={
                               "reply-content": "已协调，下周三完成接电",
                               "reply-photos": [(io.BytesIO(jpeg_bytes()), f"{n}.jpg")
                                                for n in range(2)]})
    assert response.status_code == 400 and "最多上传1张照片" in response.get_data(as_text=True)
    db.session.expire_all()
    assert not case.replies
