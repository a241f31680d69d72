"""Every change of a case's state: one function per action of DESIGN §3.

Each function checks role, department and state, changes the rows, stamps the times, writes
one audit event and queues its notifications. It flushes but never commits: the request,
CLI command or scheduler job that called it commits once, so an action is one transaction.
"""
from datetime import datetime
import hmac
import re
import secrets

from sqlalchemy import bindparam, insert, select
from sqlalchemy.exc import IntegrityError

from app.auth.models import Role, User
from app.auth.queries import (
    HANDLING_ROLES, OFFICE_ROLES, dispatchers, users_of_department, users_with_role)
from app.cases.errors import CaseActionError
from app.cases.models import (
    AuditEvent, Case, CaseDepartment, CaseSource, CaseState, Category, Complexity,
    ExtensionRequest, ExtensionStatus, Rating, Reply, Urgency)
from app.core.clock import local_today, utcnow
from app.core.timeutil import LOCAL_TZ, format_deadline
from app.departments.models import Department
from app.extensions import db, retryable_write
from app.rating.models import CaseRating, RatingChannel, ReasonTag
from app.reminders.notify import queue_notification
from app.settings.limits import apply_limit, get_limit
from app.workdays.calendar import WorkCalendar

PUBLIC_SOURCES = (CaseSource.card, CaseSource.hall)
STAFF_SOURCES = tuple(s for s in CaseSource if s not in PUBLIC_SOURCES)
# Sources a submitter may use without an actor: the cards, and an enterprise's own suggestion
# in an evaluation round (app/rounds); the office still enters review cases it heard itself.
SUBMITTER_SOURCES = PUBLIC_SOURCES + (CaseSource.review,)
# Who besides the office enters cases of a source: the people in the field enter what they
# heard on a visit (app/field), the 纪委监委 what its supervision found, the 社会监督员 what
# they found at a service window (app/assessments).
FIELD_ROLES = (Role.leader, Role.handler, Role.department_head)
ENTRY_ROLES = {CaseSource.visit: OFFICE_ROLES + FIELD_ROLES,
               CaseSource.discipline: OFFICE_ROLES + (Role.discipline,),
               CaseSource.supervisor: OFFICE_ROLES + (Role.social_supervisor,)}
CONTENT_MIN, CONTENT_MAX = 5, 2000
MOBILE_RE = re.compile(r"^1[3-9]\d{9}$")
# Control characters nobody types (line breaks and tabs are kept); PostgreSQL refuses NUL.
CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
# What the columns hold: longer text is refused with a message, never cut off by the database.
CONTACT_NAME_MAX = Case.__table__.c.contact_name.type.length
ENTERPRISE_NAME_MAX = Case.__table__.c.enterprise_name_given.type.length
INVALID_REASON_MAX = Case.__table__.c.invalid_reason.type.length
DECISION_NOTE_MAX = ExtensionRequest.__table__.c.decision_note.type.length
# Staff text kept in TEXT columns: limits of our own (docs/desk.md), so a pasted megabyte
# never reaches the database, the public status page or a report.
REPLY_MAX = 5000  # a reply (答复, 当即答复) or a co-department's opinion
REASON_MAX = 500  # why a case is returned, an extension asked for
NOTE_MAX = 500  # dispatch, urge and supervise notes
RATING_COMMENT_MAX = 500  # what the submitter (or the office, from a follow-up call) adds
# Readable on a phone: no 0/O, 1/I/L, 2/Z, 5/S, 8/B, U/V confusions.
TRACKING_ALPHABET = "34679ACDEFGHJKMNPQRTWXY"
TRACKING_RANDOM_LEN = 6
SUBMITTER = "提交人"
SYSTEM = "系统"
# The submission's statements, built once: it is the one action that runs at the rate people
# scan cards, and a reused statement skips SQLAlchemy's construction and cache-key work.
# A Core INSERT … RETURNING every column, read back as the Case: the ORM's bulk-insert path
# does the same for ~50 µs more per submission.
INSERT_CASE = select(Case).from_statement(
    insert(Case.__table__).returning(*Case.__table__.columns))
INSERT_EVENT = insert(AuditEvent.__table__)  # Core: the ORM bulk-insert path costs more than the row
# Core, the id alone: nearly every lookup finds nothing (a fresh form), and an empty ORM query
# still sets up its entity loading; the rare hit loads the Case by primary key.
CASE_ID_BY_SUBMISSION_KEY = select(Case.__table__.c.id).where(
    Case.__table__.c.submission_key == bindparam("key"))


# --- small shared helpers -------------------------------------------------------------------

def _now(now):
    return now or utcnow()


def _refuse(code, message, status=409, field=None):
    raise CaseActionError(code, message, status=status, field=field)


