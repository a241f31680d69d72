"""Every change to a meeting: create it, build and edit its agenda, enter the issues it
assigns (each one case through app.cases.operations), keep its minutes.

Like the case operations they check the role, change the rows and flush; the caller commits."""
from datetime import date, datetime

from sqlalchemy import func, select

from app.auth.models import Role, User
from app.auth.queries import OFFICE_ROLES
from app.cases import operations as case_ops
from app.cases.errors import CaseActionError
from app.cases.models import CaseSource, Category, Urgency
from app.cases.queries import get_case_by_tracking_no
from app.core.clock import local_today, utcnow
from app.core.timeutil import local_datetime
from app.departments.models import Department
from app.enterprises.models import Enterprise
from app.extensions import db
from app.figures.queries import DATE_RANGE_MESSAGE, date_in_range
from app.meetings import queries
from app.media.operations import pixel_budget, prepare_media, spool_to_temp
from app.media.sniff import MediaRefused
from app.meetings.models import (AgendaItem, AgendaReason, AttendeeKind, Meeting,
                                 MeetingAttachment, MeetingAttendee, MeetingIssue, MeetingType)
from app.settings.operations import store_setting
from app.workdays.calendar import WORKDAY_END

TITLE_MAX = Meeting.__table__.c.title.type.length
CHAIR_MAX = Meeting.__table__.c.chair.type.length
TYPE_NAME_MAX = MeetingType.__table__.c.name.type.length
ATTENDEE_MAX = MeetingAttendee.__table__.c.name.type.length
LEADER_MAX = MeetingIssue.__table__.c.leader_name.type.length
ITEM_TEXT_MAX = AgendaItem.__table__.c.text.type.length
MINUTES_MAX = 20000
NOTE_MAX = 1000
MEASURE_MAX = 1000  # 举措 and 目标 each
ATTENDEES_MAX = 100  # per kind
ATTACHMENTS_MAX = 30


def _refuse(code, message, status=400, field=None):
    raise CaseActionError(code, message, status=status, field=field)


def _require_office(actor: User | None, what: str):
    if actor is None or actor.role not in OFFICE_ROLES:
        _refuse("wrong_role", f"您的角色无权{what}", 403)


def _text(value, label, field, max_length, required=False) -> str | None:
    """Typed text stripped; refused, naming the field, when missing (if required) or too long."""
    value = value if isinstance(value, str) else None
    if required:
        return case_ops._require_text(value, "missing_field", f"请填写{label}", field,
                                      max_length=max_length, label=label)
    return case_ops._limit_text(value, max_length, label, field)


# --- types and settings (admin) --------------------------------------------------------------

def add_meeting_type(actor: User, name: str) -> MeetingType:
    """A new kind of meeting, after the others in the list."""
    if actor is None or actor.role is not Role.admin:
        _refuse("wrong_role", "只有系统管理员可以添加会议类型", 403)
    name = _text(name, "会议类型名称", "name", TYPE_NAME_MAX, required=True)
    if db.session.execute(select(MeetingType.id).filter_by(name=name)).first():
        _refuse("duplicate", f"会议类型“{name}”已存在", 409, "name")
    last = db.session.execute(select(func.max(MeetingType.sort_order))).scalar() or 0
    count = db.session.execute(select(func.count(MeetingType.id))).scalar()
    meeting_type = MeetingType(code=f"custom_{count + 1}", name=name, sort_order=last + 1)
    while queries.meeting_type_by_code(meeting_type.code) is not None:
        count += 1
        meeting_type.code = f"custom_{count + 1}"
    db.session.add(meeting_type)
    db.session.flush()
    return meeting_type


def set_stuck_workdays(actor: User, value) -> int:
    """How many working days without a change of state make a case 久拖未决 on the agenda."""
    if actor is None or actor.role is not Role.admin:
        _refuse("wrong_role", "只有系统管理员可以修改该设置", 403)
    text = str(value or "").strip()
    if not text.isdecimal() or not 1 <= int(text) <= queries.STUCK_MAX:
        _refuse("invalid_field", f"久拖未决的工作日数应为1至{queries.STUCK_MAX}之间的整数",
                field="stuck_workdays")
    store_setting(queries.STUCK_SETTING, str(int(text)))
    return int(text)


# --- meetings --------------------------------------------------------------------------------

def _names(lines) -> list[str]:
    if isinstance(lines, str):
        lines = lines.replace("、", "\n").replace("，", "\n").replace(",", "\n").splitlines()
    return list(dict.fromkeys(n.strip() for n in (lines or []) if isinstance(n, str) and n.strip()))


