"""The CLI and the ledger export tell the same numbers as compute_figures."""
from datetime import datetime
import json

from openpyxl import load_workbook

from app.cases.models import AuditEvent
from app.extensions import db
from app.figures.ledger import COLUMNS, export_ledger
from app.figures.queries import compute_figures
from tests.figures.timeline import NOV, NOW


def test_metrics_show_json_equals_compute_figures(county, runner):
    result = runner.invoke(args=["metrics", "show", "--from", "2026-11-01", "--to", "2026-12-01",
                                 "--json"])
    assert result.exit_code == 0, result.output
    shown = json.loads(result.output)
    expected = compute_figures(*NOV)
    assert shown["figures"] == expected["figures"]
    assert shown["figures"]["on_time_sign"]["display"] == "71.42%"


def test_metrics_show_text_and_by_department(county, runner):
    result = runner.invoke(args=["metrics", "show", "--from", "2026-11-01", "--to", "2026-12-01",
                                 "--by", "department"])
    assert result.exit_code == 0, result.output
    assert "受理量" in result.output and "10" in result.output
    assert "办结率" in result.output and "50.00%  (5/10)" in result.output
    assert "税务局: 受理 2" in result.output and "退回 1" in result.output


def test_metrics_show_refuses_an_inverted_period(app, runner):
    result = runner.invoke(args=["metrics", "show", "--from", "2026-12-01", "--to", "2026-11-01"])
    assert result.exit_code != 0 and "--to" in result.output


def test_ledger_summary_sheet_equals_the_figures_and_rows_are_cases(county, tmp_path):
    out = tmp_path / "ledger.xlsx"
    rows = export_ledger(out, *NOV, now=NOW)
    assert rows == 11  # ten valid November cases and the invalid one, marked not counted
    wb = load_workbook(out)
    assert wb.sheetnames == ["汇总", "台账", "走访与监督"]  # the last: issue 21
    summary = wb["汇总"]
    expected = compute_figures(*NOV, now=NOW)
    found = {}
    for label, display, numerator, denominator, _note in summary.iter_rows(
            min_row=5, max_row=4 + len(expected["figures"]), max_col=5, values_only=True):
        found[label] = (display, numerator, denominator)
    assert found == {v["label"]: (v["display"], v["numerator"], v["denominator"])
                     for v in expected["figures"].values()}

    sheet = wb["台账"]
    assert sheet.freeze_panes == "C2"
    assert [c.value for c in sheet[1]] == [header for header, _w, _k in COLUMNS]
    records = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(records) == 11
    header = [h for h, _w, _k in COLUMNS]
    by_tracking = {r[header.index("受理编号")]: dict(zip(header, r)) for r in records}
    d = by_tracking[county["D"].tracking_no]
    assert d["按期办结"] == "是" and d["延期次数"] == 1
    assert isinstance(d["提交时间"], datetime) and d["提交时间"] == datetime(2026, 11, 17, 9, 0)
    assert d["联系电话"] == "138****8000" and d["联系人"] == "张**"
    assert by_tracking[county["B"].tracking_no]["按期签收"] == "否"
    assert by_tracking[county["F"].tracking_no]["按期签收"] is None  # not yet judged
    assert by_tracking[county["I"].tracking_no]["计入统计"] == "否"
    counted = [r for r in by_tracking.values() if r["计入统计"] == "是"]
    assert len(counted) == expected["figures"]["received"]["numerator"]
    assert sum(r["按期办结"] == "是" for r in counted) == expected["figures"]["on_time_closure"]["numerator"]
    assert sum(r["按期签收"] == "是" for r in counted) == expected["figures"]["on_time_sign"]["numerator"]
    assert sum(r["按期签收"] is not None for r in counted) == expected["figures"]["on_time_sign"]["denominator"]
    assert sum(r["当前逾期"] == "是" for r in counted) == expected["figures"]["overdue_now"]["numerator"]
    assert county["D"].replies[-1].content in d["答复内容"]


def test_ledger_cli_exports_and_audits_full_export(county, runner, tmp_path):
    out = tmp_path / "full.xlsx"
    result = runner.invoke(args=["ledger", "export", "--out", str(out), "--from", "2026-11-01",
                                 "--to", "2026-12-01", "--full"])
    assert result.exit_code == 0, result.output
    assert "11" in result.output
    phones = {r[9] for r in load_workbook(out)["台账"].iter_rows(min_row=2, values_only=True)}
    assert phones == {"13800138000"}
    events = db.session.execute(db.select(AuditEvent).filter_by(action="export_ledger_full")).scalars().all()
    assert len(events) == 1 and events[0].case_id is None and events[0].data["rows"] == 11


