"""营商环境月分析报告: the month's figures of every area with two charts, then one section
per area with its figures, the monitoring points' input and the department's analysis.

A PDF with the one embedded font of the repo (qrcards.fonts.pdf_font); the charts are
reportlab Drawings, so they go into the PDF as vector paths and text, never as images;
every text a person typed goes through `paragraph` (escaped)."""
from datetime import timedelta
from io import BytesIO

from reportlab.graphics.charts.barcharts import VerticalBarChart
from reportlab.graphics.shapes import Drawing, String
from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, SimpleDocTemplate, Spacer

from app.areas import queries
from app.areas.models import STATE_LABELS
from app.core.clock import local_today, utcnow
from app.core.documents import grid_table, paragraph
from app.core.timeutil import format_local
from app.figures.queries import EMPTY, month_bounds
from qrcards.fonts import pdf_font

OVERVIEW_HEADERS = ["领域", "责任部门", "受理量", "办结", "办结率", "按期办结率", "满意率",
                    "监测点反映", "监测点走访", "分析"]
LISTED = 20  # monitoring points' cases and visits listed per area; the rest counted
GREEN = colors.HexColor("#07C160")
HEADING_ROOM = 60 * mm


def _figure(row, name, key="display"):
    return str(row.figures[name][key])


def overview_rows(rows, today) -> list[list[str]]:
    out = []
    for row in rows:
        analysis = row.analysis
        department = (analysis.department.name if analysis else
                      row.area.department.name if row.area and row.area.department else EMPTY)
        state = STATE_LABELS[analysis.state(today)] if analysis else (
            "未发起" if row.area else EMPTY)
        out.append([row.label, department if row.area else EMPTY,
                    _figure(row, "received", "numerator"), _figure(row, "closure", "numerator"),
                    _figure(row, "closure"), _figure(row, "on_time_closure"),
                    _figure(row, "satisfaction"),
                    str(len(row.point_cases)) if row.area else EMPTY,
                    str(len(row.point_visits)) if row.area else EMPTY, state])
    return out


