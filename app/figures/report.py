"""The monthly report the office sends upward: headline figures, league table, overdue list.

Built from compute_figures and case_ids_for, like the dashboard. The PDF embeds its one font
(WenQuanYi Zen Hei, shared with the printed cards) — never reportlab's built-in Helvetica.
"""
from dataclasses import dataclass
from datetime import timedelta
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, SimpleDocTemplate, Spacer

from app.cases.models import Case
from app.core.clock import local_today, utcnow
from app.core.documents import grid_table, paragraph, row_values
from app.core.timeutil import format_deadline, format_local
from app.extensions import db
from app.figures import queries
from app.figures.ledger import explanation
from app.figures.snapshots import get_snapshot
from qrcards.fonts import pdf_font

OVERDUE_LIMIT = 200


@dataclass
class MonthlyReport:
    month: str
    title: str
    period_note: str
    figures: dict  # the month-end snapshot's when there is one, else live
    league: list
    overdue: list  # rows of strings
    live: dict  # the figures computed now, printed beside the frozen ones


def build_report(month: str, county: str = "", now=None, *, scope: dict | None = None,
                 scope_note: str | None = None, scope_title: str = "") -> MonthlyReport:
    """The report of `month` ('YYYY-MM'); a narrowed `scope` (a leader's enterprises, see
    app/figures/scope.py) gives that part's figures, named in the title and the note, and
    never the county-wide month-end snapshot."""
    now = now or utcnow()
    date_from, date_to = queries.month_bounds(month)
    result = queries.compute_figures(date_from, date_to, by="department", now=now, filters=scope)
    ids = queries.case_ids_for("overdue_now", "numerator", date_from, date_to, scope, now=now)
    cases = db.session.execute(db.select(Case).where(Case.id.in_(ids))
                               .order_by(Case.reply_due_at).limit(OVERDUE_LIMIT)).scalars()
    today = local_today(now)
    overdue = [[c.tracking_no, c.category.name,
                c.lead_department.name if c.lead_department else "—", c.state.label,
                format_deadline(c.sign_due_at, today), format_deadline(c.reply_due_at, today),
                c.content[:40]]
               for c in cases]
    year, mon = month.split("-")
    snapshot = None if scope else get_snapshot(month)
    if scope:
        frozen = f"{scope_note or '统计范围已限定'}；月末快照为全县数据，此处不用，“结果”即统计时点的实时计算；"
    elif snapshot is not None:
        frozen = (f"主要指标的“结果”和部门排行为月末快照（{format_local(snapshot.taken_at)} 冻结），"
                  "“当前值”为统计时点的实时计算；")
    else:
        frozen = "本月尚无月末快照，“结果”即统计时点的实时计算；"
    return MonthlyReport(
        month=month, title=f"{county}企业服务工作月报（{year}年{int(mon)}月）{scope_title}",
        period_note=(f"统计期间：{date_from} 至 {date_to - timedelta(days=1)}（含，北京时间，按提交时间，"
                     f"无效件不计）；统计时点：{format_local(now)}；{frozen}"
                     "比率截断保留两位小数，不四舍五入。"),
        figures=snapshot.data["figures"] if snapshot else result["figures"],
        league=snapshot.data["groups"] if snapshot else result["groups"], overdue=overdue,
        live=result["figures"])


HEADLINE_HEADERS = ["指标", "结果", "分子/分母", "口径", "当前值"]
LEAGUE_HEADERS = ["部门", "受理量", "办结率", "按期签收率", "按期办结率", "满意率", "当前逾期", "退回", "重办"]
OVERDUE_HEADERS = ["受理编号", "类别", "承办部门", "状态", "签收时限", "办理时限", "内容摘要"]


def headline_rows(report):
    rows = []
    for name, value in report.figures.items():
        if name in queries.LOOP_FIGURES:  # the dashboard's and the ledger's (docs/figures.md)
            continue
        if value["kind"] == "rate":
            detail = f"{value['numerator']} / {value['denominator']}"
        elif value["kind"] == "duration":
            detail = f"{value['numerator']} 件"
        else:
            detail = ""
        live = report.live.get(name, {}).get("display", "")
        rows.append([value["label"], value["display"], detail, explanation(name, value), live])
    return rows


