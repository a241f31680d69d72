"""The JSON API end to end: every action, every refusal, through bearer tokens."""
from datetime import timedelta

import pytest

from app.auth.models import ApiToken, Role
from app.cases.models import AuditEvent, Case, CaseState
from app.core.clock import utcnow
from app.extensions import db
from tests.conftest import valid_credit_code

# Long enough ago that every limit (sign, reply, rating window) has run out by now.
PAST = utcnow() - timedelta(days=40)

SUBMISSION = {"source": "card", "category": "tax", "content": "发票申领一直提示系统繁忙",
              "contact_name": "王女士", "contact_phone": "13800138000"}


def assert_error(response, status, code):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.is_json, response.get_data(as_text=True)
    body = response.get_json()
    assert body["error"] == code, body
    assert body["message"] and any("\u4e00" <= ch <= "\u9fff" for ch in body["message"])
    return body


def last_event(api, case, as_="dispatcher"):
    return api.get(f"/cases/{case.tracking_no}", as_=as_).get_json()["events"][-1]


# --- tokens --------------------------------------------------------------------------------

def test_missing_token_is_401_json(client, tokens):
    response = client.get("/api/v1/cases")
    assert_error(response, 401, "unauthorized")
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert_error(client.get("/api/v1/cases", headers={"Authorization": "Basic abc"}),
                 401, "unauthorized")


def test_invalid_or_revoked_token_is_401(client, tokens, world):
    assert_error(client.get("/api/v1/cases", headers={"Authorization": "Bearer msb_nope"}),
                 401, "invalid_token")
    for row in db.session.execute(db.select(ApiToken)).scalars():
        row.revoked_at = utcnow()
    db.session.commit()
    response = client.get("/api/v1/cases",
                          headers={"Authorization": f"Bearer {tokens['dispatcher']}"})
    assert_error(response, 401, "invalid_token")


def test_token_of_disabled_user_is_401(api, world):
    world.dispatcher.is_active = False
    db.session.commit()
    assert_error(api.get("/cases"), 401, "invalid_token")


def test_tokens_are_stored_hashed_and_use_is_recorded(api, tokens):
    assert api.get("/departments").status_code == 200
    stored = db.session.execute(db.select(ApiToken)).scalars().all()
    assert tokens["dispatcher"] not in {t.token_hash for t in stored}
    assert any(t.last_used_at is not None for t in stored)


