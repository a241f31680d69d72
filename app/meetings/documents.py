"""A meeting's printed papers: the agenda (PDF) and the 问题建议清单 (PDF and .xlsx).

Every text goes through app.core.documents (`paragraph`, `row_values`); the PDFs embed the
one CJK font the cards and the monthly report use."""
from io import BytesIO

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import SimpleDocTemplate, Spacer

from app.bulletins.queries import bulletin_figures
from app.cases.queries import OVERDUE_DEFINITION, is_overdue
from app.core.clock import utcnow
from app.core.documents import grid_table, paragraph, row_values
from app.core.timeutil import format_local
from app.figures.queries import add_months
from app.meetings import queries
from app.meetings.models import Meeting
from qrcards.fonts import pdf_font

ISSUE_HEADERS = ["序号", "企业", "问题内容", "分包县领导", "责任单位", "举措", "目标", "时限",
                 "受理编号", "当前状态"]
AGENDA_HEADERS = ["序号", "事由", "受理编号", "企业", "内容摘要", "承办部门", "状态", "办理时限", "备注"]
PREVIOUS_HEADERS = ["序号", "企业", "问题内容", "责任单位", "时限", "受理编号", "当前状态"]
FIGURE_HEADERS = ["部门", "受理量", "办结率", "按期办结率", "满意率", "当前逾期", "重办"]


def case_state_text(case, now) -> str:
    """The state a paper prints for a case: its label, and 逾期 when it is overdue."""
    return case.state.label + ("（逾期）" if is_overdue(case, now) else "")


def enterprise_text(case) -> str:
    return case.enterprise.name if case.enterprise else (case.enterprise_name_given or "")


def issue_rows(meeting: Meeting, now=None) -> list[list[str]]:
    now = now or utcnow()
    return [[str(n), enterprise_text(i.case), i.case.content, i.leader_name, i.department.name,
             i.measure or "", i.goal or "", i.due_on.isoformat(), i.case.tracking_no,
             case_state_text(i.case, now)] for n, i in enumerate(meeting.issues, start=1)]


def agenda_rows(meeting: Meeting, now=None) -> list[list[str]]:
    now = now or utcnow()
    rows = []
    for n, item in enumerate(queries.active_items(meeting), start=1):
        case = item.case
        if case is None:
            rows.append([str(n), item.reason.label, "", "", item.text or "", "", "", "",
                         item.note or ""])
            continue
        rows.append([str(n), "、".join(item.reason_labels), case.tracking_no, enterprise_text(case),
                     case.content[:80], case.lead_department.name if case.lead_department else "",
                     case_state_text(case, now), format_local(case.reply_due_at), item.note or ""])
    return rows


def previous_rows(issues, now=None) -> list[list[str]]:
    now = now or utcnow()
    return [[str(n), enterprise_text(i.case), i.case.content[:80], i.department.name,
             i.due_on.isoformat(), i.case.tracking_no, case_state_text(i.case, now)]
            for n, i in enumerate(issues, start=1)]


def figure_rows(figures: dict) -> list[list[str]]:
    return [[g["label"], g["figures"]["received"]["display"], g["figures"]["closure"]["display"],
             g["figures"]["on_time_closure"]["display"], g["figures"]["satisfaction"]["display"],
             g["figures"]["overdue_now"]["display"], g["figures"]["reopened"]["display"]]
            for g in figures["groups"]]


def render_pdf(title: str, sections, author: str) -> bytes:
    """A landscape A4 PDF: a title, then (heading, note, headers, rows, widths) sections."""
    font = pdf_font()
    title_style = ParagraphStyle("title", fontName=font, fontSize=16, leading=22, spaceAfter=6)
    heading = ParagraphStyle("heading", fontName=font, fontSize=12, leading=18, spaceBefore=10,
                             spaceAfter=4)
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=13)
    cell = ParagraphStyle("cell", fontName=font, fontSize=8.5, leading=11)
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=landscape(A4), leftMargin=12 * mm,
                            rightMargin=12 * mm, topMargin=12 * mm, bottomMargin=12 * mm,
                            title=title, author=author, initialFontName=font)
    story = [paragraph(title, title_style)]
    for name, note, headers, rows, widths in sections:
        if name:
            story.append(paragraph(name, heading))
        if note:
            story.append(paragraph(note, body))
        if headers is None:
            continue
        rows = rows or [["无"] + [""] * (len(headers) - 1)]
        story.append(grid_table([headers, *rows], [w * mm for w in widths], font, cell))
    story.append(Spacer(1, 6))
    doc.build(story)
    return buffer.getvalue()


def meeting_note(meeting: Meeting) -> str:
    by_kind = {}
    for attendee in meeting.attendees:
        by_kind.setdefault(attendee.kind.label, []).append(attendee.name)
    parts = [f"会议日期：{meeting.held_on.isoformat()}", f"主持：{meeting.chair or '—'}"]
    parts += [f"参会{kind}：{'、'.join(names)}" for kind, names in by_kind.items()]
    return "；".join(parts)


