"""The office desk over HTTP: queue with suggestions, dispatch, answer now, invalid, board,
extensions, follow-up rating and staff entry."""
from datetime import timedelta

import pytest

from app.cases import operations as ops
from app.cases.models import Case, CaseSource, CaseState, ExtensionStatus, Rating
from app.core.clock import utcnow
from app.extensions import db
from tests.conftest import category
from tests.figures.timeline import NOW as FRIDAY_9AM


def html_of(response):
    return response.get_data(as_text=True)


def test_queue_suggests_enterprise_department_then_category_default(client, login_as, world,
                                                                     make_case, make_enterprise):
    firm = make_enterprise(responsible_department=world.other_dept)
    by_firm = make_case(enterprise=firm)
    cat = category("electricity")
    cat.default_department = world.dept
    db.session.commit()
    by_category = make_case(category="electricity")
    nothing = make_case()
    login_as(world.dispatcher)
    html = html_of(client.get("/office/"))
    for case in (by_firm, by_category, nothing):
        assert case.tracking_no in html
    row = lambda case: html[html.index(f'id="row-{case.tracking_no}"'):][:4000]
    assert "税务局" in row(by_firm).split('class="suggestion"')[1][:200]
    assert "市场监管局" in row(by_category).split('class="suggestion"')[1][:200]
    assert f'<option selected value="{world.other_dept.id}">' in row(by_firm)


