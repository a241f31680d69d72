"""Visits on the page and in operations: one transaction for the visit and its cases; the
rules on who records; help measures; supervision visits, clues and the 纪委监委's lists."""
from datetime import date, datetime, timedelta, timezone
import io

import pytest
from PIL import Image

from app.auth.models import Role
from app.cases import operations as case_ops
from app.cases.errors import CaseActionError
from app.cases.models import AuditEvent, Case, CaseSource, CaseState
from app.extensions import db
from app.field import operations as ops, queries
from app.field.models import (FindingOutcome, ItemState, SupervisionKind, Visit,
                              VisitLevel, VisitPhoto)
from app.field.reminders import remind_field
from app.reminders.models import Notification
from tests.conftest import category

NOW = datetime(2026, 11, 16, 2, tzinfo=timezone.utc)  # Monday 16 November, 10:00 local


@pytest.fixture
def field(world, make_user, make_enterprise, fixed_clock):
    fixed_clock.set(NOW)
    leader = make_user(Role.leader, username="leader_f", display_name="刘建国")
    enterprise = make_enterprise(name="华康医药化工有限公司")
    ops.assign_enterprise(world.admin, enterprise, leader, world.dept, world.handler,
                          date(2026, 1, 1))
    db.session.commit()
    return leader, enterprise


def form(enterprise, **over):
    data = {"enterprise": enterprise.id, "visited_on": "2026-11-16", "level": "county",
            "team": "0", "heard": "企业反映用电和融资方面的困难",
            "issue_category": [str(category("electricity").id), str(category("credit_loans").id), ""],
            "issue_content": ["新厂区用电增容报装进度慢", "流动资金贷款审批时间长", ""],
            "contact_name": "张经理", "contact_phone": "13800138000"}
    data.update(over)
    return data


def test_a_leader_records_a_visit_with_two_issues_in_one_go(client, login_as, field, world):
    leader, enterprise = field
    login_as(leader)
    response = client.post("/field/visits/new", data=form(enterprise))
    assert response.status_code == 302
    visit = db.session.execute(db.select(Visit)).scalar_one()
    cases = [link.case for link in visit.case_links]
    assert len(cases) == 2 and {c.source for c in cases} == {CaseSource.visit}
    assert {c.state for c in cases} == {CaseState.submitted}  # in the dispatch pool
    assert all(c.enterprise_id == enterprise.id and c.entered_by_id == leader.id for c in cases)
    assert [p.user_id for p in visit.participants] == [leader.id]
    actions = {e.action for e in db.session.execute(db.select(AuditEvent)).scalars()}
    assert {"record_visit", "from_visit", "submit"} <= actions
    client.post("/logout")
    login_as(world.dispatcher)
    queue = client.get("/office/").get_data(as_text=True)
    assert all(c.tracking_no in queue for c in cases)


def test_a_bad_issue_refuses_the_whole_visit_and_keeps_what_was_typed(client, login_as, field):
    leader, enterprise = field
    login_as(leader)
    data = form(enterprise, issue_category=["", ""], issue_content=["没有选类别的问题内容", ""])
    response = client.post("/field/visits/new", data=data)
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "请为第1个问题选择问题类别" in page
    assert "没有选类别的问题内容" in page and "企业反映用电和融资方面的困难" in page
    assert db.session.execute(db.select(db.func.count()).select_from(Visit)).scalar() == 0
    assert db.session.execute(db.select(db.func.count()).select_from(Case)).scalar() == 0


def test_future_dates_and_strangers_are_refused(client, login_as, field, world, make_user):
    leader, enterprise = field
    login_as(leader)
    response = client.post("/field/visits/new", data=form(enterprise, visited_on="2026-11-17"))
    assert response.status_code == 400 and "走访日期不能晚于今天" in response.get_data(as_text=True)
    stranger = make_user(Role.handler, world.other_dept)  # neither in a team nor a liaison
    with pytest.raises(CaseActionError, match="只有包联领导"):
        ops.record_visit(stranger, enterprise=enterprise, visited_on=date(2026, 11, 16),
                         level=VisitLevel.department, heard="了解企业生产经营情况")
    client.post("/logout")
    login_as(world.supervisor)
    assert client.get("/field/visits/new").status_code == 403


