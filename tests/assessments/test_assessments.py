"""现场测评: who records, one transaction for an assessment and its finding cases, campaigns
and their matrix, reminders, per-department results (a department sees only its own
aggregates) and the figures."""
from datetime import date, datetime, timezone
import io

import pytest
from PIL import Image

from app.assessments import operations as ops, queries
from app.assessments.models import Assessment, AssessmentPhoto
from app.assessments.reminders import remind_assessments
from app.auth.models import Role, User
from app.auth.operations import create_api_token
from app.cases import operations as case_ops
from app.cases.errors import CaseActionError
from app.cases.models import AuditEvent, Case, CaseSource, CaseState, Rating
from app.departments.models import DepartmentKind
from app.extensions import db
from app.field.operations import Issue
from app.media.operations import referenced_keys
from app.reminders.models import Notification
from tests.conftest import category

NOW = datetime(2026, 11, 16, 2, tzinfo=timezone.utc)  # Monday 16 November, 10:00 local
R = Rating


@pytest.fixture
def people(world, make_user, fixed_clock):
    fixed_clock.set(NOW)
    first = make_user(Role.social_supervisor, username="jd_wang", display_name="王建德")
    second = make_user(Role.social_supervisor, username="jd_li", display_name="李秀英")
    return first, second


def record(supervisor, department, *, on=date(2026, 11, 16), scores=(R.satisfied,) * 3,
           findings=(), **kw):
    assessment, cases = ops.record_assessment(
        supervisor, department=department, assessed_on=on, matter="办理个体工商户变更登记",
        efficiency=scores[0], process=scores[1], attitude=scores[2], findings=list(findings), **kw)
    db.session.commit()
    return assessment, cases


def form(department, **over):
    data = {"department": department.id, "assessed_on": "2026-11-16",
            "matter": "到窗口办理个体工商户变更登记，取号后等候约20分钟",
            "efficiency": "basically_satisfied", "procedure": "satisfied", "attitude": "very_satisfied",
            "notes": "叫号屏不够清楚",
            "issue_category": [str(category("government_service").id), ""],
            "issue_content": ["窗口只设一个，高峰期排队时间长", ""]}
    data.update(over)
    return data


def test_a_supervisor_records_an_assessment_and_the_finding_becomes_a_case(
        client, login_as, people, world):
    supervisor, _ = people
    login_as(supervisor)
    assert client.get("/assessments/new").status_code == 200
    response = client.post("/assessments/new", data=form(world.dept))
    assert response.status_code == 302
    assessment = db.session.execute(db.select(Assessment)).scalar_one()
    assert (assessment.efficiency, assessment.process, assessment.attitude) == (
        R.basically_satisfied, R.satisfied, R.very_satisfied)
    assert assessment.notes == "叫号屏不够清楚" and assessment.supervisor_id == supervisor.id
    [case] = [link.case for link in assessment.case_links]
    assert case.source is CaseSource.supervisor and case.state is CaseState.submitted
    assert case.entered_by_id == supervisor.id
    actions = {e.action for e in db.session.execute(db.select(AuditEvent)).scalars()}
    assert {"record_assessment", "from_assessment", "submit"} <= actions
    page = client.get(f"/assessments/{assessment.id}").get_data(as_text=True)
    assert case.tracking_no in page and "基本满意（50分）" in page
    # A supervisor sees no case.
    assert client.get("/office/").status_code == 403
    assert client.get(f"/oversight/cases/{case.tracking_no}").status_code in (403, 404)
    assert client.get("/figures/").status_code == 403
    assert client.get("/handling/notifications").status_code == 200  # reminders reach them
    client.post("/logout")
    login_as(world.dispatcher)
    assert case.tracking_no in client.get("/office/").get_data(as_text=True)


def test_a_refused_finding_refuses_the_whole_assessment_and_keeps_what_was_typed(
        client, login_as, people, world):
    supervisor, _ = people
    login_as(supervisor)
    response = client.post("/assessments/new", data=form(
        world.dept, issue_category=["", ""], issue_content=["没有选类别的问题内容", ""]))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "请为第1个问题选择问题类别" in page
    assert "没有选类别的问题内容" in page and "取号后等候约20分钟" in page
    assert db.session.execute(db.select(db.func.count()).select_from(Assessment)).scalar() == 0
    assert db.session.execute(db.select(db.func.count()).select_from(Case)).scalar() == 0
    response = client.post("/assessments/new", data=form(world.dept, attitude=""))
    assert response.status_code == 400 and "请为服务态度评分" in response.get_data(as_text=True)
    response = client.post("/assessments/new", data=form(world.dept, assessed_on="2026-11-17"))
    assert response.status_code == 400 and "测评日期不能晚于今天" in response.get_data(as_text=True)


