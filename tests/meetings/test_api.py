"""/api/v1/meetings and the mechanism figures in /api/v1/figures."""
from datetime import date

from app.cases.models import CaseSource, CaseState
from app.core.timeutil import to_local
from app.extensions import db
from app.meetings.models import Meeting
from tests.api.conftest import api, tokens  # noqa: F401  (fixtures)
from tests.meetings.conftest import MONDAY


def test_create_list_and_show_a_meeting(api, world, fixed_clock):
    fixed_clock.set(MONDAY)
    created = api.post("/meetings", {"type": "face_to_face", "held_on": "2026-11-05",
                                     "chair": "王县长", "enterprises": ["鲁南机械有限公司"]})
    assert created.status_code == 201, created.json
    body = created.json
    assert body["type_label"] == "面对面解难题双周调度会" and body["attendees"]["enterprise"] == ["鲁南机械有限公司"]
    listed = api.get("/meetings?type=face_to_face", as_="supervisor").json
    assert listed["total"] == 1 and listed["items"][0]["id"] == body["id"]
    assert api.get(f"/meetings/{body['id']}").json["chair"] == "王县长"


def test_post_an_issue_creates_a_dispatched_case_due_on_the_day(api, world, fixed_clock):
    fixed_clock.set(MONDAY)
    meeting_id = api.post("/meetings", {"type": "party_business", "held_on": "2026-11-02"}).json["id"]
    response = api.post(f"/meetings/{meeting_id}/issues", {
        "category": "other", "content": "企业用地指标紧张需要协调", "enterprise_name": "鲁南机械",
        "leader": "王县长", "department": "MARKET", "measure": "协调自然资源局", "goal": "一个月内落实",
        "due": "2026-11-30"})
    assert response.status_code == 201, response.json
    issue = response.json
    assert issue["leader"] == "王县长" and issue["due"] == "2026-11-30"
    assert issue["case"]["state"] == "dispatched"
    case = db.session.get(Meeting, meeting_id).issues[0].case
    assert case.source is CaseSource.meeting and case.state is CaseState.dispatched
    assert to_local(case.reply_due_at).date() == date(2026, 11, 30)
    shown = api.get(f"/meetings/{meeting_id}").json
    assert shown["issues"][0]["case"]["tracking_no"] == case.tracking_no


def test_issue_errors_are_json_with_the_field(api, world, fixed_clock):
    fixed_clock.set(MONDAY)
    meeting_id = api.post("/meetings", {"type": "party_business", "held_on": "2026-11-02"}).json["id"]
    body = {"category": "other", "content": "企业用地指标紧张需要协调", "leader": "王县长",
            "department": "MARKET", "due": "2026-11-30"}
    assert api.post(f"/meetings/{meeting_id}/issues", {**body, "due": "30/11"}).json["field"] == "due"
    late = api.post(f"/meetings/{meeting_id}/issues", {**body, "due": "2026-10-01"})
    assert late.status_code == 400 and late.json["field"] == "due"
    unknown = api.post(f"/meetings/{meeting_id}/issues", {**body, "department": "NOPE"})
    assert unknown.json["error"] == "unknown_department"
    assert api.post(f"/meetings/{meeting_id}/issues", {**body, "source": "card"}).status_code == 400
    assert api.post("/meetings/999999/issues", body).status_code == 404
    assert api.post("/meetings", {"type": "nope", "held_on": "2026-11-02"}).json["field"] == "type"


def test_handlers_may_neither_read_nor_create_meetings(api, world):
    meeting_id = api.post("/meetings", {"type": "party_business", "held_on": "2026-11-02"}).json["id"]
    assert api.get("/meetings", as_="handler").status_code == 403
    assert api.get(f"/meetings/{meeting_id}", as_="handler").status_code == 403
    refused = api.post("/meetings", {"type": "party_business", "held_on": "2026-11-02"}, as_="supervisor")
    assert refused.status_code == 403
    issue = api.post(f"/meetings/{meeting_id}/issues", {
        "category": "other", "content": "企业用地指标紧张需要协调", "leader": "王县长",
        "department": "MARKET", "due": "2099-11-30"}, as_="head")
    assert issue.status_code == 403