def test_one_click_dispatch_from_queue_with_co_department(client, login_as, world, make_case):
    case = make_case()
    login_as(world.dispatcher)
    p = f"d{case.id}"
    response = client.post(f"/office/cases/{case.tracking_no}/dispatch", data={
        "prefix": p, f"{p}-department": world.dept.id, f"{p}-co_departments": [world.other_dept.id],
        f"{p}-complexity": "consultation"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/office/")
    db.session.expire_all()
    assert case.state is CaseState.dispatched and case.lead_department_id == world.dept.id
    assert [cd.department_id for cd in case.co_departments] == [world.other_dept.id]
    assert case.complexity.name == "consultation"


def test_dispatch_refusal_shows_message(client, login_as, world, make_case):
    case = make_case()
    login_as(world.dispatcher)
    response = client.post(f"/office/cases/{case.tracking_no}/dispatch", data={
        "prefix": "dispatch", "dispatch-department": world.dept.id,
        "dispatch-co_departments": [world.dept.id]})
    assert response.status_code == 400 and "协办部门不能与主办部门相同" in html_of(response)
    db.session.expire_all()
    assert case.state is CaseState.submitted


def test_answer_now_and_mark_invalid(client, login_as, world, make_case):
    simple, spam = make_case(), make_case()
    login_as(world.dispatcher)
    client.post(f"/office/cases/{simple.tracking_no}/answer",
                data={"answer-content": "需要营业执照和环评表", "confirmed": "1"})
    response = client.post(f"/office/cases/{spam.tracking_no}/invalid", data={"invalid-reason": ""})
    assert response.status_code == 400 and "请填写无效原因" in html_of(response)
    client.post(f"/office/cases/{spam.tracking_no}/invalid",
                data={"invalid-reason": "广告信息", "confirmed": "1"})
    db.session.expire_all()
    assert simple.state is CaseState.replied and spam.state is CaseState.invalid


def test_dispatcher_sees_full_phone(client, login_as, world, make_case):
    case = make_case()
    login_as(world.dispatcher)
    assert "13800138000" in html_of(client.get(f"/office/cases/{case.tracking_no}"))


def test_board_groups_overdue_and_soon_due_and_urges(client, login_as, world, make_case,
                                                     fixed_clock):
    fixed_clock.set(FRIDAY_9AM)
    late = make_case(CaseState.signed, now=utcnow() - timedelta(days=30))
    soon = make_case(CaseState.dispatched, department=world.other_dept,
                     now=utcnow() - timedelta(hours=20))  # Thu 13:00: sign by Fri 13:00
    relaxed = make_case(CaseState.signed)  # due in 5 working days
    login_as(world.dispatcher)
    html = html_of(client.get("/office/board"))
    assert late.tracking_no in html and relaxed.tracking_no not in html
    assert soon.tracking_no in html  # due within 24 hours
    assert html.index("市场监管局") < html.index(late.tracking_no)
    response = client.post(f"/office/cases/{late.tracking_no}/supervise", data={"back": "board"})
    assert response.headers["Location"].endswith("/office/board")
    db.session.expire_all()
    assert late.escalation_level == 2
    assert soon.state is CaseState.dispatched


def test_urge_refused_for_closed_case(client, login_as, world, make_case):
    case = make_case(CaseState.closed)
    login_as(world.dispatcher)
    response = client.post(f"/office/cases/{case.tracking_no}/urge")
    assert response.status_code == 409 and "不能催办" in html_of(response)


def test_extensions_approve_and_refuse(client, login_as, world, make_case):
    a, b = make_case(CaseState.signed), make_case(CaseState.signed)
    for case in (a, b):
        ops.request_extension(case, world.handler, 3, "需要现场测绘")
    db.session.commit()
    due_before = a.reply_due_at
    login_as(world.dispatcher)
    html = html_of(client.get("/office/extensions"))
    assert a.tracking_no in html and b.tracking_no in html
    client.post(f"/office/cases/{a.tracking_no}/extension/approve")
    response = client.post(f"/office/cases/{b.tracking_no}/extension/refuse",
                           data={"refuse-reason": ""})
    assert "请填写不予延期的理由" in html_of(response)
    client.post(f"/office/cases/{b.tracking_no}/extension/refuse", data={"refuse-reason": "可按期办结"})
    db.session.expire_all()
    assert a.extension_requests[0].status is ExtensionStatus.approved and a.reply_due_at > due_before
    assert b.extension_requests[0].status is ExtensionStatus.refused


def test_follow_up_rating_closes(client, login_as, world, make_case):
    case = make_case(CaseState.replied)
    login_as(world.dispatcher)
    client.post(f"/office/cases/{case.tracking_no}/rate", data={"rate-rating": "satisfied"})
    db.session.expire_all()
    assert case.state is CaseState.closed and case.rating is Rating.satisfied


def test_staff_entry_from_hotline(client, login_as, world, make_enterprise):
    firm = make_enterprise(name="鲁西轴承有限公司")
    login_as(world.dispatcher)
    data = {"source": "hotline", "category": category("contracts").id, "urgency": "normal",
            "enterprise": "鲁西轴承有限公司", "content": "分包商拖欠工人工资", "contact_name": "刘",
            "contact_phone": "1380013"}
    response = client.post("/office/cases/new", data=data)
    assert response.status_code == 400 and "请填写正确的11位手机号码" in html_of(response)
    assert "分包商拖欠工人工资" in html_of(response)
    data["contact_phone"] = "13800138000"
    response = client.post("/office/cases/new", data=data)
    assert response.status_code == 302
    case = db.session.execute(db.select(Case)).scalar_one()
    assert case.source is CaseSource.hotline and case.enterprise_id == firm.id
    assert case.entered_by_id == world.dispatcher.id


def test_handler_cannot_enter_desk(client, login_as, world):
    login_as(world.handler)
    assert client.get("/office/").status_code == 403


def jpeg_bytes():
    import io
    from PIL import Image
    buffer = io.BytesIO()
    Image.new("RGB", (320, 240), (10, 20, 30)).save(buffer, "JPEG")
    return buffer.getvalue()


STAFF_VISIT = {"source": "visit", "urgency": "normal", "content": "走访时企业反映厂区门前道路积水",
               "contact_phone": "13800138000"}


def test_staff_entry_keeps_photos(client, login_as, world):
    import io
    pytest.importorskip("app.media.operations", reason="media module lives on branch intake")
    login_as(world.dispatcher)
    response = client.post("/office/cases/new", content_type="multipart/form-data", data={
        **STAFF_VISIT, "category": category("other").id,
        "attachments": [(io.BytesIO(jpeg_bytes()), "road.jpg")]})
    assert response.status_code == 302
    case = db.session.execute(db.select(Case)).scalar_one()
    assert [a.kind.name for a in case.attachments] == ["photo"]


def test_staff_entry_with_a_disguised_program_saves_nothing(client, login_as, world, app):
    import io
    pytest.importorskip("app.media.operations", reason="media module lives on branch intake")
    login_as(world.dispatcher)
    response = client.post("/office/cases/new", content_type="multipart/form-data", data={
        **STAFF_VISIT, "category": category("other").id,
        "attachments": [(io.BytesIO(b"MZ" + b"\0" * 500), "photo.jpg")]})
    assert response.status_code == 400 and "photo.jpg" in html_of(response)
    assert "走访时企业反映厂区门前道路积水" in html_of(response)  # what was typed stays
    assert db.session.execute(db.select(Case)).first() is None


def test_suggestion_skips_the_department_that_returned_the_case_and_inactive_ones(
        world, make_case, make_enterprise):
    from app.office.queries import BY_CATEGORY, BY_ENTERPRISE, Suggestion, suggest_department
    firm = make_enterprise(responsible_department=world.dept)
    cat = category("tax")
    cat.default_department = world.other_dept
    db.session.commit()
    case = make_case(CaseState.returned, enterprise=firm, category="tax")  # returned by MARKET
    assert suggest_department(case) == Suggestion(world.other_dept, BY_CATEGORY)
    world.other_dept.is_active = False
    assert suggest_department(case) is None
    fresh = make_case(enterprise=firm)
    assert suggest_department(fresh) == Suggestion(world.dept, BY_ENTERPRISE)


def stored_files(app):
    import os
    return sorted(f for _dir, _sub, files in os.walk(os.path.join(app.config["MEDIA_ROOT"], "store"))
                  for f in files)

def test_refused_staff_entry_leaves_no_stored_file_behind(client, login_as, world, app):
    import io
    from tests.media.samples import jpeg_bytes as photo
    from tests.media.sweeping import swept_a_day_later
    login_as(world.dispatcher)
    response = client.post("/office/cases/new", content_type="multipart/form-data", data={
        **STAFF_VISIT, "category": category("other").id,
        "attachments": [(io.BytesIO(photo()), "good.jpg"),
                        (io.BytesIO(b"MZ" + b"\0" * 500), "photo.jpg")]})
    assert response.status_code == 400 and "photo.jpg" in html_of(response)
    assert db.session.execute(db.select(Case)).first() is None
    # good.jpg was stored; it stays (nothing is deleted inline) until the sweeper finds it
    # unreferenced after the grace period.
    assert len(stored_files(app)) == 1
    assert swept_a_day_later() == 1 and stored_files(app) == []


def test_staff_entry_counts_photos_against_the_configured_limit(client, login_as, world, app):
    import io
    from tests.media.samples import jpeg_bytes as photo
    from tests.media.sweeping import swept_a_day_later
    app.config["MAX_PHOTOS"] = 2
    login_as(world.dispatcher)
    response = client.post("/office/cases/new", content_type="multipart/form-data", data={
        **STAFF_VISIT, "category": category("other").id,
        "attachments": [(io.BytesIO(photo(color=(n * 40, 0, 0))), f"{n}.jpg") for n in range(3)]})
    assert response.status_code == 400 and "最多2张照片、3段视频" in html_of(response)
    assert db.session.execute(db.select(Case)).first() is None
    assert swept_a_day_later() == 3 and stored_files(app) == []
