"""《代表声音》: suggestions into a numbered bulletin, a 批示 per item, the answers shown."""
from datetime import date, timedelta
import subprocess

import pytest

from app.bulletins import operations as ops
from app.bulletins.queries import bulletin_figures, candidate_suggestions
from app.cases import operations as case_ops
from app.cases.errors import CaseActionError
from app.cases.models import AuditEvent, CaseSource, CaseState
from app.extensions import db
from tests.meetings.conftest import MONDAY


@pytest.fixture
def suggestions(make_case, fixed_clock):
    fixed_clock.set(MONDAY)
    return [make_case(source=CaseSource.deputy, content=f"代表建议第{n}条：优化审批流程", now=MONDAY)
            for n in range(1, 4)]


def test_bulletin_takes_deputy_suggestions_once(world, suggestions, make_case):
    card_case = make_case(content="企业码反映的问题")
    bulletin = ops.create_bulletin(world.dispatcher, 1, None, date(2026, 11, 2), suggestions[:2])
    db.session.commit()
    assert bulletin.title == "代表声音（第1期）" and [i.position for i in bulletin.items] == [1, 2]
    assert candidate_suggestions() == [suggestions[2]]
    with pytest.raises(CaseActionError, match="已编入"):
        ops.create_bulletin(world.dispatcher, 2, None, date(2026, 11, 2), [suggestions[0]])
    with pytest.raises(CaseActionError, match="不是有效的代表委员建议"):
        ops.create_bulletin(world.dispatcher, 2, None, date(2026, 11, 2), [card_case])
    with pytest.raises(CaseActionError, match="第1期已存在"):
        ops.create_bulletin(world.dispatcher, 1, None, date(2026, 11, 2), [suggestions[2]])
    with pytest.raises(CaseActionError):
        ops.create_bulletin(world.supervisor, 2, None, date(2026, 11, 2), [suggestions[2]])


def test_instruction_dispatches_and_the_page_shows_the_answer(client, login_as, world,
                                                              suggestions, fixed_clock):
    bulletin = ops.create_bulletin(world.dispatcher, 7, "代表声音（第7期）", date(2026, 11, 2), suggestions)
    db.session.commit()
    item = bulletin.items[0]
    login_as(world.dispatcher)
    response = client.post(f"/bulletins/{bulletin.id}/items/{item.id}", data={
        "leader": "王书记", "on": "2026-11-02", "instruction": "请市场监管局牵头研究",
        "department": str(world.dept.id)})
    assert response.status_code == 302
    db.session.expire_all()
    case = item.case
    assert case.state is CaseState.dispatched and case.lead_department_id == world.dept.id
    assert item.instruction_leader == "王书记"
    event = db.session.execute(db.select(AuditEvent).filter_by(
        case_id=case.id, action="leader_instruction")).scalar_one()
    assert event.note == "请市场监管局牵头研究"
    case_ops.sign_case(case, world.handler)
    case_ops.reply_to_case(case, world.handler, "已简化审批流程，办理时限压缩一半")
    db.session.commit()
    page = client.get(f"/bulletins/{bulletin.id}").get_data(as_text=True)
    assert "王书记（2026-11-02）：请市场监管局牵头研究" in page
    assert "已简化审批流程，办理时限压缩一半" in page and "尚未批示" in page
    figures = bulletin_figures(date(2026, 11, 1), date(2026, 12, 1))
    assert figures == {"bulletins_issued": 1, "suggestions_adopted": 3, "instructions_given": 1,
                       "instructions_answered": 1, "answered_rate": "100.00"}
    pdf = client.get(f"/bulletins/{bulletin.id}/bulletin.pdf")
    text = subprocess.run(["pdftotext", "-layout", "-", "-"], input=pdf.data, capture_output=True,
                          check=True).stdout.decode()
    assert "代表声音（第7期）" in text and "王书记" in text and "已简化审批流程" in text


def test_instruction_refusal_keeps_the_typed_text(client, login_as, world, suggestions):
    bulletin = ops.create_bulletin(world.dispatcher, 3, None, date(2026, 11, 2), suggestions[:1])
    db.session.commit()
    login_as(world.dispatcher)
    response = client.post(f"/bulletins/{bulletin.id}/items/{bulletin.items[0].id}", data={
        "leader": "", "on": "2026-11-02", "instruction": "请研究落实"})
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert "请填写批示领导" in page and "请研究落实" in page
    future = client.post(f"/bulletins/{bulletin.id}/items/{bulletin.items[0].id}", data={
        "leader": "王书记", "on": (MONDAY + timedelta(days=3)).date().isoformat(),
        "instruction": "请研究落实"})
    assert future.status_code == 400 and "不能晚于今天" in future.get_data(as_text=True)


def test_bulletin_form_creates_from_checked_suggestions(client, login_as, world, suggestions):
    login_as(world.dispatcher)
    page = client.get("/bulletins/").get_data(as_text=True)
    assert suggestions[0].tracking_no in page
    response = client.post("/bulletins/", data={"issue_no": "1", "issued_on": "2026-11-02",
                                                "case": [str(suggestions[1].id)]})
    assert response.status_code == 302
    empty = client.post("/bulletins/", data={"issue_no": "2", "issued_on": "2026-11-02"})
    assert empty.status_code == 400 and "请至少选择一条代表建议" in empty.get_data(as_text=True)


def test_handlers_cannot_open_bulletins(client, login_as, world):
    login_as(world.handler)
    assert client.get("/bulletins/").status_code == 403
