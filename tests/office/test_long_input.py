"""Too long text on the desk's forms: a 400 with the message beside the form, nothing saved."""
from app.cases import operations as ops
from app.cases.models import Case, CaseState
from app.extensions import db
from tests.conftest import category, login


def test_too_long_invalid_reason_and_extension_notes_are_shown_not_saved(client, world, make_case):
    login(client, "dispatcher")
    case = make_case(CaseState.submitted)
    response = client.post(f"/office/cases/{case.tracking_no}/invalid",
                           data={"invalid-reason": "广" * 300})
    assert response.status_code == 400 and "无效原因不能超过200字" in response.get_data(as_text=True)
    db.session.expire_all()
    assert case.state is CaseState.submitted
    signed = make_case(CaseState.signed)
    ops.request_extension(signed, world.handler, 3, "需要协调")
    db.session.commit()
    for action, field, message in (("approve", "approve-note", "说明不能超过500字"),
                                   ("refuse", "refuse-reason", "不予延期的理由不能超过500字")):
        response = client.post(f"/office/cases/{signed.tracking_no}/extension/{action}",
                               data={field: "批" * 600})
        assert response.status_code == 400 and message in response.get_data(as_text=True)
    db.session.expire_all()
    assert signed.extension_requests[0].status.name == "pending"


def test_staff_entry_with_too_long_names_keeps_the_form(client, world):
    login(client, "dispatcher")
    base = {"source": "hotline", "category": str(category().id), "content": "热线反映的问题内容",
            "contact_phone": "13800138000", "urgency": "normal"}
    response = client.post("/office/cases/new", data=dict(base, contact_name="张" * 100))
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "联系人姓名不能超过64字" in page
    assert "热线反映的问题内容" in page
    response = client.post("/office/cases/new", data=dict(base, enterprise="企" * 300))
    assert response.status_code == 400
    assert "企业名称不能超过200字" in response.get_data(as_text=True)
    assert db.session.execute(db.select(db.func.count(Case.id))).scalar_one() == 0