def _require_role(actor: User | None, roles, what: str):
    if actor is None or actor.role not in roles:
        _refuse("wrong_role", f"您的角色无权{what}", status=403)


def _require_state(case: Case, states, what: str):
    if case.state not in states:
        _refuse("wrong_state", f"案件当前状态为“{case.state.label}”，不能{what}")


def _require_lead_handler(actor: User | None, case: Case, what: str):
    _require_role(actor, HANDLING_ROLES, what)
    if case.lead_department_id is None or actor.department_id != case.lead_department_id:
        _refuse("not_your_department", "该案件不属于您所在的部门", status=403)


def _require_text(value: str | None, code: str, message: str, field: str, *,
                  max_length: int | None = None, label: str | None = None) -> str:
    value = (value or "").strip()
    if not value:
        _refuse(code, message, status=400, field=field)
    return _limit_text(value, max_length, label, field) if max_length else value


def _limit_text(value: str | None, max_length: int, label: str, field: str) -> str | None:
    """Strip optional text; refuse it, naming the field, when its column cannot hold it."""
    value = (value or "").strip()
    if len(value) > max_length:
        _refuse("too_long", f"{label}不能超过{max_length}字，当前{len(value)}字", 400, field)
    return value or None


def _event_fields(actor: User | None, action: str, *, from_state=None, to_state=None, note=None,
                  data=None, department_id=None, actor_label=None, now=None) -> dict:
    return dict(actor_label=actor_label or (actor.display_name if actor else SYSTEM),
                action=action, from_state=from_state.name if from_state else None,
                to_state=to_state.name if to_state else None, note=note, data=data,
                department_id=department_id, created_at=_now(now))


def _record(case: Case | None, actor: User | None, action: str, **fields) -> AuditEvent:
    """The audit event of an action (fields: see _event_fields), flushed with the case."""
    event = AuditEvent(case=case, actor=actor, **_event_fields(actor, action, **fields))
    db.session.add(event)
    return event


def _transition(case: Case, to_state: CaseState, actor, action, *, now, note=None, data=None,
                department_id=None, actor_label=None):
    from_state = case.state
    case.state = to_state
    return _record(case, actor, action, from_state=from_state, to_state=to_state, note=note,
                   data=data, department_id=department_id, actor_label=actor_label, now=now)


def case_link(case: Case) -> str:
    return f"/handling/cases/{case.tracking_no}"


def _notify(kind, recipients, case, title, body, deadline_at=None, now=None):
    db.session.flush()  # the case needs its id before a notification can point at it
    queue_notification(kind, recipients, title=title, body=body, case=case,
                       deadline_at=deadline_at, link=case_link(case), now=now)


def _tell_submitter(case: Case, kind: str, now):
    """Queue the text message `kind` to the submitter (app/sms; nothing when SMS is off)."""
    from app.sms.operations import notify_submitter  # app.sms imports this module
    notify_submitter(case, kind, now=now)


def _lead_team(case: Case) -> list[User]:
    """The assignee if there is one, else every handler and head of the lead department."""
    if case.assignee_id and case.assignee and case.assignee.is_active:
        return [case.assignee]
    return users_of_department(case.lead_department_id, *HANDLING_ROLES)


def _set_co_departments(case: Case, departments, now):
    """Keep the rows of departments that stay, drop the others, add the new ones: replacing
    the whole list would insert a (case, department) pair before deleting its old twin."""
    wanted = {d.id: d for d in departments}
    for link in list(case.co_departments):
        if link.department_id not in wanted:
            case.co_departments.remove(link)
    kept = {link.department_id for link in case.co_departments}
    for department_id, department in wanted.items():
        if department_id not in kept:
            case.co_departments.append(CaseDepartment(department=department, added_at=now))


def _withdraw_pending_extension(case: Case, actor, note: str, now):
    """A pending extension request lapses when the case leaves the phase it was asked in."""
    for request in case.extension_requests:
        if request.status is ExtensionStatus.pending:
            request.status = ExtensionStatus.withdrawn
            request.decided_at = now
            request.decision_note = note
            _record(case, actor, "withdraw_extension", note=note, data={"days": request.days},
                    now=now)


def handle_limit_key(complexity: Complexity) -> str:
    return f"handle_{complexity.name}"


# --- identifiers ----------------------------------------------------------------------------

def new_tracking_no(now: datetime) -> str:
    """A short number like MS2611-7KQ4MC: year-month, then random letters (never sequential)."""
    random_part = "".join(secrets.choice(TRACKING_ALPHABET) for _ in range(TRACKING_RANDOM_LEN))
    return f"MS{now:%y%m}-{random_part}"


def new_access_code() -> str:
    return f"{secrets.randbelow(10 ** 6):06d}"


def access_code_matches(case: Case, code: str | None) -> bool:
    """Compare in constant time, so response timing tells nothing about the digits."""
    return code_matches(case.access_code, code)


