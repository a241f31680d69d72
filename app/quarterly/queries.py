"""季测评: per department and quarter, eight components each mapped to 0–100, and their
weighted score with the office's weights (docs/figures.md, "季测评").

Every component is a numerator over a denominator counted from data: the five case figures by
`app.figures.queries.compute_figures` (grouped by department, the quarter as period), the
rounds' and the 现场测评's score sums, and the items the department owns. A component's score
is in hundredths (integer arithmetic, truncated like every rate); the weighted score is
Σ weight × score ÷ Σ weight over the components that have data, truncated — so the printed
numbers reproduce the printed score by hand."""
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select

from app.assessments import queries as assessment_queries
from app.cases.models import Case, CaseState
from app.core.clock import local_today, utcnow
from app.departments.models import Department
from app.departments.queries import COUNTY_ORDER
from app.extensions import db
from app.field.models import HelpMeasure, ItemState, VisitCase
from app.figures import queries as figures
from app.meetings.models import MeetingIssue
from app.quarterly.models import QuarterlyWeights
from app.rounds import queries as round_queries

EMPTY = figures.EMPTY


@dataclass(frozen=True)
class Component:
    key: str
    label: str
    short: str  # the column heading of the sheet
    definition: str  # printed on the page and the sheet (docs/figures.md says the same)
    figure: str | None = None  # the case figure it reads (app.figures.queries.FIGURES)
    inverted: bool = False  # score = share NOT counted by the figure's numerator


COMPONENTS = (
    Component("on_time_sign", "按期签收率", "按期签收",
              "按期签收件 ÷ 应签收件（同统计页按期签收率），即得分", figure="on_time_sign"),
    Component("on_time_closure", "按期办结率", "按期办结",
              "按期办结件 ÷ 已办结件（同统计页按期办结率），即得分", figure="on_time_closure"),
    Component("satisfaction", "满意率", "满意率",
              "满意件 ÷ 参评件（同统计页满意率），即得分", figure="satisfaction"),
    Component("reopen", "重办率（反向计分）", "未重办",
              "得分 = (已答复件 − 重办件) ÷ 已答复件，即 100 − 重办率（截断）", figure="reopen_rate",
              inverted=True),
    Component("return", "回退率（反向计分）", "未回退",
              "得分 = (派发给本部门的件次 − 本部门退回件) ÷ 派发件，低于0按0计", figure="return_rate",
              inverted=True),
    Component("round", "网络专项评议得分", "专项评议",
              "本季度开始且已结束的评议中，企业对本部门各维度打分（非常满意100、满意75、基本满意50、不满意25、"
              "非常不满意0）的平均分"),
    Component("assessment", "社会监督员现场测评得分", "现场测评",
              "本季度内现场测评服务效率、服务流程、服务态度三项得分（同上五档）的平均分"),
    Component("items", "交办事项按期完成率", "交办事项",
              "时限在本季度内且已完成或已到期的会议交办问题、一企一策措施、走访发现问题中，按期完成的比例"),
)
COMPONENT_KEYS = tuple(c.key for c in COMPONENTS)
BY_KEY = {c.key: c for c in COMPONENTS}
CASE_FIGURES = tuple(c.figure for c in COMPONENTS if c.figure)
# The weights before the office sets any (printed as such on every sheet).
DEFAULT_WEIGHTS = {"on_time_sign": 10, "on_time_closure": 15, "satisfaction": 20, "reopen": 10,
                   "return": 5, "round": 15, "assessment": 15, "items": 10}
TREND_QUARTERS = 3  # the previous quarters shown beside each score
QUARTER_NAMES = "一二三四"
NO_DATA_RULE = ("某项无数据（分母为0，或本季度无已结束的评议、无现场测评、无到期交办事项）时不计分，"
                "其权重按比例分配给有数据的各项：季度得分 = Σ(权重 × 得分) ÷ Σ有数据项的权重，截断保留两位小数；"
                "各项均无数据则不评分（—）。")
ORDER_NOTE = ("部门按部门类型和管理员设定的顺序排列，不按得分排名：季度测评看各部门自身的变化趋势，"
              "避免“唯排名”（2025年12345热线工作指引）。")


