"""Leaders see their enterprises' cases, supervisors all; both read-only; escalations listed."""
from app.auth.models import Role
from app.cases import operations as ops
from app.cases.models import CaseState
from app.extensions import db


def test_leader_sees_only_own_enterprises_read_only(client, login_as, world, make_case,
                                                    make_user, make_enterprise):
    leader = make_user(Role.leader, username="li", display_name="李县长")
    mine = make_case(CaseState.signed, enterprise=make_enterprise(package_leader=leader))
    other = make_case(CaseState.signed)
    ops.supervise_case(mine, world.dispatcher, note="逾期五个工作日")
    db.session.commit()
    login_as(leader)
    assert client.get("/").headers["Location"].endswith("/oversight/")
    html = client.get("/oversight/").get_data(as_text=True)
    assert mine.tracking_no in html and other.tracking_no not in html
    page = client.get(f"/oversight/cases/{mine.tracking_no}").get_data(as_text=True)
    assert "138****8000" in page and "<form method=\"post\" action=\"/handling" not in page
    assert client.get(f"/oversight/cases/{other.tracking_no}").status_code == 404
    assert client.post(f"/handling/cases/{mine.tracking_no}/sign").status_code == 403
    escalations = client.get("/oversight/escalations").get_data(as_text=True)
    assert mine.tracking_no in escalations and "挂牌督办" in escalations


def test_supervisor_sees_all(client, login_as, world, make_case):
    a, b = make_case(), make_case(CaseState.dispatched, department=world.other_dept)
    login_as(world.supervisor)
    html = client.get("/oversight/").get_data(as_text=True)
    assert a.tracking_no in html and b.tracking_no in html
    assert client.get(f"/handling/cases/{a.tracking_no}").headers["Location"].endswith(
        f"/oversight/cases/{a.tracking_no}")