def code_matches(expected: str, code: str | None) -> bool:
    """`code` as typed against `expected`, in constant time."""
    return hmac.compare_digest((code or "").strip().encode(), expected.encode())


# --- validation of what a submitter typed ---------------------------------------------------

def validate_submission(content, contact_phone, is_anonymous):
    return validate_content(content), validate_phone(contact_phone, is_anonymous)


def validate_content(content) -> str:
    """The text a submitter typed, stripped; refused when too short, too long or garbled."""
    content = (content or "").strip()
    if len(content) < CONTENT_MIN:
        _refuse("invalid_input", f"请至少填写{CONTENT_MIN}个字，说明遇到的问题", 400, "content")
    if len(content) > CONTENT_MAX:
        _refuse("invalid_input", f"内容不能超过{CONTENT_MAX}字，当前{len(content)}字", 400,
                "content")
    if CONTROL_RE.search(content):
        _refuse("invalid_input", "反映内容含有无法识别的控制字符，请删除后重新填写", 400, "content")
    return content


def validate_phone(contact_phone, is_anonymous) -> str | None:
    """The submitter's mainland mobile number as digits, None for an anonymous case."""
    phone = (contact_phone or "").strip().replace(" ", "").replace("-", "")
    if is_anonymous:
        return None
    if not phone:
        _refuse("invalid_input", "请填写手机号码，或选择匿名反映", 400, "contact_phone")
    if not MOBILE_RE.match(phone):
        _refuse("invalid_input", "请填写正确的11位手机号码", 400, "contact_phone")
    return phone


# --- the actions ----------------------------------------------------------------------------

def submit_case(*, source: CaseSource, category: Category, content: str, actor: User | None = None,
                enterprise=None, card=None, contact_name=None, contact_phone=None,
                is_anonymous=False, urgency: Urgency = Urgency.normal,
                enterprise_name_given=None, submission_key=None, via_revoked_card=False,
                now=None) -> tuple[Case, bool]:
    """Create a case; the same submission key twice gives back the first case, never two.

    Every refusal (CaseActionError) comes before the first write, so a caller may commit what
    it wrote itself after one (the form keeps the files that arrived). Returns (case, created)."""
    now = _now(now)
    # The public form submits with no actor (the card speaks for the submitter); a signed-in
    # user creates cases only from an office role, whatever the source: leaders, supervisors,
    # heads and handlers read and handle, they never put words in an enterprise's mouth —
    # except what they heard themselves on a visit (ENTRY_ROLES).
    if actor is not None or source not in SUBMITTER_SOURCES:
        _require_role(actor, ENTRY_ROLES.get(source, OFFICE_ROLES), "录入案件")
    if category is None:
        _refuse("invalid_input", "请选择问题类别", 400, "category")
    content, phone = validate_submission(content, contact_phone, is_anonymous)
    contact_name = _limit_text(contact_name, CONTACT_NAME_MAX, "联系人姓名", "contact_name")
    enterprise_name_given = _limit_text(enterprise_name_given, ENTERPRISE_NAME_MAX, "企业名称",
                                        "enterprise")
    db.session.flush()  # a new enterprise, card or category needs its id for the row below
    # Read before the first write: on SQLite the write lock is held from the first write to the
    # commit, and every concurrent submission waits for it.
    recipients = dispatchers()
    values = dict(
        access_code=new_access_code(), submission_key=submission_key or None, source=source,
        category_id=category.id, urgency=urgency, content=content,
        enterprise_id=enterprise.id if enterprise is not None else None,
        card_id=card.id if card is not None else None, via_revoked_card=via_revoked_card,
        enterprise_name_given=enterprise_name_given,
        contact_name=None if is_anonymous else contact_name, contact_phone=phone,
        is_anonymous=bool(is_anonymous), entered_by_id=actor.id if actor is not None else None,
        state=CaseState.submitted, submitted_at=now)
    for _attempt in range(8):
        try:
            # One INSERT … RETURNING, without the unit of work's bookkeeping: a submission is
            # the one action that runs at the rate people scan cards. A new case has no
            # timeline point (next_check_at stays NULL), so the flush hook has nothing to do.
            with retryable_write():
                values["tracking_no"] = new_tracking_no(now.astimezone(LOCAL_TZ))
                case = db.session.scalars(INSERT_CASE, values).one()
        except IntegrityError:
            if submission_key:
                existing = case_by_submission_key(submission_key)
                if existing is not None:  # a double tap won the race
                    return existing, False
            continue  # a tracking number collided: draw another
        break
    else:  # pragma: no cover - 23^6 numbers a month make this practically impossible
        _refuse("tracking_exhausted", "系统繁忙，请稍后再试", 503)
    # Its audit event as one INSERT too: the new case's events are not loaded, so there is no
    # collection to keep in step (a unit-of-work flush of the event cost ~0.6 ms).
    db.session.execute(INSERT_EVENT, dict(
        case_id=case.id, actor_id=actor.id if actor is not None else None,
        **_event_fields(actor, "submit", to_state=CaseState.submitted,
                        actor_label=None if actor else SUBMITTER,
                        note="通过已作废的旧码提交" if via_revoked_card else None, now=now)))
    _notify("new_case", recipients, case, f"新反映 {case.tracking_no}",
            f"{category.name}：{content[:60]}", now=now)
    return case, True


