"""Issue 19 item 13: a narrowed dashboard names its scope, periods print their last day, a
leader reads his own scope's ledger and monthly report, and the report's PDF never leaves a
heading alone at the foot of a page."""
from io import BytesIO
import re
import subprocess

from openpyxl import load_workbook

from app.auth.models import Role
from app.cases.models import CaseState
from app.figures import report
from app.figures.queries import compute_figures
from tests.conftest import browser_login, screenshots_dir
from tests.figures.timeline import NOV, NOW, T0

PERIOD = "period=custom&from=2026-11-01&to=2026-12-01"
HEADING = re.compile(r"^[一二三]、")


def _leader_county(world, make_user, make_enterprise, make_case):
    """A leader with two enterprises: three valid cases and an invalid one of his, and cases
    of another leader's enterprise and of no enterprise that are not his."""
    leader = make_user(Role.leader, username="leader_wang", display_name="王副县长")
    mine = [make_enterprise(package_leader_id=leader.id) for _ in range(2)]
    other_leader = make_user(Role.leader, username="leader_zhao")
    other = make_enterprise(package_leader_id=other_leader.id)
    make_case(CaseState.closed, now=T0, enterprise=mine[0])
    make_case(CaseState.dispatched, now=T0, enterprise=mine[1])
    make_case(CaseState.submitted, now=T0, enterprise=mine[1])
    make_case(CaseState.invalid, now=T0, enterprise=mine[0])
    make_case(CaseState.closed, now=T0, enterprise=other)
    make_case(CaseState.closed, now=T0)
    return leader


def test_leader_dashboard_names_his_scope_and_his_ledger_rows_are_its_received(
        world, make_user, make_enterprise, make_case, client, login_as, fixed_clock):
    fixed_clock.set(NOW)
    leader = _leader_county(world, make_user, make_enterprise, make_case)
    login_as(leader)
    page = client.get(f"/figures/?{PERIOD}").get_data(as_text=True)
    assert "统计范围：仅含您包联的 2 家企业的案件，不是全县数据" in page
    received = int(re.search(r'data-figure="received" data-numerator="(\d+)"', page).group(1))
    assert received == 3 == compute_figures(*NOV, filters={"leader": leader.id})["figures"][
        "received"]["numerator"]
    assert 'href="/figures/report"' in page and "导出台账" in page

    response = client.get(f"/figures/ledger.xlsx?from={NOV[0]}&to={NOV[1]}")
    assert response.status_code == 200
    book = load_workbook(BytesIO(response.data))
    rows = list(book["台账"].iter_rows(min_row=2, values_only=True))
    assert len(rows) == received  # exactly the cases his 受理量 counts: no invalid, no other's
    assert {row[-1] for row in rows} == {"是"}
    assert all(row[9] == "138****8000" for row in rows)  # masked, as for the office
    summary = [row[0] for row in book["汇总"].iter_rows(values_only=True)]
    assert "仅含您包联的 2 家企业的案件" in summary[1]
    assert next(row for row in book["汇总"].iter_rows(values_only=True) if row[0] == "受理量")[2] == 3
    assert client.get("/figures/ledger.xlsx?full=1").status_code == 403  # the full one stays the admin's


def test_department_head_dashboard_names_his_department(world, make_case, client, login_as,
                                                         fixed_clock):
    fixed_clock.set(NOW)
    make_case(CaseState.closed, now=T0)
    login_as(world.head)
    page = client.get(f"/figures/?{PERIOD}").get_data(as_text=True)
    assert f"统计范围：仅含{world.dept.name}主办的案件" in page
    assert client.get("/figures/ledger.xlsx").status_code == 403
    assert client.get("/figures/report").status_code == 403
    client.post("/logout")
    login_as(world.dispatcher)
    assert "统计范围" not in client.get(f"/figures/?{PERIOD}").get_data(as_text=True)


def test_the_period_shows_its_last_day_included(world, client, login_as, fixed_clock):
    fixed_clock.set(NOW)
    login_as(world.dispatcher)
    page = client.get(f"/figures/?{PERIOD}").get_data(as_text=True)
    assert 'name="last" value="2026-11-30"' in page and 'name="to"' not in page
    assert "统计期间：2026-11-01 至 2026-11-30（含" in page
    # The form sends the last day included; the links keep the exclusive bound.
    typed = client.get("/figures/?period=custom&from=2026-11-01&last=2026-11-30").get_data(as_text=True)
    assert "统计期间：2026-11-01 至 2026-11-30（含" in typed and "to=2026-12-01" in typed
    one_day = client.get("/figures/?period=custom&from=2026-11-17&last=2026-11-17").get_data(as_text=True)
    assert "统计期间：2026-11-17 至 2026-11-17（含" in one_day
    refused = client.get("/figures/?period=custom&from=2026-11-17&last=2026-11-16").get_data(as_text=True)
    assert "截止日期不得早于起始日期" in refused
    month = client.get("/figures/").get_data(as_text=True)  # 本月
    assert "统计期间：2026-11-01 至 2026-11-30（含" in month