# --- quarters ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Quarter:
    year: int
    number: int  # 1–4

    @classmethod
    def containing(cls, day: date) -> "Quarter":
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def parse(cls, text: str) -> "Quarter":
        """'2026Q4' (or '2026-Q4', lower case too) → Quarter; ValueError otherwise."""
        value = (text or "").strip().upper().replace("-", "")
        year, sep, number = value.partition("Q")
        if not (sep and year.isdigit() and len(year) == 4 and number in ("1", "2", "3", "4")):
            raise ValueError(text)
        quarter = cls(int(year), int(number))
        if not (figures.date_in_range(quarter.date_from)
                and figures.date_in_range(quarter.date_to - timedelta(days=1))):
            raise ValueError(text)
        return quarter

    @property
    def key(self) -> str:
        return f"{self.year}Q{self.number}"

    @property
    def label(self) -> str:
        return f"{self.year}年第{QUARTER_NAMES[self.number - 1]}季度"

    @property
    def date_from(self) -> date:
        return date(self.year, 3 * self.number - 2, 1)

    @property
    def date_to(self) -> date:
        """The first day after the quarter (exclusive bound, as every period)."""
        return figures.add_months(self.date_from, 3)

    @property
    def last_day(self) -> date:
        return self.date_to - timedelta(days=1)

    def shifted(self, quarters: int) -> "Quarter":
        index = self.year * 4 + self.number - 1 + quarters
        return Quarter(index // 4, index % 4 + 1)


# --- weights ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class WeightSet:
    weights: dict  # component key → int
    row: QuarterlyWeights | None  # None: the defaults, never set by the office

    @property
    def is_default(self) -> bool:
        return self.row is None

    @property
    def note(self) -> str:
        from app.core.timeutil import format_local
        if self.row is None:
            return "权重：默认权重（办公室尚未设置）"
        who = self.row.created_by.display_name if self.row.created_by else "系统"
        return f"权重：第{self.row.id}版，{format_local(self.row.created_at)} 由{who}设定"

    def line(self) -> str:
        return "；".join(f"{c.label} {self.weights[c.key]}" for c in COMPONENTS) + "（合计100）"


def current_weights() -> WeightSet:
    row = db.session.execute(select(QuarterlyWeights).order_by(
        QuarterlyWeights.created_at.desc(), QuarterlyWeights.id.desc()).limit(1)).scalar_one_or_none()
    if row is None:
        return WeightSet(dict(DEFAULT_WEIGHTS), None)
    return WeightSet({key: int(row.weights.get(key, 0)) for key in COMPONENT_KEYS}, row)


def weight_history(limit: int = 50) -> list[QuarterlyWeights]:
    return list(db.session.execute(select(QuarterlyWeights).order_by(
        QuarterlyWeights.created_at.desc(), QuarterlyWeights.id.desc()).limit(limit)).scalars())


# --- scores -----------------------------------------------------------------------------------

hundredths = figures.rate_hundredths  # a score in hundredths, truncated like every rate


def show(points: int | None) -> str:
    return EMPTY if points is None else figures.hundredths_text(points)


@dataclass
class ComponentValue:
    component: Component
    numerator: int  # what the figure counts (for an inverted one: the cases it counts against)
    denominator: int
    points: int | None  # the score in hundredths of a point, 0–10000; None: no data

    @property
    def key(self):
        return self.component.key

    @property
    def display(self) -> str:
        return show(self.points)

    @property
    def detail(self) -> str:
        """The counts behind the score, as printed under it."""
        c = self.component
        if c.key == "round":
            return f"{self.denominator // 100} 项评分"
        if c.key == "assessment":
            return f"{self.denominator // 300} 次测评"
        return f"{self.numerator}/{self.denominator}"


@dataclass
class DepartmentRow:
    department: Department
    components: dict  # key → ComponentValue
    used_weight: int  # Σ weight of the components with data
    points: int | None  # the weighted score in hundredths
    trend: list = field(default_factory=list)  # [(Quarter, points or None)], oldest first

    @property
    def display(self) -> str:
        return show(self.points)

    @property
    def missing(self) -> list[str]:
        return [v.component.label for v in self.components.values() if v.points is None]


@dataclass
class Evaluation:
    quarter: Quarter
    weights: WeightSet
    rows: list
    computed_at: datetime

    @property
    def trend_quarters(self) -> list[Quarter]:
        return [self.quarter.shifted(-i) for i in range(TREND_QUARTERS, 0, -1)]


def weighted(values: dict, weights: dict) -> tuple[int, int | None]:
    """(Σ weights with data, Σ weight × points ÷ that sum truncated, or None)."""
    used = sum(weights[key] for key, v in values.items() if v.points is not None)
    if not used:
        return used, None
    return used, sum(weights[key] * v.points for key, v in values.items()
                     if v.points is not None) // used


def _case_values(figure_values: dict | None) -> dict:
    values = {}
    for c in COMPONENTS:
        if not c.figure:
            continue
        f = (figure_values or {}).get(c.figure) or {"numerator": 0, "denominator": 0}
        n, d = f["numerator"], f["denominator"] or 0
        points = hundredths(max(d - n, 0), d) if c.inverted else hundredths(n, d)
        values[c.key] = ComponentValue(c, n, d, points)
    return values


def _score_value(key: str, sums: tuple[int, int] | None, per: int) -> ComponentValue:
    """From (count, Σ scores) with `per` scores of at most 100 per count."""
    count, total = sums or (0, 0)
    denominator = count * per * 100
    return ComponentValue(BY_KEY[key], total, denominator, hundredths(total, denominator))


def _component_values(case_figures: dict | None = None, round_sums=None, assessment_sums=None,
                      items: tuple[int, int] = (0, 0)) -> dict:
    """Every component's value in COMPONENTS order, from a department's data (none: no data)."""
    values = _case_values(case_figures)
    values["round"] = _score_value("round", round_sums, 1)
    values["assessment"] = _score_value("assessment", assessment_sums, 3)
    on_time, due = items
    values["items"] = ComponentValue(BY_KEY["items"], on_time, due, hundredths(on_time, due))
    return {key: values[key] for key in COMPONENT_KEYS}


def quarter_scores(quarter: Quarter, weights: WeightSet, now: datetime | None = None) -> dict:
    """{department id: (components, used weight, points)} for every department with any data."""
    now = now or utcnow()
    date_from, date_to = quarter.date_from, quarter.date_to
    result = figures.compute_figures(date_from, date_to, by="department", now=now,
                                     with_median=False, names=CASE_FIGURES)
    case_groups = {g["key"]: g["figures"] for g in result["groups"] if g["key"] is not None}
    rounds = {dep: (count, total) for dep, (total, count)
              in round_queries.department_score_sums(date_from, date_to).items()}
    assessed = assessment_queries.department_score_sums(date_from, date_to)
    item_counts = count_items(owned_items(quarter, now=now))
    scores = {}
    for dep in set(case_groups) | set(rounds) | set(assessed) | set(item_counts):
        values = _component_values(case_groups.get(dep), rounds.get(dep), assessed.get(dep),
                                   item_counts.get(dep, (0, 0)))
        scores[dep] = (values, *weighted(values, weights.weights))
    return scores


def evaluate(quarter: Quarter, now: datetime | None = None,
             weights: WeightSet | None = None) -> Evaluation:
    """The quarter's evaluation: every active department (and any other with data), in the
    county's order — never by score — each with its trend over the previous quarters, all
    scored with the weights in force now."""
    now = now or utcnow()
    weights = weights or current_weights()
    scores = quarter_scores(quarter, weights, now)
    trend = {q: quarter_scores(q, weights, now)
             for q in (quarter.shifted(-i) for i in range(TREND_QUARTERS, 0, -1))}
    departments = db.session.execute(select(Department).where(
        (Department.is_active.is_(True)) | Department.id.in_(list(scores) or [0]))
        .order_by(*COUNTY_ORDER)).scalars()
    rows = []
    for department in departments:
        values, used, points = scores.get(department.id) or (_component_values(), 0, None)
        rows.append(DepartmentRow(department, values, used, points, [
            (q, (found[department.id][2] if department.id in found else None))
            for q, found in trend.items()]))
    return Evaluation(quarter, weights, rows, now)


# --- the items a department owns ----------------------------------------------------------------

ITEM_KINDS = {"meeting_issue": "会议交办问题", "help_measure": "一企一策措施", "visit_case": "走访发现问题"}


@dataclass
class OwnedItem:
    kind: str
    department_id: int
    title: str
    due_on: date  # the local day it is due
    done_on: date | None  # the local day it was done (the case's latest reply for a case)
    done: bool
    on_time: bool
    due: bool  # in the denominator: done, or its deadline has passed
    case: Case | None = None

    @property
    def kind_label(self) -> str:
        return ITEM_KINDS[self.kind]


def _local_day(moment: datetime | None) -> date | None:
    return local_today(moment) if moment else None


def owned_items(quarter: Quarter, department_id: int | None = None,
                now: datetime | None = None) -> list[OwnedItem]:
    """Every item due in the quarter that a department owns (docs/figures.md, 交办事项):

    - a meeting issue whose 责任单位 is the department and whose 时限 (due_on) is in the
      quarter; done when its case is 已办结, on time when its latest reply was given on or
      before the 时限 (local day);
    - a 一企一策 measure the department owns due in the quarter; done when 已完成, on time
      when marked done on or before its due day;
    - a case found on a visit, led by the department, whose handling deadline (reply_due_at)
      falls in the quarter; on time as 按期办结 (已办结, latest reply ≤ the deadline).

    An item is in the denominator once done or once its deadline has passed (due, not merely
    started). A few hundred rows a quarter: judged here, so the drill-down lists exactly the
    rows counted."""
    now = now or utcnow()
    today = local_today(now)
    date_from, date_to = quarter.date_from, quarter.date_to
    start, end = figures.period_bounds(date_from, date_to)
    items = []
    issues = select(MeetingIssue, Case).join(Case, Case.id == MeetingIssue.case_id).where(
        MeetingIssue.due_on >= date_from, MeetingIssue.due_on < date_to,
        Case.state != CaseState.invalid)
    measures = select(HelpMeasure).where(HelpMeasure.due_on >= date_from,
                                         HelpMeasure.due_on < date_to)
    visit_cases = select(Case).where(
        Case.id.in_(select(VisitCase.case_id)), Case.state != CaseState.invalid,
        Case.reply_due_at >= start, Case.reply_due_at < end)
    if department_id is not None:
        issues = issues.where(MeetingIssue.department_id == department_id)
        measures = measures.where(HelpMeasure.owner_department_id == department_id)
        visit_cases = visit_cases.where(Case.lead_department_id == department_id)
    else:
        visit_cases = visit_cases.where(Case.lead_department_id.is_not(None))
    for issue, case in db.session.execute(issues.order_by(MeetingIssue.due_on, MeetingIssue.id)):
        done = case.state is CaseState.closed
        replied = _local_day(case.replied_at)
        on_time = done and replied is not None and replied <= issue.due_on
        items.append(OwnedItem("meeting_issue", issue.department_id, case.content[:60],
                               issue.due_on, replied if done else None, done, on_time,
                               done or issue.due_on < today, case))
    for measure in db.session.execute(measures.order_by(HelpMeasure.due_on, HelpMeasure.id)).scalars():
        done = measure.state is ItemState.done
        done_on = _local_day(measure.done_at) if done else None
        on_time = done and done_on is not None and done_on <= measure.due_on
        items.append(OwnedItem("help_measure", measure.owner_department_id,
                               f"{measure.enterprise.name}：{measure.content[:50]}", measure.due_on,
                               done_on, done, on_time, done or measure.due_on < today))
    for case in db.session.execute(visit_cases.order_by(Case.reply_due_at, Case.id)).scalars():
        done = case.state is CaseState.closed
        on_time = done and case.replied_at is not None and case.replied_at <= case.reply_due_at
        items.append(OwnedItem("visit_case", case.lead_department_id, case.content[:60],
                               _local_day(case.reply_due_at), _local_day(case.replied_at) if done else None,
                               done, on_time, done or case.reply_due_at < now, case))
    return items


def count_items(items: list[OwnedItem]) -> dict[int, tuple[int, int]]:
    """{department id: (on time, due)} over `items`."""
    counts = {}
    for item in items:
        if not item.due:
            continue
        on_time, due = counts.get(item.department_id, (0, 0))
        counts[item.department_id] = (on_time + item.on_time, due + 1)
    return counts


def quarter_choices(today: date, count: int = 8) -> list[Quarter]:
    """The current quarter and the ones before it, newest first (the page's picker)."""
    current = Quarter.containing(today)
    return [current.shifted(-i) for i in range(count)]
