"""The ledger's 走访与监督 sheet: the field figures (app.field.queries.field_figures) for the
ledger's period, county-wide, with coverage per 包联 leader and per service team."""
from datetime import date, timedelta

from openpyxl.styles import Font

from app.core.documents import row_values, text_cell
from app.field.queries import field_figures

FIGURES = [  # key, label, how it is counted (docs/figures.md)
    ("visits", "走访次数", "走访日期在统计期间内的走访记录"),
    ("visit_issues", "走访发现问题", "这些走访录入的问题（每个问题一件案件）"),
    ("visit_issues_solved", "其中已办结", "上述案件中状态为已办结的"),
    ("help_measures", "一企一策措施（新增）", "统计期间内制定的帮扶措施"),
    ("help_measures_done", "其中已完成", "上述措施中已销号的"),
    ("help_measures_overdue", "当前逾期措施", "进行中且已过完成时限（统计时点）"),
    ("supervision_visits", "纪委监委监督走访", "走访日期在统计期间内"),
    ("supervision_findings", "监督发现问题", "这些走访的发现"),
    ("supervision_findings_to_cases", "其中转为案件", ""),
    ("supervision_clues", "其中问题线索", ""),
    ("supervision_clues_overdue", "当前逾期线索", "未办结且已过办理时限（统计时点）"),
]


def _rate(coverage: dict) -> str:
    return f"{coverage['rate']}%" if coverage["rate"] is not None else "—"


def write_field_sheet(wb, date_from: date, date_to: date, today: date):
    figures = field_figures(date_from, date_to, today)
    ws = wb.create_sheet("走访与监督")
    for letter, width in zip("ABCD", (26, 12, 12, 48)):
        ws.column_dimensions[letter].width = width
    title = text_cell(ws, "走访、包联与纪委监督（汇总）")
    title.font = Font(bold=True, size=14)
    ws.append([title])
    ws.append(row_values(ws, [f"统计期间：{date_from.isoformat()} 至 "
                              f"{(date_to - timedelta(days=1)).isoformat()}（含），按走访日期"]))
    ws.append(row_values(ws, ["指标", "结果", "", "口径"]))
    for key, label, note in FIGURES:
        ws.append(row_values(ws, [label, figures[key], "", note]))
    for key, label, note in (
            ("office_week_coverage", "一线办公周覆盖率", "已走访的包联对 ÷ 应走访的包联对（每月前5个工作日）"),
            ("team_coverage", "服务团10天3次完成率", "计入的走访次数 ÷ 应走访次数（每旬3次）")):
        c = figures[key]
        ws.append(row_values(ws, [label, _rate(c), f"{c['visited']}/{c['planned']}", note]))
    ws.append([])
    ws.append(row_values(ws, ["包联领导", "一线办公周覆盖率", "已走访/应走访", ""]))
    for row in figures["by_leader"]:
        ws.append(row_values(ws, [row["leader"], _rate(row), f"{row['visited']}/{row['planned']}"]))
    ws.append([])
    ws.append(row_values(ws, ["服务团", "10天3次完成率", "计入/应走访", ""]))
    for row in figures["by_team"]:
        ws.append(row_values(ws, [row["team"], _rate(row), f"{row['visited']}/{row['planned']}"]))
    return ws