def case_by_submission_key(key: str | None) -> Case | None:
    """The case a submission key already made, if any (a double tap, a resend)."""
    if not key:
        return None
    case_id = db.session.execute(CASE_ID_BY_SUBMISSION_KEY, {"key": key}).scalar()
    return db.session.get(Case, case_id) if case_id is not None else None


def handling_seconds(dispatched_at: datetime, replied_at: datetime, calendar: WorkCalendar) -> int:
    """Whole working seconds from dispatch to reply: the figures' handling time of a case."""
    return int(calendar.working_seconds_between(dispatched_at.replace(microsecond=0),
                                                replied_at.replace(microsecond=0)))


def _fix_handling_time(case: Case):
    """Record the handling time of the answer just given, with today's calendar.

    Fixed now, never recomputed: a holiday override entered later does not rewrite the
    figure a department was judged on."""
    case.handling_seconds = None if case.dispatched_at is None else handling_seconds(
        case.dispatched_at, case.replied_at, WorkCalendar.from_database())


def answer_now(case: Case, actor: User, content: str, now=None) -> Reply:
    """Answer a simple question at intake (当即答复): submitted → replied, no department."""
    now = _now(now)
    _require_role(actor, OFFICE_ROLES, "当即答复")
    _require_state(case, (CaseState.submitted,), "当即答复")
    content = _require_text(content, "content_required", "请填写答复内容", "content",
                            max_length=REPLY_MAX, label="答复内容")
    reply = Reply(case=case, author=actor, content=content, is_public=True, created_at=now)
    db.session.add(reply)
    case.replied_at = now
    case.first_replied_at = case.first_replied_at or now
    _fix_handling_time(case)
    _transition(case, CaseState.replied, actor, "answer_now", now=now, note=content)
    if record_rework_feedback(case, reply, actor, now) is None:
        _tell_submitter(case, "replied", now)
    return reply


def dispatch_case(case: Case, actor: User, department: Department,
                  co_departments=(), complexity: Complexity | None = None, note=None,
                  now=None, reply_due_at: datetime | None = None) -> Case:
    """Send a case to a lead department (and co-departments); set its deadlines.

    `reply_due_at` replaces the handling limit when a meeting set the deadline (时限)."""
    now = _now(now)
    _require_role(actor, OFFICE_ROLES, "派发案件")
    _require_state(case, (CaseState.submitted, CaseState.returned), "派发")
    if department is None or not department.is_active:
        _refuse("invalid_input", "请选择有效的承办部门", 400, "department")
    co_departments = [d for d in dict.fromkeys(co_departments) if d is not None]
    if any(d.id == department.id for d in co_departments):
        _refuse("invalid_input", "协办部门不能与主办部门相同", 400, "co_departments")
    note = _limit_text(note, NOTE_MAX, "派发说明", "note")
    if reply_due_at is not None and reply_due_at <= now:
        _refuse("invalid_input", "办理时限应晚于当前时间", 400, "due")
    if complexity is None:
        complexity = Complexity.urgent if case.urgency is Urgency.urgent else Complexity.general
    calendar = WorkCalendar.from_database()
    case.complexity = complexity
    case.lead_department = department
    case.assignee = None
    _set_co_departments(case, co_departments, now)
    _withdraw_pending_extension(case, actor, "重新派发，原延期申请作废", now)
    case.dispatched_at = now
    case.handling_seconds = None  # no answer to this dispatch yet
    case.signed_at = None
    case.sign_due_at = apply_limit(
        now, "sign_urgent" if complexity is Complexity.urgent else "sign", calendar)
    case.reply_due_at = case.original_reply_due_at = reply_due_at or apply_limit(
        now, handle_limit_key(complexity), calendar)
    case.return_due_at = apply_limit(now, "return", calendar)
    case.escalation_level = 0
    _transition(case, CaseState.dispatched, actor, "dispatch", now=now, note=note,
                department_id=department.id,
                data={"department": department.code, "co_departments": [d.code for d in co_departments],
                      "complexity": complexity.name,
                      **({"reply_due_at": reply_due_at.isoformat()} if reply_due_at else {})})
    _notify("dispatched", users_of_department(department.id, *HANDLING_ROLES), case,
            f"新派件 {case.tracking_no}，请在{format_deadline(case.sign_due_at, local_today(now))}签收",
            case.content[:80], deadline_at=case.sign_due_at, now=now)
    for co in co_departments:
        _notify("co_dispatched", users_of_department(co.id, *HANDLING_ROLES), case,
                f"协办件 {case.tracking_no}", case.content[:80], deadline_at=case.reply_due_at,
                now=now)
    _tell_submitter(case, "dispatched", now)
    return case