def test_visit_photos_are_kept_and_served_to_staff(client, login_as, field):
    leader, enterprise = field
    login_as(leader)
    image = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(image, "JPEG")
    image.seek(0)
    data = form(enterprise, issue_category=[""], issue_content=[""])
    data["attachments"] = [(image, "现场.jpg")]
    response = client.post("/field/visits/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    photo = db.session.execute(db.select(VisitPhoto)).scalar_one()
    assert photo.content_type == "image/jpeg"
    assert client.get(f"/field/photos/{photo.id}").status_code == 200
    from app.media.operations import referenced_keys
    assert photo.stored_name in referenced_keys([photo.stored_name])  # the sweeper keeps it


def test_help_measures_are_tracked_and_reminded_before_due(field, world, client, login_as):
    leader, enterprise = field
    measure = ops.add_help_measure(leader, enterprise, "协调供电公司加快增容报装",
                                   world.dept, date(2026, 11, 18))
    db.session.commit()
    assert remind_field(NOW) >= 1
    notes = db.session.execute(db.select(Notification).where(
        Notification.kind == "help_measure_due")).scalars().all()
    assert {n.recipient_id for n in notes} == {world.head.id}
    assert remind_field(NOW + timedelta(hours=1)) == 0  # once per recipient and due date
    login_as(world.handler)
    response = client.post(f"/field/plans/{measure.id}/done", data={"done-note": "已完成增容"})
    assert response.status_code == 302
    db.session.refresh(measure)
    assert measure.state is ItemState.done
    with pytest.raises(CaseActionError, match="完成时限不能早于今天"):
        ops.add_help_measure(leader, enterprise, "过去的时限不行", world.dept, date(2026, 11, 1))


def test_overdue_measures_show_on_the_page(field, world, client, login_as, fixed_clock):
    leader, enterprise = field
    ops.add_help_measure(leader, enterprise, "协调解决用工招聘问题", world.dept, date(2026, 11, 20))
    db.session.commit()
    fixed_clock.set(NOW + timedelta(days=10))
    login_as(leader)
    page = client.get("/field/plans").get_data(as_text=True)
    assert "协调解决用工招聘问题" in page and "逾期" in page
    assert queries.field_figures(date(2026, 11, 1), date(2026, 12, 1))["help_measures_overdue"] == 1


def test_the_office_week_reminder_goes_to_leaders_with_unvisited_pairs(field, world, make_enterprise):
    leader, enterprise = field
    # December's office week: Tue 1 – Mon 7; reminders in its last 3 days (5–7 December)
    assert remind_field(datetime(2026, 12, 3, 2, tzinfo=timezone.utc)) == 0
    sent = remind_field(datetime(2026, 12, 5, 2, tzinfo=timezone.utc))
    note = db.session.execute(db.select(Notification).where(
        Notification.kind == "field_office_week")).scalar_one()
    assert sent == 1 and note.recipient_id == leader.id and enterprise.name in note.body
    assert remind_field(datetime(2026, 12, 6, 2, tzinfo=timezone.utc)) == 0  # idempotent


def test_no_office_week_reminder_once_every_pair_is_visited(field):
    leader, enterprise = field
    ops.record_visit(leader, enterprise=enterprise, visited_on=date(2026, 11, 2),
                     level=VisitLevel.county, heard="了解企业生产经营情况",
                     now=datetime(2026, 11, 2, 2, tzinfo=timezone.utc))
    db.session.commit()
    assert remind_field(datetime(2026, 11, 5, 2, tzinfo=timezone.utc)) == 0


def test_supervision_visit_findings_become_cases_and_clues(field, world, make_user, make_case,
                                                           client, login_as):
    inspector = make_user(Role.discipline, username="jiwei")
    visit = ops.record_supervision_visit(
        inspector, kind=SupervisionKind.covert, department=world.dept,
        visited_on=date(2026, 11, 13), summary="暗访政务服务窗口办事情况", findings=[
            ops.Finding("窗口人员脱岗，群众等候时间长", FindingOutcome.case, category=category()),
            ops.Finding("一次性告知制度落实不到位", FindingOutcome.clue,
                        owner_department=world.dept, due_on=date(2026, 11, 30)),
            ops.Finding("指引标识不清楚需要改进")])
    db.session.commit()
    case_finding, clue, noted = visit.findings
    assert case_finding.case.source is CaseSource.discipline and case_finding.case.is_anonymous
    assert clue.state is ItemState.open and noted.outcome is FindingOutcome.noted
    with pytest.raises(CaseActionError):
        ops.record_supervision_visit(world.supervisor, kind=SupervisionKind.survey,
                                     department=world.dept, visited_on=date(2026, 11, 13),
                                     summary="督查人员不是纪委监委")
    ops.close_clue(inspector, clue, "已约谈窗口负责人并整改")
    db.session.commit()
    figures = queries.field_figures(date(2026, 11, 1), date(2026, 12, 1))
    assert (figures["supervision_visits"], figures["supervision_findings"],
            figures["supervision_findings_to_cases"], figures["supervision_clues"]) == (1, 3, 1, 1)
    # read-only on every case; 挂牌督办 cases on its list
    other = make_case(CaseState.signed)
    case_ops.supervise_case(other, world.dispatcher, note="逾期未办")
    db.session.commit()
    login_as(inspector)
    page = client.get("/field/supervision").get_data(as_text=True)
    assert other.tracking_no in page and "已约谈窗口负责人" not in page
    assert client.get(f"/oversight/cases/{other.tracking_no}").status_code == 200
    assert client.get(f"/office/cases/{other.tracking_no}").status_code == 403
    assert db.session.execute(db.select(Notification).where(
        Notification.kind == "supervise", Notification.recipient_id == inspector.id)).scalar_one()


def test_admin_pages_assign_import_and_end(client, login_as, world, make_user, make_enterprise,
                                           fixed_clock):
    fixed_clock.set(NOW)
    leader = make_user(Role.leader, username="leader_imp", display_name="赵立新")
    enterprise = make_enterprise()
    login_as(world.admin)
    csv = ("统一社会信用代码,包联领导,责任部门,联络员,开始日期\n"
           f"{enterprise.credit_code},赵立新,市场监管局,handler_market,2026-11-01\n").encode()
    response = client.post("/field/assignments/import",
                           data={"imp-file": (io.BytesIO(csv), "包联.csv")},
                           content_type="multipart/form-data")
    assert response.status_code == 302
    running = queries.active_assignments(date(2026, 11, 16))
    assert [(a.leader_id, a.liaison_id) for a in running] == [(leader.id, world.handler.id)]
    bad = "统一社会信用代码,包联领导\n123,无此人\n".encode()
    response = client.post("/field/assignments/import",
                           data={"imp-file": (io.BytesIO(bad), "包联.csv")},
                           content_type="multipart/form-data")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "第2行" in page and "无此人" in page
    response = client.post(f"/field/assignments/{running[0].id}/end", data={"end-ends_on": "2026-11-10"})
    assert response.status_code == 302 and not queries.active_assignments(date(2026, 11, 16))
    assert "2026-11-01 至 2026-11-10" in client.get("/field/assignments").get_data(as_text=True)
    client.post("/logout")
    login_as(leader)
    assert client.get("/field/assignments").status_code == 403


def test_a_visit_is_shown_only_to_those_concerned(client, login_as, field, world, make_user):
    leader, enterprise = field
    visit, _cases = ops.record_visit(leader, enterprise=enterprise, visited_on=date(2026, 11, 16),
                                     level=VisitLevel.county, heard="了解企业生产经营情况")
    db.session.commit()
    stranger = make_user(Role.handler, world.other_dept)
    login_as(stranger)
    assert client.get(f"/field/visits/{visit.id}").status_code == 404
    client.post("/logout")
    login_as(world.handler)  # the enterprise's liaison
    assert client.get(f"/field/visits/{visit.id}").status_code == 200


def test_team_members_are_reminded_before_a_dekad_ends_short_of_three_visits(field, world):
    _leader, enterprise = field
    team = ops.create_team(world.admin, "市场监管服务团", world.dept, True, date(2026, 1, 1))
    ops.add_team_member(world.admin, team, world.handler, date(2026, 1, 1))
    db.session.commit()
    for day in (11, 12):  # two of three in 中旬 (11–20 November)
        ops.record_visit(world.handler, enterprise=enterprise, visited_on=date(2026, 11, day),
                         level=VisitLevel.department, heard="了解企业生产经营情况", team=team)
    db.session.commit()
    assert remind_field(datetime(2026, 11, 17, 2, tzinfo=timezone.utc)) == 0  # 3 days left
    assert remind_field(datetime(2026, 11, 18, 2, tzinfo=timezone.utc)) == 1
    note = db.session.execute(db.select(Notification).where(
        Notification.kind == "field_dekad")).scalar_one()
    assert note.recipient_id == world.handler.id and "还差1次" in note.title
    assert remind_field(datetime(2026, 11, 20, 2, tzinfo=timezone.utc)) == 0  # once a 旬