def _set_attendees(meeting: Meeting, leaders, departments, enterprises):
    """Replace the attendees; a department or enterprise of that exact name is linked."""
    meeting.attendees.clear()
    for kind, names in ((AttendeeKind.leader, leaders), (AttendeeKind.department, departments),
                        (AttendeeKind.enterprise, enterprises)):
        names = _names(names)
        if len(names) > ATTENDEES_MAX:
            _refuse("too_many", f"参会{kind.label}不能超过{ATTENDEES_MAX}个", field=kind.name)
        for name in names:
            if len(name) > ATTENDEE_MAX:
                _refuse("too_long", f"参会{kind.label}名称不能超过{ATTENDEE_MAX}字：{name[:20]}…",
                        field=kind.name)
            attendee = MeetingAttendee(kind=kind, name=name)
            if kind is AttendeeKind.department:
                attendee.department = db.session.execute(
                    select(Department).filter_by(name=name)).scalar_one_or_none()
            elif kind is AttendeeKind.enterprise:
                attendee.enterprise = db.session.execute(
                    select(Enterprise).filter_by(name=name).limit(1)).scalar_one_or_none()
            meeting.attendees.append(attendee)


def create_meeting(actor: User, meeting_type: MeetingType | None, held_on: date | None, *,
                   title=None, chair=None, leaders=(), departments=(), enterprises=(),
                   now=None) -> Meeting:
    """Schedule (or record) a meeting of `meeting_type` on `held_on`."""
    _require_office(actor, "安排会议")
    if meeting_type is None or not meeting_type.is_active:
        _refuse("invalid_field", "请选择会议类型", field="type")
    if not isinstance(held_on, date):
        _refuse("invalid_field", "请填写会议日期", field="held_on")
    if not date_in_range(held_on):
        _refuse("invalid_field", f"会议日期：{DATE_RANGE_MESSAGE}", field="held_on")
    title = _text(title, "会议名称", "title", TITLE_MAX) or \
        f"{meeting_type.name}（{held_on.year}年{held_on.month}月{held_on.day}日）"
    meeting = Meeting(type=meeting_type, held_on=held_on, title=title,
                      chair=_text(chair, "主持人", "chair", CHAIR_MAX), created_by=actor,
                      created_at=now or utcnow())
    db.session.add(meeting)
    _set_attendees(meeting, leaders, departments, enterprises)
    db.session.flush()
    return meeting


def update_meeting(meeting: Meeting, actor: User, *, title=None, chair=None, leaders=(),
                   departments=(), enterprises=(), minutes=None) -> Meeting:
    """Change the details, attendees and minutes (纪要) of a meeting."""
    _require_office(actor, "修改会议")
    meeting.title = _text(title, "会议名称", "title", TITLE_MAX, required=True)
    meeting.chair = _text(chair, "主持人", "chair", CHAIR_MAX)
    meeting.minutes = _text(minutes, "会议纪要", "minutes", MINUTES_MAX)
    _set_attendees(meeting, leaders, departments, enterprises)
    db.session.flush()
    return meeting


def attach_to_minutes(meeting: Meeting, actor: User, files) -> list[MeetingAttachment]:
    """Keep photos or videos with the minutes (the signed minutes, the meeting itself), each
    checked, cleaned and stored like a case's attachment; all or none."""
    _require_office(actor, "上传会议附件")
    files = [f for f in files if getattr(f, "filename", None)]
    if not files:
        _refuse("missing_field", "请选择要上传的照片或视频", field="attachments")
    if len(meeting.attachments) + len(files) > ATTACHMENTS_MAX:
        _refuse("too_many", f"每次会议最多{ATTACHMENTS_MAX}个附件", field="attachments")
    budget = pixel_budget()
    stored = []
    for source in files:
        try:
            prepared = prepare_media(spool_to_temp(source), source.filename, pixels=budget)
        except MediaRefused as refused:
            raise CaseActionError(refused.code, refused.message, status=400,
                                  field="attachments") from refused
        attachment = MeetingAttachment(meeting=meeting, created_by_id=actor.id,
                                       **prepared.as_row())
        db.session.add(attachment)
        stored.append(attachment)
    db.session.flush()
    return stored


# --- the agenda ------------------------------------------------------------------------------

def build_agenda(meeting: Meeting, actor: User, now=None) -> int:
    """Add every case the agenda's rules select and the agenda lacks; returns how many.

    Items already there keep their notes, and a dropped item stays dropped, so building again
    after editing only brings in what is new."""
    _require_office(actor, "生成议程")
    now = now or utcnow()
    candidates = queries.agenda_candidates(meeting, now)
    present = {item.case_id: item for item in meeting.agenda_items if item.case_id}
    position = max((item.position for item in meeting.agenda_items), default=0)
    added = 0
    for case_id, reasons in candidates.items():
        names = ",".join(r.name for r in reasons)
        if case_id in present:
            present[case_id].reasons = names
            continue
        position += 1
        meeting.agenda_items.append(AgendaItem(case_id=case_id, position=position,
                                               reason=reasons[0], reasons=names))
        added += 1
    meeting.agenda_built_at = now
    db.session.flush()
    return added


def _item(meeting: Meeting, item_id) -> AgendaItem:
    item = next((i for i in meeting.agenda_items if str(i.id) == str(item_id)), None)
    if item is None:
        _refuse("not_found", "议程事项不存在", 404)
    return item


def edit_agenda_item(meeting: Meeting, actor: User, item_id, *, note=None,
                     dropped: bool | None = None) -> AgendaItem:
    """Write the dispatcher's note on an item, drop it from the agenda or put it back."""
    _require_office(actor, "修改议程")
    item = _item(meeting, item_id)
    item.note = _text(note, "备注", "note", NOTE_MAX)
    if dropped is not None:
        item.is_dropped = bool(dropped)
    db.session.flush()
    return item