def sign_case(case: Case, actor: User, now=None) -> Case:
    """Sign for a case (签收): dispatched → signed."""
    now = _now(now)
    _require_lead_handler(actor, case, "签收")
    _require_state(case, (CaseState.dispatched,), "签收")
    case.signed_at = now
    if case.assignee_id is None:
        case.assignee = actor
    _transition(case, CaseState.signed, actor, "sign", now=now, department_id=actor.department_id,
                data={"on_time": case.sign_due_at is None or now <= case.sign_due_at})
    return case


def return_case(case: Case, actor: User, reason: str, now=None) -> Case:
    """Send a misrouted case back to the office (退回), within the return window, with a reason."""
    now = _now(now)
    _require_lead_handler(actor, case, "退回")
    _require_state(case, (CaseState.dispatched, CaseState.signed), "退回")
    reason = _require_text(reason, "reason_required", "请填写退回理由", "reason",
                           max_length=REASON_MAX, label="退回理由")
    if case.return_due_at and now > case.return_due_at:
        _refuse("deadline_passed",
                f"退回时限已过（{format_deadline(case.return_due_at, local_today(now))}），请办理或申请延期")
    case.returned_at = now
    case.return_count += 1
    case.assignee = None
    _withdraw_pending_extension(case, actor, "案件已退回，延期申请作废", now)
    _transition(case, CaseState.returned, actor, "return", now=now, note=reason,
                department_id=actor.department_id)
    _notify("returned", dispatchers(), case,
            f"案件被退回 {case.tracking_no}", f"{actor.department.name}：{reason}",
            deadline_at=now, now=now)
    return case


def request_extension(case: Case, actor: User, days: int, reason: str, now=None):
    """Ask for more working days before the handling deadline runs out (延期申请)."""
    now = _now(now)
    _require_lead_handler(actor, case, "申请延期")
    _require_state(case, (CaseState.signed,), "申请延期")
    reason = _require_text(reason, "reason_required", "请填写延期理由", "reason",
                           max_length=REASON_MAX, label="延期理由")
    maximum = get_limit("extension_max").amount
    try:
        days = int(days)
    except (TypeError, ValueError):
        days = 0
    if not 1 <= days <= maximum:
        _refuse("invalid_input", f"延期天数应为1至{maximum}个工作日", 400, "days")
    if case.reply_due_at and now >= case.reply_due_at:
        _refuse("deadline_passed", "办理时限已过，不能再申请延期")
    if any(r.status is ExtensionStatus.pending for r in case.extension_requests):
        _refuse("extension_pending", "已有一项延期申请等待审批")
    request = ExtensionRequest(case=case, requested_by=actor, days=days, reason=reason,
                               requested_at=now)
    db.session.add(request)
    _record(case, actor, "request_extension", note=reason, data={"days": days},
            department_id=actor.department_id, now=now)
    _notify("extension_requested", dispatchers(), case,
            f"延期申请 {case.tracking_no}（{days}个工作日）", reason, deadline_at=now, now=now)
    return request


def _pending_extension(case: Case) -> ExtensionRequest:
    for request in case.extension_requests:
        if request.status is ExtensionStatus.pending:
            return request
    _refuse("no_pending_extension", "该案件没有待审批的延期申请")


def approve_extension(case: Case, actor: User, note=None, now=None) -> ExtensionRequest:
    """Approve the pending extension: the handling deadline moves by its working days."""
    now = _now(now)
    _require_role(actor, OFFICE_ROLES, "审批延期")
    _require_state(case, (CaseState.signed,), "审批延期")
    request = _pending_extension(case)
    note = _limit_text(note, DECISION_NOTE_MAX, "审批意见", "note")
    calendar = WorkCalendar.from_database()
    case.reply_due_at = calendar.add_workdays(case.reply_due_at, request.days)
    case.extension_count += 1
    request.status = ExtensionStatus.approved
    request.decided_by, request.decided_at = actor, now
    request.decision_note = note
    request.new_reply_due_at = case.reply_due_at
    _record(case, actor, "approve_extension", note=request.decision_note,
            data={"days": request.days, "reply_due_at": case.reply_due_at.isoformat()}, now=now)
    _notify("extension_decided", [request.requested_by], case,
            f"延期已批准 {case.tracking_no}", f"新的办理时限：{format_deadline(case.reply_due_at, local_today(now))}",
            deadline_at=case.reply_due_at, now=now)
    return request