def test_figures_count_meetings_issues_and_solved_per_type(api, world, fixed_clock):
    from app.cases import operations as case_ops
    from app.cases.models import Rating
    fixed_clock.set(MONDAY)
    meeting_id = api.post("/meetings", {"type": "party_business", "held_on": "2026-11-02"}).json["id"]
    api.post("/meetings", {"type": "face_to_face", "held_on": "2026-12-01"})
    for content in ("第一个交办的问题内容", "第二个交办的问题内容"):
        api.post(f"/meetings/{meeting_id}/issues", {"category": "other", "content": content,
                                                    "leader": "王县长", "department": "MARKET",
                                                    "due": "2026-11-30"})
    case = db.session.get(Meeting, meeting_id).issues[0].case
    case_ops.sign_case(case, world.handler)
    case_ops.reply_to_case(case, world.handler, "已解决")
    case_ops.rate_case(case, Rating.satisfied)
    db.session.commit()
    figures = api.get("/figures?from=2026-11-01&to=2026-12-01").json["mechanisms"]
    by_type = {g["type"]: g for g in figures["meetings"]["by_type"]}
    expected = {"meetings_held": 1, "issues_assigned": 2, "issues_solved": 1, "issues_open": 1,
                "solved_rate": "50.00"}
    assert {key: by_type["party_business"][key] for key in expected} == expected
    assert by_type["face_to_face"]["meetings_held"] == 0  # held in December
    assert figures["meetings"]["totals"]["issues_assigned"] == 2
    assert figures["bulletins"]["bulletins_issued"] == 0


def test_mechanism_sheet_counts_per_month_and_type(client, login_as, api, world, fixed_clock):
    from io import BytesIO
    from openpyxl import load_workbook
    fixed_clock.set(MONDAY)
    api.post("/meetings", {"type": "party_business", "held_on": "2026-10-22"})
    meeting_id = api.post("/meetings", {"type": "party_business", "held_on": "2026-11-02"}).json["id"]
    api.post(f"/meetings/{meeting_id}/issues", {"category": "other", "content": "交办的问题内容",
                                                "leader": "王县长", "department": "MARKET",
                                                "due": "2026-11-30"})
    login_as(world.supervisor)
    response = client.get("/meetings/mechanisms.xlsx?from=2026-10-01&to=2026-12-01")
    assert response.status_code == 200
    wb = load_workbook(BytesIO(response.data))
    rows = [[c.value for c in r] for r in wb["会议调度"].iter_rows(min_row=3)]
    party = [r for r in rows if r[1] == "党企月商会"]
    assert party == [["2026-10", "党企月商会", 1, 0, 0, 0, "—"],
                     ["2026-11", "党企月商会", 1, 1, 0, 1, "0.00"]]
    assert [r[0] for r in wb["代表声音"].iter_rows(min_row=3, values_only=True)] == ["2026-10", "2026-11"]
    assert client.get("/meetings/mechanisms.xlsx?from=2026-12-01&to=2026-10-01").status_code == 400


def test_a_repeated_submission_key_gives_back_the_first_issue(api, world, fixed_clock):
    fixed_clock.set(MONDAY)
    meeting_id = api.post("/meetings", {"type": "party_business", "held_on": "2026-11-02"}).json["id"]
    body = {"category": "other", "content": "企业用地指标紧张需要协调", "leader": "王县长",
            "department": "MARKET", "due": "2026-11-30", "submission_key": "meeting-1-row-1"}
    first = api.post(f"/meetings/{meeting_id}/issues", body)
    again = api.post(f"/meetings/{meeting_id}/issues", body)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json["case"]["tracking_no"] == first.json["case"]["tracking_no"]
    assert len(api.get(f"/meetings/{meeting_id}").json["issues"]) == 1
