"""Issue rows become cases with the meeting's deadline; the 问题建议清单 as .xlsx and PDF."""
from datetime import date
from io import BytesIO
import subprocess

from openpyxl import load_workbook
import pytest

from app.auth.models import Role
from app.cases.errors import CaseActionError
from app.cases.models import AuditEvent, CaseSource, CaseState
from app.core.timeutil import to_local
from app.extensions import db
from app.meetings import operations as ops
from tests.conftest import category
from tests.meetings.conftest import MONDAY


def row(n, department, **values):
    base = {"enterprise": "", "content": "", "category": str(category().id), "leader": "",
            "department": str(department.id), "measure": "", "goal": "", "due": ""}
    base.update(values)
    return {f"{k}-{n}": v for k, v in base.items()}


def test_issue_rows_become_dispatched_meeting_cases_due_on_their_day(
        client, login_as, world, make_meeting, make_enterprise, fixed_clock):
    fixed_clock.set(MONDAY)
    enterprise = make_enterprise(name="鲁南机械有限公司")
    meeting = make_meeting(held_on=date(2026, 11, 2))
    login_as(world.dispatcher)
    form = {"rows": "3", **row(0, world.dept, enterprise="鲁南机械有限公司", content="厂区道路破损急需修缮",
                               leader="王县长", measure="列入年度计划", goal="年底前完工", due="2026-11-30"),
            **row(1, world.other_dept, enterprise="新办企业甲", content="税务登记咨询需要上门指导",
                  leader="李副县长", due="2026-11-20"),
            **row(2, world.dept)}  # a blank row is skipped
    response = client.post(f"/meetings/{meeting.id}/issues", data=form)
    assert response.status_code == 302
    db.session.expire_all()
    issues = meeting.issues
    assert [i.leader_name for i in issues] == ["王县长", "李副县长"]
    first, second = (i.case for i in issues)
    assert first.source is CaseSource.meeting and first.state is CaseState.dispatched
    assert first.enterprise_id == enterprise.id and first.lead_department_id == world.dept.id
    assert second.enterprise_id is None and second.enterprise_name_given == "新办企业甲"
    due = to_local(first.reply_due_at)
    assert (due.date(), due.hour, due.minute) == (date(2026, 11, 30), 17, 30)
    assert first.original_reply_due_at == first.reply_due_at
    dispatch = db.session.execute(db.select(AuditEvent).filter_by(
        case_id=first.id, action="dispatch")).scalar_one()
    assert "王县长" in dispatch.note and dispatch.data["reply_due_at"]
    assert issues[0].measure == "列入年度计划" and issues[0].goal == "年底前完工"


def test_a_bad_row_saves_nothing_and_keeps_what_was_typed(client, login_as, world, make_meeting,
                                                        fixed_clock):
    fixed_clock.set(MONDAY)
    meeting = make_meeting(held_on=date(2026, 11, 2))
    login_as(world.dispatcher)
    form = {"rows": "2", **row(0, world.dept, content="第一行的问题内容", leader="王县长", due="2026-11-30"),
            **row(1, world.dept, content="第二行的问题内容", leader="王县长", due="2026-10-01")}
    response = client.post(f"/meetings/{meeting.id}/issues", data=form)
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "第2行：时限不能早于今天" in page and "第一行的问题内容" in page and "2026-10-01" in page
    db.session.expire_all()
    assert meeting.issues == []


def test_an_issue_needs_a_leader_a_department_and_a_deadline(world, make_meeting, fixed_clock):
    fixed_clock.set(MONDAY)
    meeting = make_meeting(held_on=date(2026, 11, 2))
    common = dict(category=category(), content="企业反映用工难问题")
    with pytest.raises(CaseActionError, match="分包县领导"):
        ops.raise_issue(meeting, world.dispatcher, department=world.dept, leader_name=" ",
                        due_on=date(2026, 11, 30), **common)
    with pytest.raises(CaseActionError, match="责任单位"):
        ops.raise_issue(meeting, world.dispatcher, department=None, leader_name="王县长",
                        due_on=date(2026, 11, 30), **common)
    with pytest.raises(CaseActionError, match="时限"):
        ops.raise_issue(meeting, world.dispatcher, department=world.dept, leader_name="王县长",
                        due_on=None, **common)


