"""The quarterly evaluation sheet (部门季度测评表) as a workbook and as a PDF: the weights row,
each department's components with their counts, the weighted score, the trend, and the
definitions. Text goes through the one safe-cell writer (`row_values`) and the one escaping
paragraph (`paragraph`); the PDF embeds the repo's CJK font (`pdf_font`)."""
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import CondPageBreak, SimpleDocTemplate

from app.core.documents import grid_table, paragraph, row_values
from app.core.timeutil import format_local
from app.quarterly.queries import COMPONENTS, NO_DATA_RULE, ORDER_NOTE, Evaluation, show
from qrcards.fonts import pdf_font


def title(evaluation: Evaluation, county: str = "") -> str:
    return f"{county}部门季度测评表（{evaluation.quarter.label}）"


def period_note(evaluation: Evaluation) -> str:
    q = evaluation.quarter
    return (f"统计期间：{q.date_from} 至 {q.last_day}（含，北京时间）；统计时点："
            f"{format_local(evaluation.computed_at)}；案件指标按提交时间，事项状态为统计时点的状态；"
            f"各项得分0–100，截断保留两位小数。")


def headers(evaluation: Evaluation) -> list[str]:
    return (["部门", "类型"] + [c.label for c in COMPONENTS]
            + ["有数据项权重合计", "季度得分", "无数据项"]
            + [f"{q.label}得分" for q in evaluation.trend_quarters])


def weights_row(evaluation: Evaluation) -> list:
    return (["权重", evaluation.weights.note] + [evaluation.weights.weights[c.key] for c in COMPONENTS]
            + [100, "", ""] + [""] * len(evaluation.trend_quarters))


def department_rows(evaluation: Evaluation, with_detail: bool = True) -> list[list[str]]:
    rows = []
    for row in evaluation.rows:
        cells = [row.department.name, row.department.kind.label]
        for c in COMPONENTS:
            value = row.components[c.key]
            cells.append(f"{value.display}（{value.detail}）" if with_detail else value.display)
        missing = "各项均无数据" if row.used_weight == 0 and len(row.missing) == len(COMPONENTS) \
            else "、".join(row.missing) or "无"
        cells += [str(row.used_weight), row.display, missing]
        cells += [show(points) for _q, points in row.trend]
        rows.append(cells)
    return rows


def definitions() -> list[list[str]]:
    return ([[c.label, c.definition] for c in COMPONENTS]
            + [["无数据时", NO_DATA_RULE], ["排列", ORDER_NOTE],
               ["趋势", "前几个季度的得分用同一套（现行）权重计算，便于比较。"]])


def sheet_xlsx(evaluation: Evaluation, county: str = "") -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.title = "季度测评"
    bold, fill = Font(bold=True), PatternFill("solid", fgColor="E9F9EF")
    ws.append(row_values(ws, [title(evaluation, county)]))
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(row_values(ws, [period_note(evaluation)]))
    ws.append(row_values(ws, [evaluation.weights.line()]))
    header = headers(evaluation)
    ws.append(row_values(ws, header))
    for cell in ws[4]:
        cell.font, cell.fill = bold, fill
        cell.alignment = Alignment(horizontal="center", wrap_text=True)
    ws.append(row_values(ws, weights_row(evaluation)))
    for cell in ws[5]:
        cell.font = bold
    for row in department_rows(evaluation):
        ws.append(row_values(ws, row))
    for i, width in enumerate([18, 10] + [16] * len(COMPONENTS) + [10, 10, 24]
                              + [12] * len(evaluation.trend_quarters), start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "C6"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.fitToWidth, ws.page_setup.fitToHeight = 1, 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    notes = wb.create_sheet("口径说明")
    notes.append(row_values(notes, ["项目", "定义"]))
    for cell in notes[1]:
        cell.font, cell.fill = bold, fill
    for row in definitions():
        notes.append(row_values(notes, row))
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["B"].width = 110
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


def sheet_pdf(evaluation: Evaluation, county: str = "") -> bytes:
    font = pdf_font()
    title_style = ParagraphStyle("title", fontName=font, fontSize=15, leading=21, spaceAfter=4)
    heading = ParagraphStyle("heading", fontName=font, fontSize=11.5, leading=17, spaceBefore=8,
                             spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=8, leading=11)
    cell = ParagraphStyle("cell", fontName=font, fontSize=7, leading=9)

    def table(rows, widths):
        return grid_table(rows, widths, font, cell)

    trend = len(evaluation.trend_quarters)
    # Landscape A4 less margins: 269 mm.
    widths = [26 * mm, 12 * mm] + [18 * mm] * len(COMPONENTS) + [12 * mm, 13 * mm, 26 * mm] \
        + [(269 - 26 - 12 - 18 * len(COMPONENTS) - 12 - 13 - 26) / trend * mm] * trend
    header = headers(evaluation)
    header[-trend:] = [f"{q.key}得分" for q in evaluation.trend_quarters]
    weights = [str(v) for v in weights_row(evaluation)]
    weights[1] = ""  # the weights' version is printed above the table
    rows = [header, weights] + department_rows(evaluation)
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=14 * mm,
                            rightMargin=14 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
                            title=title(evaluation, county), author=county or "码上办",
                            initialFontName=font)
    story = [paragraph(title(evaluation, county), title_style),
             paragraph(period_note(evaluation), body),
             paragraph(evaluation.weights.note + "。" + evaluation.weights.line(), body),
             paragraph("一、各部门得分（括号内为分子/分母或评分数、测评次数）", heading),
             table(rows, widths),
             CondPageBreak(40 * mm), paragraph("二、口径说明", heading),
             table([["项目", "定义"]] + definitions(), [40 * mm, 229 * mm])]
    doc.build(story)
    return buffer.getvalue()