def add_agenda_item(meeting: Meeting, actor: User, *, tracking_no=None, text=None,
                    note=None) -> AgendaItem:
    """Put a case (by its tracking number) or a free-text point on the agenda."""
    _require_office(actor, "修改议程")
    tracking_no = (tracking_no or "").strip().upper() if isinstance(tracking_no, str) else ""
    text = _text(text, "议题", "text", ITEM_TEXT_MAX)
    case = None
    if tracking_no:
        case = get_case_by_tracking_no(tracking_no)
        if case is None:
            _refuse("unknown_case", f"案件“{tracking_no}”不存在", 404, "tracking_no")
        existing = next((i for i in meeting.agenda_items if i.case_id == case.id), None)
        if existing is not None:
            existing.is_dropped = False
            existing.note = _text(note, "备注", "note", NOTE_MAX) or existing.note
            db.session.flush()
            return existing
    elif not text:
        _refuse("missing_field", "请填写案件受理编号或议题", field="tracking_no")
    position = max((item.position for item in meeting.agenda_items), default=0) + 1
    item = AgendaItem(case=case, text=text, note=_text(note, "备注", "note", NOTE_MAX),
                      position=position, reason=AgendaReason.manual)
    meeting.agenda_items.append(item)
    db.session.flush()
    return item


# --- issues ----------------------------------------------------------------------------------

def issue_due_at(due_on: date) -> datetime:
    """A 时限 given as a day ends with that day's working hours."""
    return local_datetime(due_on, WORKDAY_END)


def raise_issue(meeting: Meeting, actor: User, *, category: Category | None, content: str,
                department: Department | None, leader_name: str, due_on: date | None,
                measure=None, goal=None, enterprise: Enterprise | None = None,
                enterprise_name=None, urgency: Urgency = Urgency.normal, contact_name=None,
                contact_phone=None, submission_key=None, now=None) -> MeetingIssue:
    """An issue the meeting assigned (定责任、定举措、定目标、定时限): a case of source
    `meeting`, dispatched at once to the 责任单位 with the 时限 as its handling deadline.

    A contact is optional: an issue raised at a meeting has no caller to ring back, so
    without a phone number it is recorded without contact details (as anonymous). The same
    `submission_key` twice gives back the first issue, never two."""
    _require_office(actor, "录入会议交办问题")
    now = now or utcnow()
    leader_name = _text(leader_name, "分包县领导", "leader", LEADER_MAX, required=True)
    measure = _text(measure, "举措", "measure", MEASURE_MAX)
    goal = _text(goal, "目标", "goal", MEASURE_MAX)
    if department is None:
        _refuse("missing_field", "请选择责任单位", field="department")
    if not isinstance(due_on, date):
        _refuse("missing_field", "请填写时限（日期）", field="due")
    if due_on < local_today(now):
        _refuse("invalid_field", "时限不能早于今天", field="due")
    if not date_in_range(due_on):
        _refuse("invalid_field", f"时限：{DATE_RANGE_MESSAGE}", field="due")
    if submission_key:
        existing = case_ops.case_by_submission_key(submission_key)
        if existing is not None:
            issue = db.session.execute(select(MeetingIssue).filter_by(
                case_id=existing.id, meeting_id=meeting.id)).scalar_one_or_none()
            if issue is None:
                _refuse("duplicate", "该提交标识已用于其他案件", 409, "submission_key")
            return issue
    case, _created = case_ops.submit_case(
        source=CaseSource.meeting, category=category, content=content, actor=actor,
        enterprise=enterprise, enterprise_name_given=None if enterprise else enterprise_name,
        urgency=urgency, contact_name=contact_name, contact_phone=contact_phone,
        is_anonymous=not (contact_phone or "").strip(), submission_key=submission_key, now=now)
    case_ops.dispatch_case(case, actor, department, now=now, reply_due_at=issue_due_at(due_on),
                           note=f"{meeting.title}交办；分包县领导：{leader_name}")
    leader = db.session.execute(select(User).filter_by(
        display_name=leader_name, role=Role.leader, is_active=True).limit(1)).scalar_one_or_none()
    position = max((i.position for i in meeting.issues), default=0) + 1
    issue = MeetingIssue(meeting=meeting, case=case, position=position, leader_name=leader_name,
                         leader=leader, department=department, measure=measure, goal=goal,
                         due_on=due_on, created_at=now)
    db.session.add(issue)
    db.session.flush()
    return issue


def issue_enterprise(text) -> tuple[Enterprise | None, str | None]:
    """The enterprise a row names: a registered one by its exact name or credit code, else
    the name as typed."""
    text = (text or "").strip() if isinstance(text, str) else ""
    if not text:
        return None, None
    found = db.session.execute(select(Enterprise).where(
        (Enterprise.name == text) | (Enterprise.credit_code == text.upper())).limit(1)
    ).scalar_one_or_none()
    return found, None if found else text