def test_monthly_report_pdf_embeds_every_font_and_states_the_figures(county, runner, tmp_path):
    import subprocess
    out = tmp_path / "report.pdf"
    result = runner.invoke(args=["metrics", "report", "--month", "2026-11", "--out", str(out)])
    assert result.exit_code == 0, result.output
    fonts = subprocess.run(["pdffonts", str(out)], capture_output=True, text=True, check=True)
    lines = fonts.stdout.splitlines()[2:]
    assert lines and all(" yes " in line and "Helvetica" not in line for line in lines), fonts.stdout
    text = subprocess.run(["pdftotext", "-layout", str(out), "-"], capture_output=True, text=True,
                          check=True).stdout
    expected = compute_figures(*NOV)
    assert "企业服务工作月报（2026年11月）" in text
    for name in ("closure", "on_time_sign", "satisfaction"):
        assert expected["figures"][name]["display"] in text
    assert county["E"].tracking_no in text and county["M"].tracking_no in text  # overdue now
    assert "税务局" in text


def test_monthly_report_xlsx_and_bad_month(county, runner, tmp_path):
    out = tmp_path / "report.xlsx"
    result = runner.invoke(args=["metrics", "report", "--month", "2026-11", "--out", str(out)])
    assert result.exit_code == 0, result.output
    wb = load_workbook(out)
    assert wb.sheetnames == ["主要指标", "部门排行", "当前逾期"]
    shown = {r[0]: r[1] for r in wb["主要指标"].iter_rows(min_row=4, values_only=True)}
    assert shown["按期签收率"] == "71.42%" and shown["受理量"] == "10"
    assert {r[0] for r in wb["当前逾期"].iter_rows(min_row=2, values_only=True)} == \
        {county["E"].tracking_no, county["M"].tracking_no}
    bad = runner.invoke(args=["metrics", "report", "--month", "2026-13", "--out", str(out)])
    assert bad.exit_code != 0 and "YYYY-MM" in bad.output


def test_ledger_summary_sheet_equals_the_api_figures(county, client, world, tmp_path):
    from app.auth.operations import create_api_token
    token = create_api_token(world.dispatcher)
    db.session.commit()
    response = client.get("/api/v1/figures?from=2026-11-01&to=2026-12-01",
                          headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200, response.get_json()
    api_figures = response.get_json()["figures"]
    out = tmp_path / "ledger.xlsx"
    export_ledger(out, *NOV)  # the same `now` as the API: the current instant
    summary = load_workbook(out)["汇总"]
    rows = summary.iter_rows(min_row=5, max_row=4 + len(api_figures), max_col=4, values_only=True)
    assert {label: (display, n, d) for label, display, n, d in rows} == \
        {v["label"]: (v["display"], v["numerator"], v["denominator"]) for v in api_figures.values()}


def test_overdue_now_has_one_definition_printed_the_same_everywhere(county, runner, client,
                                                                    login_as, world, tmp_path):
    """当前逾期: the code leaves returned cases out (G: returned, its sign deadline long past),
    and every place that prints the 口径 prints that same definition."""
    from pathlib import Path
    from app.cases.queries import OVERDUE_DEFINITION
    assert "已退回" in OVERDUE_DEFINITION and "不计" in OVERDUE_DEFINITION
    assert county["G"].sign_due_at < NOW  # would be overdue if returned cases counted
    assert compute_figures(*NOV, now=NOW)["figures"]["overdue_now"]["numerator"] == 2  # E, M
    out = tmp_path / "ledger.xlsx"
    export_ledger(out, *NOV, now=NOW)
    workbook = load_workbook(out)
    summary = {r[0]: r[4] for r in workbook["汇总"].iter_rows(min_row=5, values_only=True) if r}
    assert summary["当前逾期"] == OVERDUE_DEFINITION
    header = [c.value for c in workbook["台账"][1]]
    g_row = next(r for r in workbook["台账"].iter_rows(min_row=2, values_only=True)
                 if r[1] == county["G"].tracking_no)
    assert g_row[header.index("当前逾期")] in (None, "")
    report = tmp_path / "report.xlsx"
    assert runner.invoke(args=["metrics", "report", "--month", "2026-11",
                               "--out", str(report)]).exit_code == 0
    headline = {r[0]: r[3] for r in load_workbook(report)["主要指标"].iter_rows(
        min_row=4, values_only=True)}
    assert headline["当前逾期"] == OVERDUE_DEFINITION
    login_as(world.dispatcher)
    listing = client.get("/figures/cases?figure=overdue_now&from=2026-11-01&to=2026-12-01")
    assert OVERDUE_DEFINITION in listing.get_data(as_text=True)
    docs = Path(__file__).resolve().parents[2] / "docs"
    for name in ("api.md", "figures.md"):
        assert OVERDUE_DEFINITION in (docs / name).read_text(encoding="utf-8"), name


def test_small_fixes_of_issue_17_item_5(county, world, make_case, client, login_as, tmp_path):
    """The judged deadline's header says what it holds, the no-department group's name says
    what it holds, the web ledger's file name ends with the last day included, and the bench
    has its own database."""
    import importlib.util
    from pathlib import Path
    from urllib.parse import unquote
    from sqlalchemy.engine import make_url
    from app.cases.models import CaseState
    from app.core.timeutil import LOCAL_TZ
    from app.figures.ledger import JUDGED_DEADLINE
    from tests.figures.timeline import T0
    # C was reopened on the 17th: its judged deadline is the reopening's, not the original.
    out = tmp_path / "ledger.xlsx"
    export_ledger(out, *NOV, now=NOW)
    sheet = load_workbook(out)["台账"]
    header = [c.value for c in sheet[1]]
    assert "办理时限（含延期）" not in header and JUDGED_DEADLINE in header
    c = county["C"]
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] == c.tracking_no)
    local = lambda at: at.astimezone(LOCAL_TZ).replace(tzinfo=None)  # noqa: E731
    assert row[header.index(JUDGED_DEADLINE)] == local(c.reply_due_at) != \
        row[header.index("原办理时限")] == local(c.original_reply_due_at)
    # A case pending acceptance sits in the no-department group beside H (answered at intake).
    pending = make_case(CaseState.submitted, now=T0)
    groups = {g["key"]: g for g in compute_figures(*NOV, by="department", now=NOW)["groups"]}
    assert groups[None]["label"] == "未派发（待受理或当即答复）"
    assert groups[None]["figures"]["received"]["numerator"] == 2  # H and the pending case
    login_as(world.dispatcher)
    listing = client.get("/figures/cases?figure=received&from=2026-11-01&to=2026-12-01"
                         "&department=none").get_data(as_text=True)
    assert 'class="case-count">2<' in listing and pending.tracking_no in listing
    response = client.get("/figures/ledger.xlsx?from=2026-11-01&to=2026-12-01")
    assert "2026-11-01_2026-11-30.xlsx" in unquote(response.headers["Content-Disposition"])
    spec = importlib.util.spec_from_file_location(
        "bench_figures", Path(__file__).resolve().parents[2] / "bench" / "figures.py")
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    assert make_url(bench.DEFAULT_PG).database == "bench"