def _meeting_with_issues(world, make_meeting, make_enterprise):
    make_enterprise(name="=HYPERLINK(\"http://x\")")
    meeting = make_meeting(held_on=date(2026, 11, 2), chair="张书记", leaders="王县长、李副县长")
    ops.raise_issue(meeting, world.dispatcher, category=category(), content="融资担货款<b>难</b>问题",
                    department=world.dept, leader_name="王县长", measure="协调银行", goal="月底放款",
                    due_on=date(2026, 11, 30), enterprise_name="鲁南机械有限公司")
    ops.raise_issue(meeting, world.dispatcher, category=category(), content="=1+1 公式样的内容",
                    department=world.other_dept, leader_name="李副县长", due_on=date(2026, 12, 15),
                    enterprise_name="=HYPERLINK(\"http://x\")")
    db.session.commit()
    return meeting


def test_issue_list_xlsx_holds_every_row_with_formulas_kept_as_text(
        client, login_as, world, make_meeting, make_enterprise, fixed_clock):
    fixed_clock.set(MONDAY)
    meeting = _meeting_with_issues(world, make_meeting, make_enterprise)
    login_as(world.supervisor)
    response = client.get(f"/meetings/{meeting.id}/issues.xlsx")
    assert response.status_code == 200
    ws = load_workbook(BytesIO(response.data)).active
    rows = [[c.value for c in r] for r in ws.iter_rows(min_row=3)]
    assert rows[0][:8] == ["序号", "企业", "问题内容", "分包县领导", "责任单位", "举措", "目标", "时限"]
    assert rows[1][1:8] == ["鲁南机械有限公司", "融资担货款<b>难</b>问题", "王县长", "市场监管局",
                            "协调银行", "月底放款", "2026-11-30"]
    assert rows[1][9] == "待签收"
    assert ws.cell(row=5, column=3).data_type == "s" and ws.cell(row=5, column=3).value == "=1+1 公式样的内容"


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


def test_issue_list_and_agenda_pdfs_print_the_rows_in_the_embedded_font(
        client, login_as, world, make_meeting, make_enterprise, fixed_clock):
    fixed_clock.set(MONDAY)
    meeting = _meeting_with_issues(world, make_meeting, make_enterprise)
    login_as(world.dispatcher)
    data = client.get(f"/meetings/{meeting.id}/issues.pdf").data
    text = pdf_text(data)
    for expected in ("问题建议清单", "鲁南机械有限公司", "王县长", "协调银行", "2026-11-30", "<b>难</b>"):
        assert expected in text
    fonts = subprocess.run(["pdffonts", "-"], input=data, capture_output=True).stdout.decode()
    assert "WenQuanYi" in fonts or "wqy" in fonts.lower()
    next_meeting = ops.create_meeting(world.dispatcher, meeting.type, date(2026, 11, 26))
    ops.build_agenda(next_meeting, world.dispatcher)
    db.session.commit()
    agenda = pdf_text(client.get(f"/meetings/{next_meeting.id}/agenda.pdf").data)
    assert "上次会议交办问题办理情况" in agenda and "上次会议交办未办结" in agenda
    assert "待签收" in agenda and "部门指标" in agenda


def test_handlers_cannot_open_meetings(client, login_as, world, make_meeting):
    meeting = make_meeting()
    login_as(world.handler)
    assert client.get("/meetings/").status_code == 403
    assert client.get(f"/meetings/{meeting.id}/issues.xlsx").status_code == 403


def test_leaders_cannot_open_meetings(client, login_as, make_meeting, make_user):
    meeting = make_meeting()
    login_as(make_user(Role.leader))
    assert client.get(f"/meetings/{meeting.id}").status_code == 403


def test_supervisors_read_meetings_but_change_nothing(client, login_as, world, make_meeting):
    meeting = make_meeting()
    login_as(world.supervisor)
    page = client.get(f"/meetings/{meeting.id}")
    assert page.status_code == 200 and "生成议程" not in page.get_data(as_text=True)
    assert client.post(f"/meetings/{meeting.id}/agenda/build").status_code == 403
    assert client.post("/meetings/", data={"type": "1", "held_on": "2026-11-26"}).status_code == 403


