"""营商环境月分析: the category → area mapping (未归类 for the rest), per-area figures equal
to their drill-downs, monitoring points' input, the office's request → a department's
analysis → the report PDF (its text, vector charts), reminders once, role refusals."""
from datetime import date, datetime, timezone
import base64
import re
import subprocess
import zlib

import pytest
from sqlalchemy import func, select

from app.areas import operations as ops, queries
from app.areas.models import AnalysisArea, AreaAnalysis, MonitoringPoint
from app.auth.models import Role
from app.cases.models import CaseState
from app.extensions import db
from app.field.models import VisitLevel
from app.field.operations import assign_enterprise, record_visit
from app.figures.queries import case_ids_for, month_bounds
from app.reminders.models import Notification
from app.reminders.tasks import tick
from tests.conftest import category

# Tuesday 3 November 2026, 10:00 local: cases of October are in the past month.
NOW = datetime(2026, 11, 3, 2, tzinfo=timezone.utc)
IN_OCTOBER = datetime(2026, 10, 12, 2, tzinfo=timezone.utc)
MONTH = "2026-10"


def area(name) -> AnalysisArea:
    return db.session.execute(select(AnalysisArea).filter_by(name=name)).scalar_one()


def row_of(rows, label):
    return next(r for r in rows if r.label == label)


@pytest.fixture
def areas_set(world, fixed_clock):
    """开办企业 and 纳税 analysed by the two departments of `world`; the rest unassigned."""
    fixed_clock.set(NOW)
    area("开办企业").department = world.dept
    area("纳税").department = world.other_dept
    db.session.commit()
    return world


def test_the_seeded_areas_and_mapping(app):
    names = [a.name for a in queries.areas()]
    assert names == ["开办企业", "建筑许可", "不动产登记", "政务服务", "便民服务热线", "信用建设",
                     "获得电力", "纳税", "获得信贷", "执行合同", "政府采购", "办理破产"]
    mapped = queries.mapping()
    assert mapped[category("start_business").id] == area("开办企业").id
    assert mapped[category("tax").id] == area("纳税").id
    assert category("other").id not in mapped  # 其他: 未归类


def test_a_case_counts_in_its_categorys_area_and_unmapped_ones_as_unclassified(
        areas_set, make_case, client, login_as):
    world = areas_set
    make_case(CaseState.closed, category="start_business", now=IN_OCTOBER)
    make_case(CaseState.submitted, category="start_business", now=IN_OCTOBER)
    make_case(CaseState.submitted, category="other", now=IN_OCTOBER)
    make_case(CaseState.invalid, category="tax", now=IN_OCTOBER)  # not counted
    make_case(CaseState.submitted, category="tax", now=NOW)  # November: not in October
    rows = queries.month_rows(MONTH)
    assert [r.label for r in rows][-1] == "未归类"
    received = {r.label: r.figures["received"]["numerator"] for r in rows}
    assert received["开办企业"] == 2 and received["未归类"] == 1 and received["纳税"] == 0
    assert sum(received.values()) == 3  # the areas and 未归类 partition the month's cases
    assert row_of(rows, "开办企业").figures["closure"]["display"] == "50.00%"
    assert row_of(rows, "纳税").figures["closure"]["display"] == "—"
    # The admin maps 其他 to 纳税: its case moves there, 未归类 is empty.
    login_as(world.admin)
    other = category("other")
    response = client.post("/admin/area-categories",
                           data={f"c{other.id}-area": str(area("纳税").id)})
    assert response.status_code == 302
    received = {r.label: r.figures["received"]["numerator"] for r in queries.month_rows(MONTH)}
    assert received["纳税"] == 1 and received["未归类"] == 0
    # A retired area takes no category; the refusal is said by its row.
    area("获得信贷").is_active = False
    db.session.commit()
    response = client.post("/admin/area-categories",
                           data={f"c{other.id}-area": str(area("获得信贷").id)})
    assert response.status_code == 400 and "已停用，不能再归入" in response.get_data(as_text=True)