def refuse_extension(case: Case, actor: User, reason: str, now=None) -> ExtensionRequest:
    now = _now(now)
    _require_role(actor, OFFICE_ROLES, "审批延期")
    _require_state(case, (CaseState.signed,), "审批延期")
    request = _pending_extension(case)
    reason = _require_text(reason, "reason_required", "请填写不予延期的理由", "reason",
                           max_length=DECISION_NOTE_MAX, label="不予延期的理由")
    request.status = ExtensionStatus.refused
    request.decided_by, request.decided_at, request.decision_note = actor, now, reason
    _record(case, actor, "refuse_extension", note=reason, data={"days": request.days}, now=now)
    _notify("extension_decided", [request.requested_by], case,
            f"延期未获批准 {case.tracking_no}", reason, deadline_at=now, now=now)
    return request


def reply_to_case(case: Case, actor: User, content: str, attachments=(), now=None) -> Reply:
    """Answer the submitter (答复): signed → replied. Only the lead department replies."""
    now = _now(now)
    _require_lead_handler(actor, case, "答复")
    _require_state(case, (CaseState.signed,), "答复")
    content = _require_text(content, "content_required", "请填写答复内容", "content",
                            max_length=REPLY_MAX, label="答复内容")
    reply = Reply(case=case, author=actor, department_id=actor.department_id, content=content,
                  is_public=True, created_at=now)
    db.session.add(reply)
    for attachment in attachments:
        attachment.case = case
        attachment.reply = reply
        db.session.add(attachment)
    case.replied_at = now
    case.first_replied_at = case.first_replied_at or now
    _withdraw_pending_extension(case, actor, "已答复，延期申请不再需要", now)
    _fix_handling_time(case)
    _transition(case, CaseState.replied, actor, "reply", now=now, note=content,
                department_id=actor.department_id,
                data={"on_time": case.reply_due_at is None or now <= case.reply_due_at})
    if record_rework_feedback(case, reply, actor, now) is None:
        _tell_submitter(case, "replied", now)
    return reply


def add_co_opinion(case: Case, actor: User, content: str, now=None) -> Reply:
    """A co-department's part of a joint case (协办意见): internal, the lead replies publicly."""
    now = _now(now)
    _require_role(actor, HANDLING_ROLES, "填写协办意见")
    if actor.department_id not in {cd.department_id for cd in case.co_departments}:
        _refuse("not_your_department", "您所在的部门不是该案件的协办部门", status=403)
    _require_state(case, (CaseState.dispatched, CaseState.signed), "填写协办意见")
    content = _require_text(content, "content_required", "请填写协办意见", "content",
                            max_length=REPLY_MAX, label="协办意见")
    reply = Reply(case=case, author=actor, department_id=actor.department_id, content=content,
                  is_public=False, created_at=now)
    db.session.add(reply)
    _record(case, actor, "co_opinion", note=content, department_id=actor.department_id, now=now)
    _notify("co_opinion", _lead_team(case), case, f"协办意见 {case.tracking_no}", content[:80],
            deadline_at=now, now=now)
    return reply


def open_loop(case: Case) -> CaseRating | None:
    """The case's running 差评 loop: its first 差评 (with deadlines) not yet followed by the
    one 追评. Ratings copied from before the loop existed (migration 0030) start none."""
    loop = None
    for row in case.rating_history:
        if row.is_follow_up:
            loop = None
        elif row.starts_loop and row.callback_due_at is not None:
            loop = row
    return loop


def _reason_tags(rating: Rating, tags, comment: str | None) -> list[str] | None:
    """The reason of a 差评: at least one tag (其他 with words); none is kept for a good rating."""
    if rating.is_satisfied:
        return None
    names = []
    for tag in tags or ():
        name = tag.name if isinstance(tag, ReasonTag) else str(tag)
        if name not in ReasonTag.__members__:
            _refuse("invalid_input", "评价原因无法识别，请重新选择", 400, "tags")
        if name not in names:
            names.append(name)
    if not names:
        _refuse("reason_required",
                f"选择“{rating.label}”时，请至少选择一项原因（办理不及时、未解决问题、态度不好、"
                "答复不清楚或其他）", 400, "tags")
    if names == [ReasonTag.other.name] and not comment:
        _refuse("reason_required", "选择“其他”时，请写明不满意的原因", 400, "comment")
    return names