def test_meeting_form_refusal_keeps_the_input(client, login_as, world):
    login_as(world.dispatcher)
    response = client.post("/meetings/", data={"type": "", "held_on": "2026-11-26",
                                               "chair": "张书记"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "请选择会议类型" in page and "张书记" in page


def test_admin_adds_a_meeting_type(client, login_as, world):
    login_as(world.admin)
    assert client.post("/meetings/types", data={"name": "重点项目调度会"}).status_code == 302
    page = client.get("/meetings/").get_data(as_text=True)
    assert "重点项目调度会" in page
    again = client.post("/meetings/types", data={"name": "重点项目调度会"})
    assert again.status_code == 409 and "已存在" in again.get_data(as_text=True)


def test_only_the_admin_adds_meeting_types(client, login_as, world):
    login_as(world.dispatcher)
    assert client.post("/meetings/types", data={"name": "另一类"}).status_code == 403


def test_agenda_page_add_drop_restore(client, login_as, world, make_meeting, make_case,
                                      fixed_clock):
    fixed_clock.set(MONDAY)
    case = make_case(CaseState.dispatched, now=MONDAY)
    meeting = make_meeting(held_on=date(2026, 11, 2))
    login_as(world.dispatcher)
    assert client.post(f"/meetings/{meeting.id}/agenda/add",
                       data={"tracking_no": case.tracking_no.lower(), "note": "请说明"}).status_code == 302
    missing = client.post(f"/meetings/{meeting.id}/agenda/add", data={"tracking_no": "MS0000-XXXXXX"})
    assert missing.status_code == 404 and "不存在" in missing.get_data(as_text=True)
    item = meeting.agenda_items[0]
    client.post(f"/meetings/{meeting.id}/agenda/{item.id}", data={"action": "drop", "note": "请说明"})
    db.session.expire_all()
    assert item.is_dropped
    client.post(f"/meetings/{meeting.id}/agenda/{item.id}", data={"action": "restore", "note": "x"})
    db.session.expire_all()
    assert not item.is_dropped and item.note == "x"


def test_dates_out_of_range_are_refused_with_a_message(client, login_as, world, make_meeting,
                                                      fixed_clock):
    fixed_clock.set(MONDAY)
    login_as(world.dispatcher)
    from app.meetings.queries import meeting_type_by_code
    party = meeting_type_by_code("party_business")
    response = client.post("/meetings/", data={"type": str(party.id), "held_on": "0001-01-01"})
    assert response.status_code == 400 and "日期应在2000-01-01至2100-12-31之间" in response.get_data(as_text=True)
    first = make_meeting(held_on=date(2000, 1, 3))  # looks back to the figures' first day only
    assert client.get(f"/meetings/{first.id}").status_code == 200
    form = {"rows": "1", **row(0, world.dept, content="问题内容写在这里", leader="王县长", due="9999-12-31")}
    far = client.post(f"/meetings/{make_meeting().id}/issues", data=form)
    assert far.status_code == 400 and "第1行：时限" in far.get_data(as_text=True)


def test_minutes_keep_photos_that_the_media_sweep_leaves_alone(client, login_as, world,
                                                               make_meeting, make_user):
    from PIL import Image
    from app.media.operations import referenced_keys
    meeting = make_meeting()
    buffer = BytesIO()
    Image.new("RGB", (640, 480), (200, 30, 30)).save(buffer, "JPEG")
    login_as(world.dispatcher)
    response = client.post(f"/meetings/{meeting.id}/attachments", data={
        "attachments": [(BytesIO(buffer.getvalue()), "签字纪要.jpg")]},
        content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    [photo] = meeting.attachments
    assert photo.original_name == "签字纪要.jpg" and photo.content_type == "image/jpeg"
    assert referenced_keys([photo.stored_name]) == {photo.stored_name}
    served = client.get(f"/meetings/{meeting.id}/files/{photo.id}")
    assert served.status_code == 200 and served.data[:2] == b"\xff\xd8"
    refused = client.post(f"/meetings/{meeting.id}/attachments", data={
        "attachments": [(BytesIO(b"not a picture at all"), "notes.txt")]},
        content_type="multipart/form-data")
    assert refused.status_code == 400 and "notes.txt" in refused.get_data(as_text=True)
    assert client.get(f"/meetings/{meeting.id}/files/999").status_code == 404