@pytest.mark.parametrize("role", [Role.dispatcher, Role.supervisor, Role.handler, Role.leader,
                                  Role.discipline])
def test_only_social_supervisors_record(role, people, world, make_user, client, login_as):
    other = make_user(role, world.dept if role is Role.handler else None, username=f"u_{role.name}")
    with pytest.raises(CaseActionError, match="无权登记现场测评"):
        ops.record_assessment(other, department=world.dept, assessed_on=date(2026, 11, 16),
                              matter="办理个体工商户变更登记", efficiency=R.satisfied,
                              process=R.satisfied, attitude=R.satisfied)
    login_as(other)
    assert client.post("/assessments/new", data=form(world.dept)).status_code == 403


def test_a_social_supervisor_enters_only_supervisor_cases(people):
    supervisor, _ = people
    with pytest.raises(CaseActionError):
        case_ops.submit_case(source=CaseSource.visit, category=category("other"),
                             content="不是测评发现的问题", actor=supervisor)


def test_departments_see_only_their_own_aggregates(people, world, client, login_as):
    first, second = people
    record(first, world.dept, scores=(R.very_satisfied, R.satisfied, R.dissatisfied))
    record(second, world.dept, scores=(R.satisfied, R.satisfied, R.very_satisfied))
    mine, _ = record(first, world.other_dept, scores=(R.very_dissatisfied,) * 3)
    login_as(world.handler)
    assert client.get("/assessments/").status_code == 302  # to the results
    page = client.get("/assessments/results?period=month").get_data(as_text=True)
    assert world.dept.name in page and world.other_dept.name not in page
    assert "87.50" in page and "75.00" in page and "62.50" in page  # efficiency, process, attitude
    assert "王建德" not in page and "李秀英" not in page  # nobody's name
    assert client.get(f"/assessments/{mine.id}").status_code == 403
    assert client.get("/assessments/campaigns/1").status_code == 403
    client.post("/logout")
    login_as(second)
    assert client.get(f"/assessments/{mine.id}").status_code == 404  # another supervisor's
    assert client.get("/assessments/results").status_code == 403


def test_results_per_department_truncate_the_averages(people, world):
    first, second = people
    record(first, world.dept, scores=(R.very_satisfied, R.satisfied, R.satisfied))
    record(second, world.dept, scores=(R.satisfied, R.satisfied, R.basically_satisfied))
    record(second, world.dept, on=date(2026, 11, 10), scores=(R.satisfied, R.satisfied, R.satisfied))
    [row] = queries.department_results(date(2026, 11, 1), date(2026, 12, 1))
    assert row.count == 3
    assert row.averages == {"efficiency": "83.33", "process": "75.00", "attitude": "66.66",
                            "overall": "75.00"}
    assert queries.department_results(date(2026, 11, 11), date(2026, 12, 1))[0].count == 2


def test_a_campaign_counts_assessments_and_shows_who_has_not_finished(
        people, world, client, login_as, make_department):
    first, second = people
    functional = queries.functional_departments()
    assert world.dept in functional and len(functional) == 2  # the world's two, both functional
    make_department(code="T01", name="城关街道", kind=DepartmentKind.township)
    earlier, _ = record(first, world.dept, on=date(2026, 11, 2))
    login_as(world.dispatcher)
    response = client.post("/assessments/campaigns/new", data={
        "title": "2026年第四季度现场测评", "starts_on": "2026-11-01", "ends_on": "2026-11-30"})
    assert response.status_code == 302
    campaign = queries.campaigns()[0]
    assert [t.department for t in campaign.targets] == functional  # not the township
    db.session.refresh(earlier)
    assert earlier.campaign_id == campaign.id  # made in the period before it opened: counts
    later, _ = record(first, world.other_dept)
    assert later.campaign_id == campaign.id
    matrix = queries.campaign_matrix(campaign)
    rows = {r.supervisor.id: r for r in matrix.rows}
    assert rows[first.id].finished and rows[first.id].done == [True, True]
    assert rows[second.id].left == functional and matrix.per_department == [1, 1]
    page = client.get(f"/assessments/campaigns/{campaign.id}").get_data(as_text=True)
    assert "李秀英：还差 2 个部门" in page and "王建德：还差" not in page
    response = client.post("/assessments/campaigns/new", data={
        "title": "过期的测评", "starts_on": "2026-10-01", "ends_on": "2026-10-31"})
    assert response.status_code == 400 and "结束日期不能早于今天" in response.get_data(as_text=True)
    client.post("/logout")
    login_as(second)
    assert client.get("/assessments/campaigns/new").status_code == 403
    page = client.get("/assessments/").get_data(as_text=True)
    assert "还有 2 个部门未测评" in page