def test_closure_basis_is_set_from_the_cli_audited_and_printed_under_the_figure(
        county, runner, client, login_as, world, tmp_path):
    from app.settings.closure_basis import CLOSURE_BASES
    from app.figures.report import report_xlsx
    shown = runner.invoke(args=["metrics", "closure-basis"])
    assert shown.exit_code == 0 and CLOSURE_BASES["received"] in shown.output
    bad = runner.invoke(args=["metrics", "closure-basis", "all"])
    assert bad.exit_code != 0 and "办结率分母口径应为 received 或 due" in bad.output
    changed = runner.invoke(args=["metrics", "closure-basis", "due"])
    assert changed.exit_code == 0 and CLOSURE_BASES["due"] in changed.output
    event = db.session.execute(db.select(AuditEvent).filter_by(action="set_closure_basis")).scalar_one()
    assert event.data == {"from": "received", "to": "due"}
    text = runner.invoke(args=["metrics", "show", "--from", "2026-11-01", "--to", "2026-12-01"])
    assert CLOSURE_BASES["due"] in text.output
    login_as(world.dispatcher)
    page = client.get("/figures/?period=custom&from=2026-11-01&to=2026-12-01").get_data(as_text=True)
    assert CLOSURE_BASES["due"] in page and "按期答复率" in page and "回退率" in page
    out = tmp_path / "ledger.xlsx"
    export_ledger(out, *NOV, now=NOW)
    summary = {r[0]: r for r in load_workbook(out)["汇总"].iter_rows(min_row=5, values_only=True) if r}
    assert summary["办结率"][1:4] == ("62.50%", 5, 8) and "应办结件" in summary["办结率"][4]
    for label in ("按期答复率", "逾期办结", "回退率"):
        assert label in summary, label
    from io import BytesIO
    headline = {r[0]: r for r in load_workbook(BytesIO(report_xlsx("2026-11", now=NOW)))[
        "主要指标"].iter_rows(min_row=4, values_only=True)}
    assert headline["办结率"][1] == "62.50%" and "应办结件" in headline["办结率"][3]
