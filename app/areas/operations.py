"""The monthly area analysis, changed: the areas and their mapping (admin), the monitoring
points and the month's requests (the office), a department's answer. Plain functions; the
caller commits. A refusal raises CaseActionError (Chinese message, the form field at fault)
or SettingErrors (a settings table's rows)."""
from datetime import datetime

from sqlalchemy import func, select

from app.areas import queries
from app.areas.models import AnalysisArea, AreaAnalysis, AreaCategory, MonitoringPoint
from app.auth.models import User
from app.auth.queries import HANDLING_ROLES, users_of_department
from app.cases.errors import CaseActionError
from app.core.clock import local_today, utcnow
from app.extensions import db
from app.reminders.notify import Message, queue_notifications
from app.settings.operations import SettingError, SettingErrors, _each
from app.workdays.calendar import WorkCalendar

NAME_MAX = AnalysisArea.__table__.c.name.type.length
TEXT_MAX = 2000  # 短板弱项 and 举措, each
NOTE_MAX = MonitoringPoint.__table__.c.note.type.length
DEFAULT_WORKDAYS = 5
MAX_WORKDAYS = 30


# --- the areas and the mapping (admin) ---------------------------------------------------------

def _clean_name(name: str | None, area: AnalysisArea | None = None) -> str:
    name = (name or "").strip()
    if not name:
        raise SettingError("请填写领域名称")
    if len(name) > NAME_MAX:
        raise SettingError(f"领域名称不超过{NAME_MAX}个字")
    taken = db.session.execute(select(AnalysisArea.id).where(
        AnalysisArea.name == name, AnalysisArea.id != (area.id if area else 0))).first()
    if taken:
        raise SettingError(f"已有名为“{name}”的领域")
    return name


def add_area(name: str | None, department=None) -> AnalysisArea:
    """A new area at the end of the list."""
    try:
        name = _clean_name(name)
    except SettingError as exc:
        raise CaseActionError("invalid_name", str(exc), field="name") from exc
    last = db.session.execute(select(func.max(AnalysisArea.sort_order))).scalar() or 0
    area = AnalysisArea(name=name, sort_order=last + 1, is_active=True, department=department)
    db.session.add(area)
    db.session.flush()
    return area


def set_areas(items) -> int:
    """The areas table saved at once: [(area, name, department or None, is_active), ...];
    all or nothing; how many changed."""
    def change(area, name, department, is_active):
        name = _clean_name(name, area)
        before = (area.name, area.department_id, area.is_active)
        area.name, area.department, area.is_active = name, department, bool(is_active)
        db.session.flush()
        return (area.name, area.department_id, area.is_active) != before
    return _each(items, change)


def set_category_areas(items) -> int:
    """The mapping saved at once: [(category, area or None), ...]; None: 未归类."""
    current = queries.mapping()

    def change(category, area):
        if area is not None and not area.is_active:
            raise SettingError(f"“{area.name}”已停用，不能再归入")
        before = current.get(category.id)
        after = area.id if area is not None else None
        if before == after:
            return False
        row = db.session.get(AreaCategory, category.id)
        if after is None:
            db.session.delete(row)
        elif row is None:
            db.session.add(AreaCategory(category_id=category.id, area_id=after))
        else:
            row.area_id = after
        return True
    changed = _each(items, change)
    db.session.flush()
    return changed


# --- monitoring points (the office) -----------------------------------------------------------

def flag_monitoring_point(actor: User, enterprise, note: str | None = None) -> MonitoringPoint:
    if enterprise is None:
        raise CaseActionError("no_enterprise", "请选择企业", field="enterprise")
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise CaseActionError("note_too_long", f"备注不超过{NOTE_MAX}个字", field="note")
    if db.session.execute(select(MonitoringPoint.id)
                          .filter_by(enterprise_id=enterprise.id)).first():
        raise CaseActionError("already_point", f"“{enterprise.name}”已是监测点企业",
                              field="enterprise")
    point = MonitoringPoint(enterprise=enterprise, note=note, created_by_id=actor.id,
                            created_at=utcnow())
    db.session.add(point)
    db.session.flush()
    return point


def unflag_monitoring_point(point: MonitoringPoint) -> None:
    db.session.delete(point)
    db.session.flush()


# --- the month's requests and the answers ---------------------------------------------------

def request_analyses(actor: User, month: str | None, workdays, *,
                     now: datetime | None = None) -> tuple[list[AreaAnalysis], list[AnalysisArea]]:
    """One request per active area with a responsible department for `month`, due
    `workdays` working days from now; an area requested already for the month is left as
    it is. Returns (the new requests, the areas skipped for want of a department); the
    departments' users are notified."""
    now = now or utcnow()
    month = queries.valid_month(month)
    if month is None:
        raise CaseActionError("invalid_month", "请选择要分析的月份", field="month")
    if not isinstance(workdays, int) or not 1 <= workdays <= MAX_WORKDAYS:
        raise CaseActionError("invalid_workdays", f"填报时限应为1至{MAX_WORKDAYS}个工作日",
                              field="workdays")
    due_on = local_today(WorkCalendar.from_database().add_workdays(now, workdays))
    existing = {a.area_id for a in queries.requests_of(month)}
    created, skipped = [], []
    for area in queries.areas(active_only=True):
        if area.id in existing:
            continue
        if area.department_id is None:
            skipped.append(area)
            continue
        analysis = AreaAnalysis(month=month, area=area, department_id=area.department_id,
                                due_on=due_on, requested_by_id=actor.id, requested_at=now)
        db.session.add(analysis)
        created.append(analysis)
    if not created:
        raise CaseActionError(
            "nothing_to_request",
            f"{month}各领域均已发起，或领域未设责任部门" if existing or skipped
            else "没有启用的领域", field="month")
    db.session.flush()
    year, mon = month.split("-")
    queue_notifications([
        Message("area_analysis_request", analysis_recipients(a), link=f"/areas/analyses/{a.id}",
                title=f"请填报{year}年{int(mon)}月{a.area.name}领域营商环境分析",
                body=f"截止{a.due_on:%m月%d日}，填写短板弱项和举措。")
        for a in created], now=now)
    return created, skipped


def analysis_recipients(analysis: AreaAnalysis) -> list[User]:
    """Who answers for the department: its handlers and head."""
    return users_of_department(analysis.department_id, *HANDLING_ROLES)


def may_answer(user: User, analysis: AreaAnalysis) -> bool:
    return user.role in HANDLING_ROLES and user.department_id == analysis.department_id


def submit_analysis(actor: User, analysis: AreaAnalysis, weaknesses: str | None,
                    measures: str | None, *, now: datetime | None = None) -> AreaAnalysis:
    """The department's analysis, saved (and changed again while the office reads it)."""
    if not may_answer(actor, analysis):
        raise CaseActionError("forbidden", "只有责任部门可以填报本领域分析", status=403)
    weaknesses, measures = (weaknesses or "").strip(), (measures or "").strip()
    if not weaknesses:
        raise CaseActionError("no_weaknesses", "请填写短板弱项", field="weaknesses")
    if not measures:
        raise CaseActionError("no_measures", "请填写举措", field="measures")
    for text, name, label in ((weaknesses, "weaknesses", "短板弱项"), (measures, "measures", "举措")):
        if len(text) > TEXT_MAX:
            raise CaseActionError("too_long", f"{label}不超过{TEXT_MAX}个字（现{len(text)}字）",
                                  field=name)
    analysis.weaknesses, analysis.measures = weaknesses, measures
    analysis.submitted_by_id, analysis.submitted_at = actor.id, now or utcnow()
    db.session.flush()
    return analysis