def _league_rows(report):
    return [[g["label"], str(g["figures"]["received"]["numerator"]),
             g["figures"]["closure"]["display"], g["figures"]["on_time_sign"]["display"],
             g["figures"]["on_time_closure"]["display"], g["figures"]["satisfaction"]["display"],
             str(g["figures"]["overdue_now"]["numerator"]), str(g["figures"]["returned"]["numerator"]),
             str(g["figures"]["reopened"]["numerator"])] for g in report.league]


# Room a heading needs below it before the page ends: itself and the first rows of its table.
# Less than that left, the heading starts the next page, never sits alone at a page's foot.
HEADING_ROOM = 45 * mm


def report_pdf(month: str, county: str = "", now=None, **scope) -> bytes:
    """The report as a landscape A4 PDF; `scope` as for build_report."""
    return render_pdf(build_report(month, county, now, **scope), county)


def render_pdf(report: MonthlyReport, county: str = "") -> bytes:
    font = pdf_font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=4)
    heading = ParagraphStyle("heading", fontName=font, fontSize=12, leading=18, spaceBefore=10,
                             spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=8.5, leading=12)
    cell = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11)

    def table(headers, rows, widths):
        return grid_table([headers, *rows], widths, font, cell)

    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=14 * mm,
                            rightMargin=14 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
                            title=report.title, author=county or "码上办",
                            # The canvas' preamble names an initial font: ours, so the PDF
                            # references no base-14 font that a printer might substitute.
                            initialFontName=font)
    def section(text):
        return [CondPageBreak(HEADING_ROOM), paragraph(text, heading)]

    story = [paragraph(report.title, title), paragraph(report.period_note, body),
             *section("一、主要指标"),
             table(HEADLINE_HEADERS, headline_rows(report),
                   [44 * mm, 28 * mm, 28 * mm, 140 * mm, 28 * mm]),
             *section("二、部门排行"),
             table(LEAGUE_HEADERS, _league_rows(report) or [["本月无数据"] + [""] * 8],
                   [50 * mm] + [26 * mm] * 8),
             *section(f"三、当前逾期案件（{len(report.overdue)} 件）"),
             table(OVERDUE_HEADERS, report.overdue or [["没有逾期案件"] + [""] * 6],
                   [32 * mm, 24 * mm, 32 * mm, 18 * mm, 30 * mm, 30 * mm, 96 * mm]),
             Spacer(1, 6)]
    doc.build(story)
    return buffer.getvalue()


def report_xlsx(month: str, county: str = "", now=None, **scope) -> bytes:
    """The report as a workbook (主要指标, 部门排行, 当前逾期); `scope` as for build_report."""
    report = build_report(month, county, now, **scope)
    wb = Workbook()
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="E9F9EF")

    def sheet(ws, headers, rows, widths, first_row):
        ws.append(row_values(ws, headers))
        for c in ws[first_row]:
            c.font, c.fill = bold, fill
            c.alignment = Alignment(horizontal="center", wrap_text=True)
        for row in rows:
            ws.append(row_values(ws, row))
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = ws.cell(row=first_row + 1, column=1)
        ws.print_title_rows = f"{first_row}:{first_row}"
        ws.page_setup.orientation = "landscape"
        ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
        ws.sheet_properties.pageSetUpPr.fitToPage = True

    ws = wb.active
    ws.title = "主要指标"
    ws.append(row_values(ws, [report.title]))
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(row_values(ws, [report.period_note]))
    sheet(ws, HEADLINE_HEADERS, headline_rows(report), [28, 14, 14, 70, 14], 3)
    sheet(wb.create_sheet("部门排行"), LEAGUE_HEADERS, _league_rows(report),
          [20] + [12] * 8, 1)
    sheet(wb.create_sheet("当前逾期"), OVERDUE_HEADERS, report.overdue,
          [18, 12, 16, 9, 17, 17, 50], 1)
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
