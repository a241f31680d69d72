"""The 差评 loop on the staff pages: who sees what, who may do what, refusals in Chinese."""
import re

from app.auth.models import Role
from app.cases import operations as ops
from app.cases.models import CaseState, Rating
from app.extensions import db
from app.rating.models import AppealState
from tests.rating.test_loop import HOUR, T0


def loop_section(html):
    match = re.search(r'<div class="timeline rating-loop" id="rating-loop">.*?</ol></div>', html, re.S)
    assert match, "no 差评 timeline on the page"
    return match.group(0)


def rated_by_phone(make_case, world):
    case = make_case(CaseState.replied, now=T0)
    ops.rate_case(case, Rating.very_dissatisfied, "电话里说态度很差", actor=world.dispatcher,
                  now=T0 + HOUR, tags=["attitude"])
    db.session.commit()
    return case


def test_the_department_sees_reason_and_comment_never_who_rated(make_case, world, client,
                                                                 login_as):
    case = rated_by_phone(make_case, world)
    login_as(world.handler)
    page = client.get(f"/handling/cases/{case.tracking_no}").get_data(as_text=True)
    section = loop_section(page)
    assert "态度不好" in section and "电话里说态度很差" in section and "12345电话" in section
    for identity in ("张", "13800138000", "138****8000", world.dispatcher.display_name):
        assert identity not in section
    assert "提交整改反馈" in page and 'id="appeal-form"' in page


def test_the_office_records_the_callback_and_a_refusal_keeps_the_input(make_case, world, client,
                                                                       login_as):
    case = rated_by_phone(make_case, world)
    login_as(world.dispatcher)
    queue = client.get("/office/").get_data(as_text=True)
    assert f'id="callback-{case.tracking_no}"' in queue
    refused = client.post(f"/office/cases/{case.tracking_no}/callback",
                          data={"callback-reached": "no", "callback-note": ""})
    assert refused.status_code == 400 and "请填写回访情况" in refused.get_data(as_text=True)
    done = client.post(f"/office/cases/{case.tracking_no}/callback",
                       data={"callback-reached": "no", "callback-note": "未接通，已留言"})
    assert done.status_code == 302
    assert case.callback_at is not None and case.rating_history[0].callback_reached is False
    assert f'id="callback-{case.tracking_no}"' not in client.get("/office/").get_data(as_text=True)


def test_a_department_cannot_decide_its_own_appeal_on_the_desk(make_case, world, make_user,
                                                               client, login_as):
    case = rated_by_phone(make_case, world)
    login_as(world.handler)
    missing = client.post(f"/handling/cases/{case.tracking_no}/appeal",
                          data={"appeal-kind": "", "appeal-evidence": "有录音"})
    assert missing.status_code == 400 and "请选择申诉类型" in missing.get_data(as_text=True)
    assert "有录音" in missing.get_data(as_text=True)  # what was typed is kept
    client.post(f"/handling/cases/{case.tracking_no}/appeal",
                data={"appeal-kind": "mistaken", "appeal-evidence": "企业确认误选"})
    client.post("/logout")
    own = make_user(Role.dispatcher, world.dept, username="dispatcher_market")
    login_as(own)
    refused = client.post(f"/office/cases/{case.tracking_no}/appeal-decision",
                          data={"decide-decision": "uphold", "decide-reason": "同意"})
    assert refused.status_code == 403 and "不能复核本部门" in refused.get_data(as_text=True)
    assert case.rating_history[0].appeal_state is AppealState.pending
    client.post("/logout")
    login_as(world.dispatcher)
    done = client.post(f"/office/cases/{case.tracking_no}/appeal-decision",
                       data={"decide-decision": "uphold", "decide-reason": "录音证实"})
    assert done.status_code == 302
    db.session.expire_all()
    assert case.rating_excluded and case.rating_history[0].appeal_state is AppealState.upheld


def test_only_the_lead_department_is_offered_the_appeal(make_case, world, client, login_as):
    case = rated_by_phone(make_case, world)
    login_as(world.other_handler)
    assert client.post(f"/handling/cases/{case.tracking_no}/appeal",
                       data={"appeal-kind": "malicious", "appeal-evidence": "x"}).status_code == 404