def test_per_area_figures_equal_the_drill_down_counts(areas_set, make_case, client, login_as):
    world = areas_set
    for state in (CaseState.closed, CaseState.closed, CaseState.replied, CaseState.signed):
        make_case(state, category="start_business", now=IN_OCTOBER)
    make_case(CaseState.closed, category="other", now=IN_OCTOBER)
    make_case(CaseState.dispatched, category="tax", now=IN_OCTOBER, department=world.other_dept)
    rows = queries.month_rows(MONTH)
    start = row_of(rows, "开办企业")
    assert start.figures["closure"]["numerator"] == 2
    assert start.figures["closure"]["display"] == "50.00%"  # 2 closed of 4
    date_from, date_to = month_bounds(MONTH)
    login_as(world.dispatcher)
    for row in rows:
        for name in queries.AREA_FIGURES:
            figure = row.figures[name]
            for part in ("numerator", "denominator"):
                if figure[part] is None:
                    continue
                ids = case_ids_for(name, part, date_from, date_to, {"area": row.key})
                count = db.session.execute(select(func.count()).select_from(ids.subquery())).scalar()
                assert count == figure[part], (row.label, name, part)
        page = client.get("/figures/cases", query_string={
            "figure": "received", "from": date_from.isoformat(), "to": date_to.isoformat(),
            "area": row.key}).get_data(as_text=True)
        shown = re.search(r'class="case-count">(\d+)<', page).group(1)
        assert int(shown) == row.figures["received"]["numerator"], row.label
    month_page = client.get(f"/areas/months/{MONTH}").get_data(as_text=True)
    assert 'data-area="none"' in month_page and "未归类" in month_page
    assert "area=none" in month_page  # 未归类 drills down too


def test_monitoring_points_input(areas_set, make_case, make_enterprise, make_user, client,
                                 login_as):
    world = areas_set
    point, other = make_enterprise(name="鲁南监测点有限公司"), make_enterprise()
    login_as(world.dispatcher)
    response = client.post("/areas/points", data={"enterprise": "鲁南监测点有限公司", "note": "重点"})
    assert response.status_code == 302
    again = client.post("/areas/points", data={"enterprise": point.credit_code})
    assert again.status_code == 400 and "已是监测点企业" in again.get_data(as_text=True)
    missing = client.post("/areas/points", data={"enterprise": "不存在的企业"})
    assert "没有找到企业“不存在的企业”" in missing.get_data(as_text=True)
    make_case(CaseState.submitted, category="start_business", now=IN_OCTOBER, enterprise=point)
    make_case(CaseState.submitted, category="start_business", now=IN_OCTOBER, enterprise=other)
    make_case(CaseState.submitted, category="tax", now=IN_OCTOBER, enterprise=point)
    leader = make_user(Role.leader)
    for enterprise, liaison in ((point, world.handler), (other, world.handler)):
        assign_enterprise(world.admin, enterprise, leader, world.dept, liaison, date(2026, 10, 1))
    assign_enterprise(world.admin, point, leader, world.other_dept, world.other_handler,
                      date(2026, 11, 1))
    db.session.commit()
    record_visit(world.handler, enterprise=point, visited_on=date(2026, 10, 20),
                 level=VisitLevel.department, heard="开办企业流程顺畅", now=NOW)
    record_visit(world.handler, enterprise=other, visited_on=date(2026, 10, 21),
                 level=VisitLevel.department, heard="这家不是监测点企业", now=NOW)
    record_visit(world.other_handler, enterprise=point, visited_on=date(2026, 11, 2),
                 level=VisitLevel.department, heard="十一月的走访记录", now=NOW)
    db.session.commit()
    rows = queries.month_rows(MONTH)
    start, tax = row_of(rows, "开办企业"), row_of(rows, "纳税")
    assert [c.enterprise_id for c in start.point_cases] == [point.id]
    assert len(tax.point_cases) == 1
    assert [v.enterprise_id for v in start.point_visits] == [point.id]  # world.dept's visit
    assert tax.point_visits == []  # the tax office's visit was in November
    removed = db.session.execute(select(MonitoringPoint)).scalar_one()
    assert client.post(f"/areas/points/{removed.id}/remove").status_code == 302
    assert queries.point_cases(MONTH, start.key) == []


def pdf_text(data: bytes) -> str:
    return subprocess.run(["pdftotext", "-layout", "-", "-"], input=data, capture_output=True,
                          check=True).stdout.decode()


def page_streams(data: bytes) -> str:
    """The PDF's content streams decoded (reportlab writes them ASCII85 over Flate)."""
    out = []
    for match in re.finditer(rb"<<(.*?)>>\s*stream\r?\n(.*?)\r?\n?endstream", data, re.S):
        header, body = match.groups()
        try:
            if b"ASCII85Decode" in header:
                body = base64.a85decode(body.strip().removeprefix(b"<~").removesuffix(b"~>"))
            if b"FlateDecode" in header:
                body = zlib.decompress(body)
        except (ValueError, zlib.error):
            continue
        out.append(body.decode("latin-1"))
    return "\n".join(out)