def bar_chart(labels: list[str], values: list[float], title: str, *, percent: bool = False,
              width: float = 180 * mm, height: float = 70 * mm) -> Drawing:
    """A vertical bar chart as a reportlab Drawing (vector), labelled in the embedded font."""
    font = pdf_font()
    drawing = Drawing(width, height)
    drawing.add(String(0, height - 10, title, fontName=font, fontSize=10))
    chart = VerticalBarChart()
    chart.x, chart.y = 30, 36
    chart.width, chart.height = width - 40, height - 60
    chart.data = [values or [0]]
    chart.bars[0].fillColor = GREEN
    chart.bars[0].strokeColor = None
    chart.valueAxis.valueMin = 0
    top = max(values or [0])
    chart.valueAxis.valueMax = 100 if percent else max(4, top + (-top % 4))
    chart.valueAxis.valueStep = 25 if percent else max(1, chart.valueAxis.valueMax // 4)
    chart.valueAxis.labels.fontName = font
    chart.valueAxis.labels.fontSize = 7
    chart.categoryAxis.categoryNames = labels or [""]
    chart.categoryAxis.labels.fontName = font
    chart.categoryAxis.labels.fontSize = 7
    chart.categoryAxis.labels.angle = 30
    chart.categoryAxis.labels.boxAnchor = "ne"
    chart.barLabels.fontName = font
    chart.barLabels.fontSize = 6.5
    chart.barLabelFormat = (lambda v: f"{v:g}%") if percent else (lambda v: f"{v:g}")
    chart.barLabels.nudge = 6
    drawing.add(chart)
    return drawing


def _rate_value(display: str) -> float:
    return float(display.rstrip("%")) if display != EMPTY else 0.0


def charts(rows) -> list[Drawing]:
    """受理量 and 办结率 per area (未归类 included), drawn as vectors."""
    labels = [row.label for row in rows]
    received = [row.figures["received"]["numerator"] for row in rows]
    closure = [_rate_value(row.figures["closure"]["display"]) for row in rows]
    return [bar_chart(labels, received, "各领域受理量（件）"),
            bar_chart(labels, closure, "各领域办结率（%，无受理的领域记为0）", percent=True)]


def report_pdf(month: str, county: str = "", now=None) -> bytes:
    now = now or utcnow()
    today = local_today(now)
    rows = queries.month_rows(month, now)
    date_from, date_to = month_bounds(month)
    year, mon = month.split("-")
    title_text = f"{county}营商环境月分析报告（{year}年{int(mon)}月）"
    font = pdf_font()
    title = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=4)
    heading = ParagraphStyle("heading", fontName=font, fontSize=12, leading=18, spaceBefore=10,
                             spaceAfter=4)
    subheading = ParagraphStyle("sub", fontName=font, fontSize=10, leading=15, spaceBefore=6,
                                spaceAfter=2)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=14)
    cell = ParagraphStyle("cell", fontName=font, fontSize=8, leading=10.5)

    def table(headers, data, widths):
        return grid_table([headers, *data], widths, font, cell)

    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=14 * mm, rightMargin=14 * mm,
                            topMargin=12 * mm, bottomMargin=12 * mm, title=title_text,
                            author=county or "码上办", initialFontName=font)
    story = [
        paragraph(title_text, title),
        paragraph(f"统计期间：{date_from} 至 {date_to - timedelta(days=1)}（含，北京时间，按提交时间，"
                  f"无效件不计）；统计时点：{format_local(now)}。领域按问题类别归集（类别未归入任何领域的"
                  "计入“未归类”）；比率截断保留两位小数，不四舍五入，分母为0记“—”。", body),
        CondPageBreak(HEADING_ROOM), paragraph("一、各领域概况", heading),
        table(OVERVIEW_HEADERS, overview_rows(rows, today),
              [22 * mm, 22 * mm, 14 * mm, 12 * mm, 18 * mm, 20 * mm, 18 * mm, 18 * mm, 18 * mm,
               20 * mm]),
        Spacer(1, 6), *charts(rows),
        CondPageBreak(HEADING_ROOM), paragraph("二、分领域分析", heading)]
    number = 0
    for row in rows:
        if row.area is None:
            continue
        number += 1
        analysis = row.analysis
        department = analysis.department.name if analysis else (
            row.area.department.name if row.area.department else "未设责任部门")
        story += [CondPageBreak(40 * mm),
                  paragraph(f"（{number}）{row.label}（责任部门：{department}）", subheading),
                  paragraph("指标：受理{}件，办结{}件，办结率{}，按期办结率{}，满意率{}。".format(
                      _figure(row, "received", "numerator"), _figure(row, "closure", "numerator"),
                      _figure(row, "closure"), _figure(row, "on_time_closure"),
                      _figure(row, "satisfaction")), body)]
        cases = row.point_cases
        story.append(paragraph(f"监测点企业反映：{len(cases)}件" + ("。" if not cases else "：") +
                               "；".join(f"{c.enterprise.name if c.enterprise else '—'}"
                                        f"（{c.tracking_no}，{c.state.label}）{c.content[:40]}"
                                        for c in cases[:LISTED]) +
                               (f"等{len(cases)}件" if len(cases) > LISTED else ""), body))
        visits = row.point_visits
        story.append(paragraph(f"责任部门走访监测点企业：{len(visits)}次" + ("。" if not visits else "：") +
                               "；".join(f"{v.visited_on:%m月%d日}{v.enterprise.name}"
                                        for v in visits[:LISTED]) +
                               (f"等{len(visits)}次" if len(visits) > LISTED else ""), body))
        if analysis is not None and analysis.submitted_at is not None:
            story += [paragraph("短板弱项：" + analysis.weaknesses, body),
                      paragraph("举措：" + analysis.measures, body)]
        else:
            story.append(paragraph("部门分析：未提交" if analysis else "部门分析：本月未发起", body))
    doc.build(story)
    return buffer.getvalue()