def agenda_pdf(meeting: Meeting, county: str = "", now=None) -> bytes:
    """The agenda as the meeting reads it: kept items with their current state, the previous
    meeting's issues and the departments' figures since the previous meeting."""
    now = now or utcnow()
    previous, earlier = queries.previous_issues(meeting)
    figures = queries.department_figures(meeting, now)
    period = figures["period"]
    sections = [
        (None, meeting_note(meeting) + f"；状态截至{format_local(now)}", None, None, None),
        ("一、议程事项", f"逾期的口径：{OVERDUE_DEFINITION}。", AGENDA_HEADERS,
         agenda_rows(meeting, now), [10, 34, 30, 36, 66, 30, 26, 28, 13]),
        ("二、上次会议交办问题办理情况",
         f"上次会议：{previous.title}" if previous else "本类型此前没有会议",
         PREVIOUS_HEADERS, previous_rows(earlier, now), [10, 40, 95, 36, 22, 30, 40]),
        ("三、部门指标", f"统计期间：{period['from']} 至 {period['to']}（不含），按提交时间，无效件不计；"
         "比率截断保留两位小数。", FIGURE_HEADERS, figure_rows(figures), [60, 30, 30, 30, 30, 30, 30]),
    ]
    return render_pdf(f"{county}{meeting.title}议程", sections, county or "码上办")


def issues_pdf(meeting: Meeting, county: str = "", now=None) -> bytes:
    """The 问题建议清单: one row per issue with its 分包县领导, 责任单位, 举措, 目标, 时限."""
    now = now or utcnow()
    sections = [(None, meeting_note(meeting) + f"；状态截至{format_local(now)}", ISSUE_HEADERS,
                 issue_rows(meeting, now), [10, 30, 57, 20, 26, 34, 28, 23, 28, 17])]
    return render_pdf(f"{county}{meeting.title}问题建议清单", sections, county or "码上办")


def issues_xlsx(meeting: Meeting, county: str = "", now=None) -> bytes:
    """The 问题建议清单 as a workbook, every cell through the one cell writer."""
    wb = Workbook()
    ws = wb.active
    ws.title = "问题建议清单"
    ws.append(row_values(ws, [f"{county}{meeting.title}问题建议清单"]))
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(row_values(ws, [meeting_note(meeting)]))
    ws.append(row_values(ws, ISSUE_HEADERS))
    for c in ws[3]:
        c.font = Font(bold=True)
        c.alignment = Alignment(horizontal="center")
    for row in issue_rows(meeting, now):
        ws.append(row_values(ws, row))
    for i, width in enumerate([6, 24, 50, 12, 18, 30, 24, 12, 16, 12], start=1):
        ws.column_dimensions[get_column_letter(i)].width = width
    ws.freeze_panes = "A4"
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()


MEETING_SHEET_HEADERS = ["月份", "会议类型", "召开次数", "交办问题", "已办结", "未办结", "办结率（%）"]
BULLETIN_SHEET_HEADERS = ["月份", "编发期数", "采纳建议", "已批示", "批示已答复", "答复率（%）"]


def mechanism_xlsx(date_from, date_to, county: str = "") -> bytes:
    """The mechanism sheet: meetings held and issues assigned and solved per type and month,
    and the 《代表声音》 figures per month (docs/figures.md), for [date_from, date_to)."""
    wb = Workbook()
    meetings_ws = wb.active
    meetings_ws.title = "会议调度"
    bulletins_ws = wb.create_sheet("代表声音")
    for ws, headers in ((meetings_ws, MEETING_SHEET_HEADERS), (bulletins_ws, BULLETIN_SHEET_HEADERS)):
        ws.append(row_values(ws, [f"{county}企业服务机制台账（{date_from} 至 {date_to}，不含末日）"]))
        ws.append(row_values(ws, headers))
        for c in ws[2]:
            c.font = Font(bold=True)
    month = date_from.replace(day=1)
    while month < date_to:
        start, end = max(month, date_from), min(add_months(month, 1), date_to)
        label = f"{month:%Y-%m}"
        for g in queries.meeting_figures(start, end)["by_type"]:
            meetings_ws.append(row_values(meetings_ws, [
                label, g["label"], g["meetings_held"], g["issues_assigned"], g["issues_solved"],
                g["issues_open"], g["solved_rate"] or "—"]))
        b = bulletin_figures(start, end)
        bulletins_ws.append(row_values(bulletins_ws, [
            label, b["bulletins_issued"], b["suggestions_adopted"], b["instructions_given"],
            b["instructions_answered"], b["answered_rate"] or "—"]))
        month = add_months(month, 1)
    for ws, widths in ((meetings_ws, [10, 26, 10, 10, 10, 10, 12]), (bulletins_ws, [10, 10, 10, 10, 12, 12])):
        for i, width in enumerate(widths, start=1):
            ws.column_dimensions[get_column_letter(i)].width = width
        ws.freeze_panes = "A3"
    buffer = BytesIO()
    wb.save(buffer)
    return buffer.getvalue()