def test_monthly_report_page_and_downloads_by_role(world, make_user, make_enterprise, make_case,
                                                   client, login_as, fixed_clock):
    fixed_clock.set(NOW)
    leader = _leader_county(world, make_user, make_enterprise, make_case)
    login_as(world.handler)
    assert client.get("/figures/report").status_code == 403
    assert client.get("/figures/report.pdf?month=2026-11").status_code == 403
    client.post("/logout")

    login_as(leader)
    page = client.get("/figures/report").get_data(as_text=True)
    assert 'name="month" value="2026-10"' in page  # the month just ended by default
    page = client.get("/figures/report?month=2026-11").get_data(as_text=True)
    assert "企业服务工作月报（2026年11月）（王副县长包联企业）" in page
    assert "统计期间：2026-11-01 至 2026-11-30" in page and "仅含您包联的 2 家企业" in page
    assert re.search(r"<td data-label=\"指标\">受理量</td><td class=\"num\" data-label=\"结果\">3</td>", page)
    assert 'href="/figures/report.pdf?month=2026-11"' in page
    workbook = client.get("/figures/report.xlsx?month=2026-11")
    assert workbook.status_code == 200
    headline = {r[0]: r for r in load_workbook(BytesIO(workbook.data))["主要指标"].iter_rows(
        values_only=True) if r and r[0]}
    assert headline["受理量"][1] == "3"
    pdf = client.get("/figures/report.pdf?month=2026-11")
    assert pdf.status_code == 200 and pdf.data.startswith(b"%PDF")
    assert "2026-11" in pdf.headers["Content-Disposition"]
    for bad in ("2026-13", "abc", "0001-01"):
        refused = client.get(f"/figures/report?month={bad}")
        assert refused.status_code == 400 and "已显示上月" in refused.get_data(as_text=True)
        assert client.get(f"/figures/report.pdf?month={bad}").status_code == 400
    client.post("/logout")

    login_as(world.dispatcher)  # the office's report is the county's
    page = client.get("/figures/report?month=2026-11").get_data(as_text=True)
    assert "统计范围" not in page and "包联企业" not in page
    assert re.search(r"data-label=\"指标\">受理量</td><td class=\"num\" data-label=\"结果\">5</td>", page)


def _pages(data: bytes, tmp_path) -> list[list[str]]:
    """pdftotext's lines, page by page (pages end with a form feed)."""
    path = tmp_path / "report.pdf"
    path.write_bytes(data)
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout
    return [[line.strip() for line in page.splitlines() if line.strip()]
            for page in text.split("\f") if page.strip()]


def _orphans(pages):
    return [page[-1] for page in pages if HEADING.match(page[-1])]


def test_no_heading_sits_alone_at_the_foot_of_a_pdf_page(world, make_case, fixed_clock,
                                                         tmp_path, monkeypatch):
    """One department's month fills page 1 so that 三、当前逾期案件 falls at its foot; without
    the conditional page break (HEADING_ROOM 0) it would sit there alone."""
    fixed_clock.set(NOW)
    make_case(CaseState.dispatched, now=NOW)
    monkeypatch.setattr(report, "HEADING_ROOM", 0)
    unguarded = _pages(report.report_pdf("2026-11", now=NOW), tmp_path)
    assert _orphans(unguarded) and _orphans(unguarded)[0].startswith("三、")  # the trap is real
    monkeypatch.undo()

    pages = _pages(report.report_pdf("2026-11", now=NOW), tmp_path)
    assert not _orphans(pages)
    for page in pages:  # every heading has its table's header row below it on its page
        for index, line in enumerate(page):
            if HEADING.match(line):
                assert index + 1 < len(page) and not HEADING.match(page[index + 1])
    headings = [line for page in pages for line in page if HEADING.match(line)]
    assert [h[:2] for h in headings] == ["一、", "二、", "三、"]


def test_leader_dashboard_and_report_on_desk_and_phone(world, make_user, make_enterprise,
                                                      make_case, desk_page, phone_page,
                                                      fixed_clock):
    fixed_clock.set(NOW)
    _leader_county(world, make_user, make_enterprise, make_case)
    shots = screenshots_dir()
    for page, suffix in ((desk_page, ""), (phone_page, "-phone")):
        browser_login(page, "leader_wang")
        page.goto("/figures/")
        assert page.locator(".scope-note").inner_text().startswith("统计范围：仅含您包联的 2 家企业")
        assert page.locator("input[name=last]").input_value() == "2026-11-30"
        page.screenshot(path=str(shots / f"dashboard-leader{suffix}.png"), full_page=True)
        page.get_by_role("link", name="月报").click()
        page.fill("input[name=month]", "2026-11")
        page.get_by_role("button", name="查看").click()
        assert "王副县长包联企业" in page.locator(".report-title").inner_text()
        with page.expect_download() as download:
            page.get_by_role("link", name="下载 PDF").click()
        assert download.value.suggested_filename.endswith("2026-11（王副县长包联企业）.pdf")
        assert page.evaluate("document.scrollingElement.scrollWidth") <= page.viewport_size["width"]
        page.screenshot(path=str(shots / f"monthly-report{suffix}.png"), full_page=True)