def rate_case(case: Case, rating: Rating, comment=None, actor: User | None = None,
              now=None, *, tags=(), channel: RatingChannel | None = None) -> Case:
    """Rate the answer (好差评). Only the enterprise rates: from its card's phone or the status
    page (actor None), or by phone to the office's 12345 staff, who record it (actor: an office
    role; the channel is then always 12345电话). Every rating is a row of `ratings` with its
    channel and time; the case's rating columns are the latest one (the figures read them).

    A satisfied rating closes the case. A first 差评 (不满意, 非常不满意: a reason is required)
    reopens it for rework (重办) and starts the office's check: 回访 within the `callback`
    limit, the department's 整改 within the `rework` limit (the reopened case's handling
    deadline), whose next reply is the 整改反馈. The 追评 after it — the one follow-up
    rating — closes the case whatever its level."""
    now = _now(now)
    if actor is not None:
        _require_role(actor, OFFICE_ROLES, "录入企业电话评价")
        channel = RatingChannel.phone
    _require_state(case, (CaseState.replied,), "评价")
    if not isinstance(rating, Rating):
        _refuse("invalid_input", "请选择满意度", 400, "rating")
    comment = _limit_text(comment, RATING_COMMENT_MAX, "评价意见", "comment")
    tags = _reason_tags(rating, tags, comment)
    loop = open_loop(case)
    follow_up = loop is not None
    row = CaseRating(case=case, level=rating, tags=tags, comment=comment,
                     channel=channel or RatingChannel.status_page, recorded_by=actor,
                     rated_at=now, is_follow_up=follow_up)
    db.session.add(row)
    case.rating = rating
    case.rating_comment = comment
    case.rated_at = now
    case.rating_excluded = False
    label = None if actor else SUBMITTER
    data = {"rating": rating.name, "channel": row.channel.name}
    if tags:
        data["tags"] = tags
    if rating.is_satisfied or follow_up:
        case.closed_at = now
        case.closed_unrated = False
        _transition(case, CaseState.closed, actor, "follow_up_rate" if follow_up else "rate",
                    now=now, actor_label=label, note=case.rating_comment, data=data,
                    department_id=case.lead_department_id)
        _tell_submitter(case, "closed", now)
        return case
    calendar = WorkCalendar.from_database()
    row.callback_due_at = case.callback_due_at = apply_limit(now, "callback", calendar)
    row.rework_due_at = case.rework_due_at = apply_limit(now, "rework", calendar)
    case.complaint_at = now
    case.callback_at = case.rework_feedback_at = None
    case.reopen_count += 1
    case.handling_seconds = None  # the answer stands no more; the next reply sets it
    data.update(reopened=True, callback_due_at=case.callback_due_at.isoformat(),
                rework_due_at=case.rework_due_at.isoformat())
    reason = case.rating_comment or "、".join(row.tag_labels)
    _notify("callback_due", dispatchers(), case, f"差评待回访 {case.tracking_no}",
            f"{rating.label}：{reason}。请在{format_deadline(case.callback_due_at, local_today(now))}回访企业",
            deadline_at=case.callback_due_at, now=now)
    if case.lead_department_id is None:  # answered at intake: back to the dispatch queue
        _transition(case, CaseState.submitted, actor, "rate", now=now, actor_label=label,
                    note=case.rating_comment, data=data)
        _notify("reopened", dispatchers(), case,
                f"不满意重办 {case.tracking_no}", reason, now=now, deadline_at=now)
        _tell_submitter(case, "reopened", now)
        return case
    case.reply_due_at = case.rework_due_at
    data["reply_due_at"] = case.reply_due_at.isoformat()
    _transition(case, CaseState.signed, actor, "rate", now=now, actor_label=label,
                note=case.rating_comment, department_id=case.lead_department_id, data=data)
    _notify("reopened", _lead_team(case), case, f"差评整改 {case.tracking_no}",
            f"{rating.label}：{reason}。请在{format_deadline(case.rework_due_at, local_today(now))}整改并反馈",
            deadline_at=case.reply_due_at, now=now)
    _tell_submitter(case, "reopened", now)
    return case


def record_rework_feedback(case: Case, reply: Reply, actor: User, now) -> CaseRating | None:
    """The first public answer after a 差评 is its 整改反馈: stamp it on the loop and audit it.

    The one place a 整改反馈 is recorded (reply_to_case and answer_now call it), and so the
    one place the enterprise is told of it (SMS 整改反馈 instead of the plain 已答复)."""
    loop = open_loop(case)
    if loop is None or loop.rework_feedback_at is not None:
        return None
    loop.rework_feedback_at = case.rework_feedback_at = now
    loop.rework_reply = reply
    on_time = loop.rework_due_at is None or now <= loop.rework_due_at
    _record(case, actor, "rework_feedback", note=reply.content[:200],
            department_id=actor.department_id, now=now, data={"on_time": on_time})
    _tell_submitter(case, "rectified", now)
    return loop