def test_api_needs_no_csrf_token(csrf_app, world):
    from app.auth.operations import create_api_token
    token = create_api_token(world.dispatcher)
    db.session.commit()
    response = csrf_app.test_client().post("/api/v1/cases", json=SUBMISSION,
                                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 201, response.get_json()


# --- submit --------------------------------------------------------------------------------

def test_submit_answers_201_with_tracking_number_and_access_code(api, world, make_enterprise):
    enterprise = make_enterprise(name="鲁西化工有限公司")
    response = api.post("/cases", {**SUBMISSION, "category": "纳税", "urgency": "urgent",
                                   "enterprise_code": enterprise.credit_code})
    assert response.status_code == 201
    body = response.get_json()
    assert body["state"] == "submitted" and body["tracking_no"].startswith("MS")
    assert len(body["access_code"]) == 6
    assert body["category"] == {"code": "tax", "name": "纳税"}
    assert body["urgency"] == "urgent"
    assert body["enterprise"]["name"] == "鲁西化工有限公司"
    assert body["events"][0]["action"] == "submit"
    assert body["events"][0]["actor_username"] == "dispatcher"
    assert body["times"]["submitted"]["utc"].endswith("Z")
    assert body["times"]["submitted"]["local"].endswith("+08:00")
    case = db.session.execute(db.select(Case).filter_by(tracking_no=body["tracking_no"])
                              ).scalar_one()
    assert case.entered_by_id == world.dispatcher.id


def test_submit_same_key_answers_200_with_the_same_case(api):
    first = api.post("/cases", {**SUBMISSION, "submission_key": "k-77"})
    again = api.post("/cases", {**SUBMISSION, "submission_key": "k-77"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.get_json()["tracking_no"] == again.get_json()["tracking_no"]
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 1


def test_staff_source_needs_an_office_role(api):
    assert_error(api.post("/cases", {**SUBMISSION, "source": "hotline"}, as_="handler"),
                 403, "wrong_role")
    assert api.post("/cases", {**SUBMISSION, "source": "hotline"}).status_code == 201


@pytest.mark.parametrize("role", ["handler", "head", "supervisor", "leader"])
@pytest.mark.parametrize("source", ["card", "hall", "hotline"])
def test_only_office_roles_create_cases_through_the_api(api, make_user, role, source):
    """Issue 16 item 18: leader, supervisor and handler tokens created card cases."""
    from app.auth.models import Role
    from app.auth.operations import create_api_token
    if role == "leader":
        api.tokens["leader"] = create_api_token(make_user(Role.leader, username="leader"))
        db.session.commit()
    assert_error(api.post("/cases", {**SUBMISSION, "source": source}, as_=role), 403, "wrong_role")
    assert db.session.scalar(db.select(db.func.count(Case.id))) == 0
    for office in ("dispatcher", "admin"):
        assert api.post("/cases", {**SUBMISSION, "source": source}, as_=office).status_code == 201


def test_anonymous_submission_keeps_no_contact(api):
    body = api.post("/cases", {**SUBMISSION, "anonymous": True}).get_json()
    assert body["contact"] == {"name": None, "phone": None, "anonymous": True}


@pytest.mark.parametrize("change,status,code", [
    ({"category": "no_such_area"}, 400, "unknown_category"),
    ({"category": None}, 400, "missing_field"),
    ({"enterprise_code": valid_credit_code(999)}, 400, "unknown_enterprise"),
    ({"urgency": "very"}, 400, "invalid_choice"),
    ({"source": "fax"}, 400, "invalid_choice"),
    ({"source": None}, 400, "missing_field"),
    ({"anonymous": "yes"}, 400, "invalid_field"),
    ({"content": 12345}, 400, "invalid_field"),
    ({"content": "短"}, 400, "invalid_input"),
    ({"contact_phone": "12345"}, 400, "invalid_input"),
    ({"submission_key": "k" * 65}, 400, "invalid_field"),
])
def test_submit_refuses_bad_fields_with_json(api, change, status, code):
    body = assert_error(api.post("/cases", {**SUBMISSION, **change}), status, code)
    assert body.get("field")


@pytest.mark.parametrize("data", ["[1, 2]", '"text"', "", "null"])
def test_bad_json_body_is_400(api, data):
    response = api.client.post("/api/v1/cases", data=data, content_type="application/json",
                               headers=api.headers("dispatcher"))
    assert_error(response, 400, "bad_json")


UNPARSABLE = {"malformed": "{not json", "open_brackets": "[" * 50_000,
              "closed_brackets": "[" * 50_000 + "]" * 50_000,
              "deep_field": '{"content": ' + "[" * 900 + "]" * 900 + "}",
              "deep_objects": '{"a": ' + '{"b": ' * 40 + "1" + "}" * 41}


@pytest.mark.parametrize("name", UNPARSABLE)
@pytest.mark.parametrize("action", [False, True], ids=["submit", "act"])
def test_unparsable_or_deeply_nested_json_is_400_invalid_json(api, make_case, name, action):
    """Issue 16 item 15: `[` × 50,000 answered 500."""
    path = f"/api/v1/cases/{make_case().tracking_no}/actions" if action else "/api/v1/cases"
    response = api.client.post(path, data=UNPARSABLE[name], content_type="application/json",
                               headers=api.headers("dispatcher"))
    assert_error(response, 400, "invalid_json")


# --- read ----------------------------------------------------------------------------------

def test_get_case_shows_deadlines_departments_replies_and_rating(api, make_case, world):
    case = make_case(CaseState.closed, now=PAST)
    body = api.get(f"/cases/{case.tracking_no}").get_json()
    assert body["state"] == "closed" and body["state_label"] == "已办结"
    assert body["departments"]["lead"] == {"code": "MARKET", "name": "市场监管局",
                                           "kind": "functional"}
    sign_due = body["deadlines"]["sign_due"]
    assert sign_due["utc"].endswith("Z") and sign_due["local"].endswith("+08:00")
    assert body["deadlines"]["reply_due"]["utc"] == case.reply_due_at.replace(
        microsecond=0).isoformat().replace("+00:00", "Z")
    assert [r["content"] for r in body["replies"]] == ["已处理完毕"]
    assert body["rating"]["level"] == "satisfied" and body["rating"]["label"] == "满意"
    assert [e["action"] for e in body["events"]] == ["submit", "dispatch", "sign", "reply", "rate"]
    assert body["events"][1] == {**body["events"][1], "from_state": "submitted",
                                 "to_state": "dispatched", "actor_username": "dispatcher"}


def test_phone_is_masked_for_everyone_but_the_dispatcher(api, make_case):
    case = make_case(CaseState.signed)
    assert api.get(f"/cases/{case.tracking_no}").get_json()["contact"]["phone"] == "13800138000"
    handler_view = api.get(f"/cases/{case.tracking_no}", as_="handler").get_json()
    assert handler_view["contact"]["phone"] == "138****8000"
    assert "access_code" not in handler_view


def test_other_department_case_is_404_on_get_and_actions(api, make_case):
    case = make_case(CaseState.dispatched)
    assert_error(api.get(f"/cases/{case.tracking_no}", as_="other_handler"), 404, "not_found")
    assert_error(api.act(case, "sign", as_="other_handler"), 404, "not_found")
    assert_error(api.act(case, "return", as_="other_handler", reason="不归我管"), 404, "not_found")
    assert_error(api.get("/cases/MS0000-XXXXXX"), 404, "not_found")
    db.session.refresh(case)
    assert case.state is CaseState.dispatched


def test_handler_list_never_includes_another_departments_cases(api, make_case, world):
    mine = {make_case(CaseState.dispatched).tracking_no for _ in range(2)}
    theirs = make_case(CaseState.dispatched, department=world.other_dept)
    make_case()  # not dispatched yet: nobody's but the office's
    listed = {c["tracking_no"] for c in api.get("/cases", as_="handler").get_json()["items"]}
    assert listed == mine
    other = {c["tracking_no"] for c in api.get("/cases", as_="other_handler").get_json()["items"]}
    assert other == {theirs.tracking_no}
    # Filtering by another department gives nothing rather than their cases.
    body = api.get("/cases?department=TAX", as_="handler").get_json()
    assert body["items"] == [] and body["total"] == 0
    assert api.get("/cases").get_json()["total"] == 4


def test_co_department_sees_joint_case_in_list_and_opinions(api, make_case, world):
    from app.cases import operations as ops
    case = make_case()
    ops.dispatch_case(case, world.dispatcher, world.dept, co_departments=[world.other_dept])
    db.session.commit()
    listed = api.get("/cases", as_="other_handler").get_json()["items"]
    assert [c["tracking_no"] for c in listed] == [case.tracking_no]
    assert listed[0]["departments"]["co"][0]["code"] == "TAX"
    api.act(case, "co_opinion", as_="other_handler", content="我局负责发票部分，已核实")
    replies = api.get(f"/cases/{case.tracking_no}", as_="handler").get_json()["replies"]
    assert replies == [{**replies[0], "kind": "co_opinion", "is_public": False}]


def test_list_paginates_by_fifty(api, make_case):
    for _ in range(51):
        make_case()
    first = api.get("/cases").get_json()
    assert (first["total"], first["page"], first["pages"], len(first["items"])) == (51, 1, 2, 50)
    second = api.get("/cases?page=2").get_json()
    assert len(second["items"]) == 1
    assert second["items"][0]["tracking_no"] not in {c["tracking_no"] for c in first["items"]}


def test_list_filters_state_department_and_overdue(api, make_case, world):
    late = make_case(CaseState.signed, now=PAST)  # reply deadline long gone
    unsigned_late = make_case(CaseState.dispatched, now=PAST, department=world.other_dept)
    fresh = make_case(CaseState.signed)
    make_case(CaseState.closed, now=PAST)  # closed: never overdue
    nos = lambda r: {c["tracking_no"] for c in r.get_json()["items"]}
    assert nos(api.get("/cases?overdue=1")) == {late.tracking_no, unsigned_late.tracking_no}
    assert nos(api.get("/cases?state=signed")) == {late.tracking_no, fresh.tracking_no}
    assert nos(api.get("/cases?department=TAX")) == {unsigned_late.tracking_no}
    assert nos(api.get("/cases?overdue=1&state=signed&department=MARKET")) == {late.tracking_no}
    assert api.get(f"/cases/{late.tracking_no}").get_json()["overdue"] is True
    assert api.get(f"/cases/{fresh.tracking_no}").get_json()["overdue"] is False


@pytest.mark.parametrize("query,code", [
    ("state=lost", "invalid_choice"), ("department=NOPE", "unknown_department"),
    ("page=0", "invalid_field"), ("page=x", "invalid_field"), ("overdue=maybe", "invalid_field"),
])
def test_list_refuses_bad_filters(api, query, code):
    assert_error(api.get(f"/cases?{query}"), 400, code)


def test_departments_lists_code_name_kind(api, world, make_department):
    make_department(code="OLD", name="撤并局", is_active=False)
    body = api.get("/departments", as_="handler").get_json()
    assert {"code": "MARKET", "name": "市场监管局", "kind": "functional"} in body["items"]
    assert "OLD" not in {d["code"] for d in body["items"]}


# --- every action, and its audit event through GET -------------------------------------------

def test_full_lifecycle_through_the_api_with_every_event_visible(api, world, make_user):
    colleague = make_user(Role.handler, world.dept, username="handler_market_2")
    no = api.post("/cases", SUBMISSION).get_json()["tracking_no"]

    def step(action, as_, expect_state, expect_action=None, **fields):
        response = api.act(no, action, as_=as_, **fields)
        assert response.status_code == 200, response.get_json()
        assert response.get_json()["state"] == expect_state
        event = api.get(f"/cases/{no}").get_json()["events"][-1]
        assert event["action"] == (expect_action or action)
        assert event["actor_username"] == world.__dict__[as_].username
        assert event["time"]["utc"].endswith("Z")
        return event

    event = step("dispatch", "dispatcher", "dispatched", department="MARKET",
                 co_departments=["TAX"], complexity="complex", note="请市场监管局牵头")
    assert (event["from_state"], event["to_state"]) == ("submitted", "dispatched")
    assert event["data"]["complexity"] == "complex"
    body = api.get(f"/cases/{no}", as_="handler").get_json()
    assert body["complexity"] == "complex" and body["deadlines"]["sign_due"] is not None
    step("co_opinion", "other_handler", "dispatched", content="我局核实发票系统运行正常")
    event = step("sign", "handler", "signed")
    assert event["from_state"] == "dispatched" and event["to_state"] == "signed"
    step("request_extension", "handler", "signed", days=3, reason="需要税务局协同排查")
    event = step("refuse_extension", "dispatcher", "signed", reason="可以按期办结")
    assert event["note"] == "可以按期办结"
    step("request_extension", "handler", "signed", days=2, reason="系统厂商下周到场")
    before = api.get(f"/cases/{no}").get_json()["deadlines"]["reply_due"]["utc"]
    step("approve_extension", "dispatcher", "signed", note="同意")
    after = api.get(f"/cases/{no}").get_json()
    assert after["deadlines"]["reply_due"]["utc"] > before
    assert after["counts"]["extensions"] == 1
    assert [r["status"] for r in after["extension_requests"]] == ["refused", "approved"]
    event = step("reassign", "head", "signed", assignee="handler_market_2")
    assert event["data"] == {"assignee": "handler_market_2"}
    assert api.get(f"/cases/{no}").get_json()["assignee"] == colleague.username
    step("urge", "dispatcher", "signed", note="企业再次来电")
    event = step("supervise", "dispatcher", "signed", note="挂牌督办")
    assert api.get(f"/cases/{no}").get_json()["escalation_level"] == 2
    step("reply", "handler", "replied", content="已联系厂商修复，发票可正常申领")
    event = step("rate", "dispatcher", "signed", rating="dissatisfied", comment="还是偶尔报错",
                 tags=["unresolved"])
    assert event["data"]["reopened"] is True
    step("reply", "handler", "replied", "rework_feedback", content="已彻底修复")
    step("rate", "dispatcher", "closed", "follow_up_rate", rating="very_satisfied")
    final = api.get(f"/cases/{no}").get_json()
    assert [e["action"] for e in final["events"]] == [
        "submit", "dispatch", "co_opinion", "sign", "request_extension", "refuse_extension",
        "request_extension", "approve_extension", "reassign", "urge", "supervise", "reply",
        "rate", "reply", "rework_feedback", "follow_up_rate"]
    assert final["counts"]["reopens"] == 1 and final["rating"]["level"] == "very_satisfied"
    assert [r["kind"] for r in final["replies"]] == ["co_opinion", "reply", "reply"]


def test_answer_now_close_unrated_mark_invalid_and_return(api, make_case, world):
    quick = make_case()
    assert api.act(quick, "answer_now", content="营业执照可在政务网办理").get_json()["state"] == "replied"
    assert last_event(api, quick)["action"] == "answer_now"

    stale = make_case(CaseState.replied, now=PAST)
    body = api.act(stale, "close_unrated").get_json()
    assert body["state"] == "closed" and body["closed_unrated"] is True
    event = last_event(api, stale)
    assert (event["action"], event["actor_username"]) == ("close_unrated", "dispatcher")

    spam = make_case()
    assert api.act(spam, "mark_invalid", reason="广告信息").get_json()["invalid_reason"] == "广告信息"
    assert last_event(api, spam)["to_state"] == "invalid"

    misrouted = make_case(CaseState.dispatched)
    body = api.act(misrouted, "return", as_="handler", reason="属税务部门职责").get_json()
    assert body["state"] == "returned" and body["counts"]["returns"] == 1
    event = last_event(api, misrouted, as_="dispatcher")
    assert (event["action"], event["note"]) == ("return", "属税务部门职责")
    redispatched = api.act(misrouted, "dispatch", department="TAX").get_json()
    assert redispatched["departments"]["lead"]["code"] == "TAX"


# --- refusals ------------------------------------------------------------------------------

def test_wrong_role_is_403(api, make_case):
    case = make_case(CaseState.signed)
    assert_error(api.act(case, "urge", as_="handler"), 403, "wrong_role")
    assert_error(api.act(case, "reassign", as_="handler", assignee="handler_market"),
                 403, "wrong_role")
    assert_error(api.act(case, "reply", as_="supervisor", content="督查不能答复"), 403, "wrong_role")
    assert_error(api.act(make_case(CaseState.replied), "close_unrated", as_="handler"),
                 403, "wrong_role")


def test_wrong_state_is_409(api, make_case):
    assert_error(api.act(make_case(CaseState.dispatched), "answer_now", content="答复"),
                 409, "wrong_state")
    assert_error(api.act(make_case(CaseState.replied), "sign", as_="handler"), 409, "wrong_state")
    # Too early to close unrated: the rating window is still open.
    assert_error(api.act(make_case(CaseState.replied), "close_unrated"), 409, "not_yet_due")


def test_missing_reason_is_400_and_changes_nothing(api, make_case):
    case = make_case(CaseState.dispatched)
    body = assert_error(api.act(case, "return", as_="handler"), 400, "reason_required")
    assert body["field"] == "reason"
    assert_error(api.act(case, "return", as_="handler", reason="   "), 400, "reason_required")
    assert_error(api.act(make_case(), "mark_invalid"), 400, "reason_required")
    assert api.get(f"/cases/{case.tracking_no}").get_json()["state"] == "dispatched"
    assert db.session.scalar(db.select(db.func.count(AuditEvent.id)).where(
        AuditEvent.case_id == case.id, AuditEvent.action == "return")) == 0


def test_extension_after_the_deadline_is_409(api, make_case):
    case = make_case(CaseState.signed, now=PAST)
    assert_error(api.act(case, "request_extension", as_="handler", days=3, reason="还需要时间"),
                 409, "deadline_passed")


def test_extension_days_must_be_a_whole_number_in_range(api, make_case):
    case = make_case(CaseState.signed)
    assert_error(api.act(case, "request_extension", as_="handler", reason="原因"),
                 400, "missing_field")
    assert_error(api.act(case, "request_extension", as_="handler", days="3", reason="原因"),
                 400, "invalid_field")
    assert_error(api.act(case, "request_extension", as_="handler", days=30, reason="原因"),
                 400, "invalid_input")


@pytest.mark.parametrize("fields,code", [
    ({"action": "teleport"}, "unknown_action"),
    ({"action": None}, "missing_field"),
    ({"action": ["dispatch"]}, "unknown_action"),
    ({"action": "dispatch", "department": "NOPE"}, "unknown_department"),
    ({"action": "dispatch"}, "missing_field"),
    ({"action": "dispatch", "department": "MARKET", "co_departments": ["NOPE"]},
     "unknown_department"),
    ({"action": "dispatch", "department": "MARKET", "co_departments": "TAX"}, "invalid_field"),
    ({"action": "dispatch", "department": "MARKET", "complexity": "hard"}, "invalid_choice"),
    ({"action": "dispatch", "department": "MARKET", "co_departments": ["MARKET"]},
     "invalid_input"),
])
def test_bad_action_bodies_are_400_json(api, make_case, fields, code):
    case = make_case()
    assert_error(api.post(f"/cases/{case.tracking_no}/actions", fields), 400, code)
    assert api.get(f"/cases/{case.tracking_no}").get_json()["state"] == "submitted"


def test_bad_rating_and_unknown_assignee_are_400(api, make_case):
    assert_error(api.act(make_case(CaseState.replied), "rate", rating="meh"), 400, "invalid_choice")
    assert_error(api.act(make_case(CaseState.replied), "rate"), 400, "missing_field")
    assert_error(api.act(make_case(CaseState.signed), "reassign", as_="head", assignee="ghost"),
                 400, "unknown_user")


def test_bad_json_on_actions_is_400(api, make_case):
    case = make_case()
    response = api.client.post(f"/api/v1/cases/{case.tracking_no}/actions", data="action=sign",
                               headers=api.headers("dispatcher"))
    assert_error(response, 400, "bad_json")


def test_unknown_api_url_and_wrong_method_answer_json(api, tokens):
    assert_error(api.get("/nothing-here"), 404, "not_found")
    response = api.client.delete("/api/v1/cases", headers=api.headers("dispatcher"))
    assert_error(response, 405, "method_not_allowed")
    assert "GET" in response.headers["Allow"]


def test_unexpected_error_is_500_json_not_html(app, api, make_case, monkeypatch):
    from app.api import actions
    app.config["PROPAGATE_EXCEPTIONS"] = False

    def broken(case, user, body):
        raise RuntimeError("boom")
    monkeypatch.setitem(actions.ACTIONS, "sign", broken)
    assert_error(api.act(make_case(CaseState.dispatched), "sign", as_="handler"),
                 500, "internal_error")