def test_request_then_the_department_fills_and_the_report_prints_it(
        areas_set, make_case, client, login_as):
    world = areas_set
    make_case(CaseState.closed, category="start_business", now=IN_OCTOBER)
    login_as(world.dispatcher)
    refused = client.post("/areas/requests", data={"month": "2026-13", "workdays": "5"})
    assert refused.status_code == 400 and "请选择要分析的月份" in refused.get_data(as_text=True)
    response = client.post("/areas/requests", data={"month": MONTH, "workdays": "5"})
    assert response.status_code == 302
    analyses = db.session.execute(select(AreaAnalysis)).scalars().all()
    assert sorted(a.area.name for a in analyses) == ["开办企业", "纳税"]  # the others: no department
    start = next(a for a in analyses if a.area.name == "开办企业")
    assert start.department_id == world.dept.id and start.due_on == date(2026, 11, 10)  # 5 workdays
    twice = client.post("/areas/requests", data={"month": MONTH, "workdays": "5"})
    assert twice.status_code == 400 and "均已发起" in twice.get_data(as_text=True)
    client.post("/logout")
    # The department's handler sees it in the to-do and fills it.
    login_as(world.handler)
    todo = client.get("/handling/").get_data(as_text=True)
    assert f"/areas/analyses/{start.id}" in todo and "开办企业领域分析" in todo
    empty = client.post(f"/areas/analyses/{start.id}", data={"weaknesses": "审批材料<多>",
                                                             "measures": "  "})
    page = empty.get_data(as_text=True)
    assert empty.status_code == 400 and "请填写举措" in page and "审批材料&lt;多&gt;" in page
    done = client.post(f"/areas/analyses/{start.id}", data={
        "weaknesses": "开办企业涉及<b>刻章</b>环节仍需跑两次", "measures": "推行一网通办，刻章费用由财政承担"})
    assert done.status_code == 302
    assert client.get(f"/areas/analyses/{start.id}").status_code == 200
    client.post("/logout")
    login_as(world.dispatcher)
    index = client.get("/areas/").get_data(as_text=True)
    assert f'data-month="{MONTH}"' in index and "1/2" in index
    pdf = client.get(f"/areas/months/{MONTH}/report.pdf")
    assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
    text = pdf_text(pdf.data)
    flat = re.sub(r"\s+", "", text)
    for expected in ("营商环境月分析报告（2026年10月）", "开办企业涉及<b>刻章</b>环节仍需跑两次",
                     "推行一网通办，刻章费用由财政承担", "部门分析：未提交", "各领域受理量", "未归类",
                     "办结率100.00%"):
        assert expected in flat, expected
    # The charts are vector drawings: no image in the PDF, the bars are filled paths.
    images = subprocess.run(["pdfimages", "-list", "-"], input=pdf.data, capture_output=True,
                            check=True).stdout.decode().splitlines()
    assert len(images) == 2, images  # the header lines only
    streams = page_streams(pdf.data)
    assert "/Subtype /Image" not in pdf.data.decode("latin-1")
    bars = re.findall(r"\.027451 \.756863 \.376471 rg[^Q]*? re f", streams)  # green rectangles
    assert len(bars) >= 2  # 开办企业's bar in each chart at least
    fonts = subprocess.run(["pdffonts", "-"], input=pdf.data, capture_output=True).stdout.decode()
    assert "wqy" in fonts.lower() or "WenQuanYi" in fonts


def test_reminder_before_the_due_date_and_overdue_once(areas_set, client, login_as, fixed_clock):
    world = areas_set
    created, skipped = ops.request_analyses(world.dispatcher, MONTH, 5, now=NOW)
    db.session.commit()
    assert len(created) == 2 and len(skipped) == 10
    kinds = lambda: sorted(n.kind for n in db.session.execute(select(Notification)).scalars())  # noqa: E731
    assert kinds().count("area_analysis_request") == 3  # two handlers and the head of world.dept; one of tax
    early = datetime(2026, 11, 5, 2, tzinfo=timezone.utc)  # due 10 Nov: too early
    assert tick(early, deliver=False)["remind_area_analyses"] == 0
    before = datetime(2026, 11, 9, 2, tzinfo=timezone.utc)  # the day before
    assert tick(before, deliver=False)["remind_area_analyses"] == 3
    assert tick(before, deliver=False)["remind_area_analyses"] == 0  # a second tick: nothing
    # The department answers one of them; the other goes overdue.
    start = next(a for a in created if a.area.name == "开办企业")
    ops.submit_analysis(world.handler, start, "短板", "举措", now=before)
    db.session.commit()
    after = datetime(2026, 11, 11, 2, tzinfo=timezone.utc)
    assert tick(after, deliver=False)["remind_area_analyses"] == 2  # tax handler + the office
    assert tick(after, deliver=False)["remind_area_analyses"] == 0
    overdue = db.session.execute(select(Notification).filter_by(
        kind="area_analysis_overdue")).scalars().all()
    assert {n.recipient_id for n in overdue} == {world.other_handler.id, world.dispatcher.id}
    assert "已逾期未提交" in overdue[0].title
    fixed_clock.set(after)
    login_as(world.dispatcher)
    page = client.get(f"/areas/months/{MONTH}").get_data(as_text=True)
    assert "已逾期" in page and "已提交" in page