def close_unrated(case: Case, now=None, actor: User | None = None) -> Case:
    """Close a replied case nobody rated within the configured working days (scheduler).

    `actor` None is the scheduler; a person doing it by hand needs an office role."""
    now = _now(now)
    if actor is not None:
        _require_role(actor, OFFICE_ROLES, "办结未评价案件")
    _require_state(case, (CaseState.replied,), "自动办结")
    due = apply_limit(case.replied_at, "close_unrated", WorkCalendar.from_database())
    if now < due:
        _refuse("not_yet_due", f"{format_deadline(due, local_today(now))}仍可评价，尚不能自动办结")
    case.closed_at = now
    case.closed_unrated = True
    _transition(case, CaseState.closed, actor, "close_unrated", now=now,
                note="答复后超过评价期限未评价，自动办结")
    _tell_submitter(case, "closed", now)
    return case


ESCALATABLE_STATES = (CaseState.submitted, CaseState.dispatched, CaseState.signed,
                      CaseState.returned)


def urge_case(case: Case, actor: User | None = None, note=None, deadline_at=None,
              now=None) -> Case:
    """Urge (催办): escalation level 1, to the department head, the assignee and the office."""
    now = _now(now)
    if actor is not None:
        _require_role(actor, OFFICE_ROLES, "催办")
    _require_state(case, ESCALATABLE_STATES, "催办")
    note = _limit_text(note, NOTE_MAX, "催办说明", "note")
    case.escalation_level = max(case.escalation_level, 1)
    case.last_urged_at = now
    _record(case, actor, "urge", note=note, department_id=case.lead_department_id, now=now)
    recipients = (users_of_department(case.lead_department_id, Role.department_head)
                  + _lead_team(case) + list(dispatchers()))
    _notify("urge", recipients, case, f"催办 {case.tracking_no}",
            note or "该案件已到办理时限，请抓紧办理", deadline_at=deadline_at or now, now=now)
    return case


def supervise_case(case: Case, actor: User | None = None, note=None, deadline_at=None,
                   now=None) -> Case:
    """Supervise (挂牌督办): escalation level 2, to the package leader, the supervisors and
    the 纪委监委 (a copy for its list of 挂牌督办 cases)."""
    now = _now(now)
    if actor is not None:
        _require_role(actor, OFFICE_ROLES, "督办")
    _require_state(case, ESCALATABLE_STATES, "督办")
    note = _limit_text(note, NOTE_MAX, "督办说明", "note")
    case.escalation_level = max(case.escalation_level, 2)
    _record(case, actor, "supervise", note=note, department_id=case.lead_department_id, now=now)
    leader = case.enterprise.package_leader if case.enterprise else None
    recipients = ([leader] if leader else []) + users_with_role(Role.supervisor, Role.discipline) \
        + users_of_department(case.lead_department_id, Role.department_head)
    _notify("supervise", recipients, case, f"挂牌督办 {case.tracking_no}",
            note or "该案件逾期未办结，已挂牌督办", deadline_at=deadline_at or now, now=now)
    return case


def mark_invalid(case: Case, actor: User, reason: str, now=None) -> Case:
    """Close spam or a duplicate as invalid (无效), with a reason; excluded from every rate."""
    now = _now(now)
    _require_role(actor, OFFICE_ROLES, "标记无效")
    _require_state(case, (CaseState.submitted,), "标记无效")
    reason = _require_text(reason, "reason_required", "请填写无效原因", "reason",
                           max_length=INVALID_REASON_MAX, label="无效原因")
    case.invalid_reason = reason
    case.invalidated_at = now
    _transition(case, CaseState.invalid, actor, "mark_invalid", now=now, note=reason)
    return case


def reassign_case(case: Case, actor: User, assignee: User, now=None) -> Case:
    """Give the case to another handler of the same department (department heads only)."""
    now = _now(now)
    _require_role(actor, (Role.department_head,), "改派承办人")
    if actor.department_id != case.lead_department_id:
        _refuse("not_your_department", "该案件不属于您所在的部门", status=403)
    _require_state(case, (CaseState.dispatched, CaseState.signed), "改派")
    if (assignee is None or assignee.department_id != actor.department_id
            or assignee.role not in HANDLING_ROLES or not assignee.is_active):
        _refuse("invalid_input", "只能改派给本部门的承办人", 400, "assignee")
    previous = case.assignee
    case.assignee = assignee
    _record(case, actor, "reassign", department_id=actor.department_id,
            note=f"{previous.display_name if previous else '未指定'} → {assignee.display_name}",
            data={"assignee": assignee.username}, now=now)
    _notify("reassigned", [assignee], case, f"改派给您 {case.tracking_no}", case.content[:80],
            deadline_at=case.reply_due_at or case.sign_due_at, now=now)
    return case


def reveal_contact(case: Case, actor: User, now=None) -> str | None:
    """Show the submitter's full phone number to staff; every look is audited (PIPL)."""
    _record(case, actor, "reveal_contact", department_id=actor.department_id, now=_now(now))
    return case.contact_phone