def test_reminders_go_to_supervisors_with_departments_left_before_the_end(
        people, world, fixed_clock):
    first, second = people
    ops.open_campaign(world.dispatcher, "十一月现场测评", date(2026, 11, 1), date(2026, 11, 30))
    db.session.commit()
    record(first, world.dept)
    record(first, world.other_dept)
    assert remind_assessments(datetime(2026, 11, 26, 2, tzinfo=timezone.utc)) == 0  # too early
    fixed_clock.set(datetime(2026, 11, 28, 2, tzinfo=timezone.utc))
    assert remind_assessments(datetime(2026, 11, 28, 2, tzinfo=timezone.utc)) == 1
    note = db.session.execute(db.select(Notification).where(
        Notification.kind == "assessment_campaign")).scalar_one()
    assert note.recipient_id == second.id and world.dept.name in note.body
    assert "还有2个部门未测评" in note.title
    # Idempotent: again the next day (and from a second process) nothing new.
    assert remind_assessments(datetime(2026, 11, 29, 2, tzinfo=timezone.utc)) == 0
    assert remind_assessments(datetime(2026, 12, 1, 2, tzinfo=timezone.utc)) == 0  # over


def test_figures_count_assessments_coverage_scores_and_solved_findings(people, world, make_case):
    first, second = people
    _, [case] = record(first, world.dept, scores=(R.very_satisfied,) * 3,
                       findings=[Issue(category("government_service"), "窗口高峰期排队时间较长")])
    record(second, world.dept, scores=(R.satisfied,) * 3)
    record(second, world.other_dept, on=date(2026, 10, 30), scores=(R.dissatisfied,) * 3)
    dispatcher = world.dispatcher
    case_ops.dispatch_case(case, dispatcher, world.dept)
    case_ops.sign_case(case, world.handler)
    case_ops.reply_to_case(case, world.handler, "已增设窗口")
    case_ops.rate_case(case, R.satisfied)
    db.session.commit()
    figures = queries.assessment_figures(date(2026, 11, 1), date(2026, 12, 1))
    assert figures["assessments"] == 2 and figures["departments_covered"] == 1
    assert figures["supervisors_assessing"] == 2
    assert figures["average_scores"] == {"efficiency": "87.50", "process": "87.50",
                                         "attitude": "87.50", "overall": "87.50"}
    assert (figures["findings_to_cases"], figures["findings_solved"],
            figures["finding_resolution"]) == (1, 1, "100.00")
    empty = queries.assessment_figures(date(2026, 1, 1), date(2026, 2, 1))
    assert empty["assessments"] == 0 and empty["average_scores"]["overall"] is None


def test_figures_in_the_api(people, world, client):
    record(people[0], world.dept)
    token = create_api_token(world.dispatcher)
    db.session.commit()
    response = client.get("/api/v1/figures?from=2026-11-01&to=2026-12-01",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200
    assert response.get_json()["mechanisms"]["assessments"]["assessments"] == 1


def test_photos_are_kept_by_the_media_sweep_and_shown_to_the_office(
        people, world, client, login_as, app):
    supervisor, _ = people
    login_as(supervisor)
    image = io.BytesIO()
    Image.new("RGB", (64, 48), "red").save(image, "JPEG")
    image.seek(0)
    data = form(world.dept)
    data["attachments"] = [(image, "window.jpg")]
    response = client.post("/assessments/new", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    photo = db.session.execute(db.select(AssessmentPhoto)).scalar_one()
    assert referenced_keys([photo.stored_name]) == {photo.stored_name}
    client.post("/logout")
    login_as(world.dispatcher)
    assert client.get(f"/assessments/photos/{photo.id}").status_code == 200
    client.post("/logout")
    login_as(world.handler)
    assert client.get(f"/assessments/photos/{photo.id}").status_code == 403


def test_the_admin_creates_a_social_supervisor_without_a_department(world, client, login_as):
    login_as(world.admin)
    response = client.post("/admin/users/new", data={
        "username": "jd_zhao", "display_name": "赵德明", "role": "social_supervisor",
        "department": "0", "password": "correct-horse-9", "is_active": "y"})
    assert response.status_code == 302
    user = db.session.execute(db.select(User).filter_by(username="jd_zhao")).scalar_one()
    assert user.role is Role.social_supervisor and user.department_id is None