def test_role_refusals(areas_set, client, login_as, make_user):
    world = areas_set
    created, _ = ops.request_analyses(world.dispatcher, MONTH, 5, now=NOW)
    db.session.commit()
    start = next(a for a in created if a.area.name == "开办企业")
    tax = next(a for a in created if a.area.name == "纳税")
    # Another department's handler: not even its existence.
    login_as(world.other_handler)
    assert client.get(f"/areas/analyses/{start.id}").status_code == 404
    assert client.post(f"/areas/analyses/{start.id}",
                       data={"weaknesses": "x", "measures": "y"}).status_code == 404
    assert client.get(f"/areas/analyses/{tax.id}").status_code == 200
    assert client.get(f"/areas/months/{MONTH}").status_code == 403
    assert client.get(f"/areas/months/{MONTH}/report.pdf").status_code == 403
    assert client.post("/areas/requests", data={"month": MONTH, "workdays": "5"}).status_code == 403
    assert client.get("/areas/points").status_code == 403
    page = client.get("/areas/").get_data(as_text=True)
    assert "纳税" in page and "开办企业" not in page
    client.post("/logout")
    # The office reads every analysis but does not write a department's.
    login_as(world.dispatcher)
    assert client.get(f"/areas/analyses/{start.id}").status_code == 200
    assert client.post(f"/areas/analyses/{start.id}",
                       data={"weaknesses": "x", "measures": "y"}).status_code == 403
    assert client.get("/admin/areas").status_code == 403  # the areas are the admin's
    for bad in ("2026-13", "2026-1", "x"):
        assert client.get(f"/areas/months/{bad}").status_code == 404
    assert client.get("/areas/analyses/abc").status_code == 404
    assert client.get("/figures/cases", query_string={
        "figure": "received", "from": "2026-10-01", "to": "2026-11-01", "area": "abc"}).status_code == 400
    client.post("/logout")
    for role in (Role.supervisor, Role.leader, Role.social_supervisor, Role.discipline):
        login_as(make_user(role))
        assert client.get("/areas/").status_code == 403, role
        assert client.get(f"/areas/analyses/{start.id}").status_code == 403, role
        client.post("/logout")
    assert db.session.get(AreaAnalysis, start.id).submitted_at is None


def test_the_admin_renames_adds_and_retires_areas(areas_set, client, login_as):
    world = areas_set
    login_as(world.admin)
    assert client.get("/admin/areas").status_code == 200
    start, credit = area("开办企业"), area("信用建设")
    data = {f"a{start.id}-name": "企业开办", f"a{start.id}-department": str(world.dept.id),
            f"a{start.id}-is_active": "y",
            f"a{credit.id}-name": "信用建设", f"a{credit.id}-department": "0"}  # unticked: retired
    assert client.post("/admin/areas", data=data).status_code == 302
    db.session.expire_all()
    assert start.name == "企业开办" and not credit.is_active
    clash = client.post("/admin/areas", data={f"a{start.id}-name": "纳税",
                                              f"a{start.id}-department": "0",
                                              f"a{start.id}-is_active": "y"})
    assert clash.status_code == 400 and "已有名为“纳税”的领域" in clash.get_data(as_text=True)
    added = client.post("/admin/areas", data={"new-name": "知识产权保护",
                                              "new-department": str(world.other_dept.id)})
    assert added.status_code == 302
    empty = client.post("/admin/areas", data={"new-name": " ", "new-department": "0"})
    assert empty.status_code == 400 and "请填写领域名称" in empty.get_data(as_text=True)
    labels = [r.label for r in queries.month_rows(MONTH, with_input=False)]
    assert "知识产权保护" in labels and "信用建设" not in labels and "企业开办" in labels
