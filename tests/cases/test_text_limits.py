"""Text longer than its column, or with control characters, is refused by the operation with
a Chinese message naming the field, whichever adapter called it (page, API, CLI)."""
import pytest
from sqlalchemy import event

from app.cases import operations as ops
from app.cases.errors import CaseActionError
from app.cases.models import CaseSource, CaseState, Rating
from app.extensions import db
from tests.conftest import category


def refusal(call):
    with pytest.raises(CaseActionError) as caught:
        call()
    db.session.rollback()
    return caught.value


def test_invalid_reason_longer_than_200_is_refused(world, make_case):
    case = make_case(CaseState.submitted)
    err = refusal(lambda: ops.mark_invalid(case, world.dispatcher, "广" * 201))
    assert (err.status, err.field) == (400, "reason") and "无效原因不能超过200字" in err.message
    ops.mark_invalid(case, world.dispatcher, "广" * 200)  # exactly the column's length is fine


def test_extension_decision_note_longer_than_500_is_refused(world, make_case):
    case = make_case(CaseState.signed)
    ops.request_extension(case, world.handler, 3, "需要协调")
    db.session.commit()
    err = refusal(lambda: ops.approve_extension(case, world.dispatcher, note="批" * 501))
    assert err.field == "note" and "审批意见不能超过500字" in err.message
    err = refusal(lambda: ops.refuse_extension(case, world.dispatcher, "驳" * 501))
    assert err.field == "reason" and "不予延期的理由不能超过500字" in err.message


def test_staff_entry_contact_and_enterprise_names_fit_their_columns(world):
    def submit(**kw):
        return ops.submit_case(source=CaseSource.hotline, category=category(),
                               content="热线反映的问题内容", actor=world.dispatcher,
                               contact_phone="13800138000", **kw)
    err = refusal(lambda: submit(contact_name="张" * 65))
    assert err.field == "contact_name" and "联系人姓名不能超过64字" in err.message
    err = refusal(lambda: submit(enterprise_name_given="企" * 201))
    assert err.field == "enterprise" and "企业名称不能超过200字" in err.message


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x7f"])
def test_content_with_control_characters_is_refused(world, char):
    err = refusal(lambda: ops.submit_case(
        source=CaseSource.hotline, category=category(), content=f"企业反映{char}的问题说明",
        actor=world.dispatcher, is_anonymous=True))
    assert err.field == "content" and "控制字符" in err.message


def test_content_keeps_line_breaks_and_tabs(world):
    case, _ = ops.submit_case(source=CaseSource.hotline, category=category(),
                              content="第一行\r\n第二行\t说明", actor=world.dispatcher,
                              is_anonymous=True)
    assert case.content == "第一行\r\n第二行\t说明"


@pytest.mark.parametrize("refused", [
    dict(category=None), dict(content="太短"), dict(content="说明\x07问题"),
    dict(contact_phone="12345"), dict(contact_name="张" * 65),
    dict(enterprise_name_given="企" * 201), dict(actor=None, source=CaseSource.hotline)])
def test_submit_case_refuses_before_its_first_write(world, refused):
    """The public form commits the files that arrived after a refusal, with no savepoint around
    the case (app/intake/operations.submit_from_card): nothing of the case may be written."""
    args = dict(source=CaseSource.card, category=category(), content="企业反映的问题说明",
                contact_phone="13800138000", submission_key="k" * 32)
    args.update(refused)
    db.session.commit()
    statements = []
    record = lambda _conn, _cursor, statement, *_args: statements.append(statement)  # noqa: E731
    event.listen(db.engine, "before_cursor_execute", record)
    try:
        refusal(lambda: ops.submit_case(**args))
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    writes = [s for s in statements if s.split(None, 1)[0].upper() in
              ("INSERT", "UPDATE", "DELETE", "SAVEPOINT", "BEGIN")]
    assert writes == []


# --- staff text in TEXT columns: limits of our own (issue 16, item 13) -------------------------

def _signed_with_co_department(world, make_case):
    case = make_case(CaseState.submitted)
    ops.dispatch_case(case, world.dispatcher, world.dept, co_departments=[world.other_dept])
    ops.sign_case(case, world.handler)
    db.session.commit()
    return case


STAFF_TEXT = [  # (state the case is in, the call with `text`, field, label, limit)
    (CaseState.submitted, lambda w, c, t: ops.answer_now(c, w.dispatcher, t), "content",
     "答复内容", ops.REPLY_MAX),
    (CaseState.signed, lambda w, c, t: ops.reply_to_case(c, w.handler, t), "content",
     "答复内容", ops.REPLY_MAX),
    ("co", lambda w, c, t: ops.add_co_opinion(c, w.other_handler, t), "content", "协办意见",
     ops.REPLY_MAX),
    (CaseState.dispatched, lambda w, c, t: ops.return_case(c, w.handler, t), "reason",
     "退回理由", ops.REASON_MAX),
    (CaseState.signed, lambda w, c, t: ops.request_extension(c, w.handler, 2, t), "reason",
     "延期理由", ops.REASON_MAX),
    (CaseState.submitted, lambda w, c, t: ops.dispatch_case(c, w.dispatcher, w.dept, note=t),
     "note", "派发说明", ops.NOTE_MAX),
    (CaseState.signed, lambda w, c, t: ops.urge_case(c, w.dispatcher, note=t), "note",
     "催办说明", ops.NOTE_MAX),
    (CaseState.signed, lambda w, c, t: ops.supervise_case(c, w.dispatcher, note=t), "note",
     "督办说明", ops.NOTE_MAX),
    (CaseState.replied, lambda w, c, t: ops.rate_case(c, Rating.satisfied, comment=t),
     "comment", "评价意见", ops.RATING_COMMENT_MAX),
]


@pytest.mark.parametrize("state,call,field,label,limit", STAFF_TEXT,
                         ids=[label for _s, _c, _f, label, _l in STAFF_TEXT])
def test_staff_text_past_its_limit_is_refused_by_the_operation(world, make_case, state, call,
                                                               field, label, limit):
    case = _signed_with_co_department(world, make_case) if state == "co" else make_case(state)
    err = refusal(lambda: call(world, case, "字" * (limit + 1)))
    assert (err.status, err.field, err.code) == (400, field, "too_long")
    assert f"{label}不能超过{limit}字，当前{limit + 1}字" in err.message
    db.session.expire_all()
    assert case.state is (CaseState.signed if state == "co" else state)  # nothing changed
    call(world, case, "字" * limit)  # exactly the limit is accepted


def test_a_megabyte_reply_is_refused_on_the_page_and_the_api_and_the_text_kept(
        client, login_as, world, make_case):
    case = make_case(CaseState.signed)
    huge = "答" * 1_000_000
    login_as(world.handler)
    response = client.post(f"/handling/cases/{case.tracking_no}/reply",
                           data={"reply-content": huge})
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "答复内容不能超过5000字" in page
    assert huge in page  # what the handler typed is still in the form
    client.post("/logout")
    from app.auth.operations import create_api_token
    token = create_api_token(world.handler)
    db.session.commit()
    response = client.post(f"/api/v1/cases/{case.tracking_no}/actions",
                           json={"action": "reply", "content": huge},
                           headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 400 and response.get_json()["error"] == "too_long"
    db.session.expire_all()
    assert case.state is CaseState.signed and not case.replies
