"""《代表声音》: compile deputies' suggestions into a numbered bulletin; record each 批示.

Each function checks the role, changes the rows and flushes; the caller commits."""
from datetime import date

from sqlalchemy import select

from app.auth.models import User
from app.auth.queries import OFFICE_ROLES
from app.cases import operations as case_ops
from app.cases.errors import CaseActionError
from app.cases.models import AuditEvent, CaseSource, CaseState
from app.departments.models import Department
from app.core.clock import local_today, utcnow
from app.extensions import db
from app.figures.queries import DATE_RANGE_MESSAGE, date_in_range
from app.bulletins.models import Bulletin, BulletinItem

TITLE_MAX = Bulletin.__table__.c.title.type.length
LEADER_MAX = BulletinItem.__table__.c.instruction_leader.type.length
INSTRUCTION_MAX = 2000
ITEMS_MAX = 20


def _refuse(code, message, status=400, field=None):
    raise CaseActionError(code, message, status=status, field=field)


def _require_office(actor, what):
    if actor is None or actor.role not in OFFICE_ROLES:
        _refuse("wrong_role", f"您的角色无权{what}", 403)


def create_bulletin(actor: User, issue_no, title, issued_on: date | None, cases,
                    now=None) -> Bulletin:
    """A numbered bulletin (第N期) of deputies' suggestions, in the order given."""
    _require_office(actor, "编发《代表声音》")
    if isinstance(issue_no, bool) or not isinstance(issue_no, int) or not 1 <= issue_no <= 100000:
        _refuse("invalid_field", "期数应为1至100000之间的整数", field="issue_no")
    if db.session.execute(select(Bulletin.id).filter_by(issue_no=issue_no)).first():
        _refuse("duplicate", f"第{issue_no}期已存在", 409, "issue_no")
    if not isinstance(issued_on, date):
        _refuse("invalid_field", "请填写编发日期", field="issued_on")
    if not date_in_range(issued_on):
        _refuse("invalid_field", f"编发日期：{DATE_RANGE_MESSAGE}", field="issued_on")
    title = case_ops._limit_text(title, TITLE_MAX, "标题", "title") or f"代表声音（第{issue_no}期）"
    cases = list(dict.fromkeys(c for c in cases if c is not None))
    if not cases:
        _refuse("missing_field", "请至少选择一条代表建议", field="cases")
    if len(cases) > ITEMS_MAX:
        _refuse("too_many", f"每期最多{ITEMS_MAX}条建议", field="cases")
    for case in cases:
        if case.source is not CaseSource.deputy or case.state is CaseState.invalid:
            _refuse("invalid_field", f"{case.tracking_no}不是有效的代表委员建议", field="cases")
        if db.session.execute(select(BulletinItem.id).filter_by(case_id=case.id)).first():
            _refuse("duplicate", f"{case.tracking_no}已编入其他期", 409, "cases")
    bulletin = Bulletin(issue_no=issue_no, title=title, issued_on=issued_on, created_by=actor,
                        created_at=now or utcnow())
    for position, case in enumerate(cases, start=1):
        bulletin.items.append(BulletinItem(case=case, position=position))
    db.session.add(bulletin)
    db.session.flush()
    return bulletin


def record_instruction(item: BulletinItem, actor: User, instruction, leader, on: date | None,
                       department: Department | None = None, now=None) -> BulletinItem:
    """A leader's 批示 on a suggestion, kept on the item and in the case's timeline; with a
    department, a suggestion not yet dispatched goes to it at once."""
    _require_office(actor, "录入领导批示")
    now = now or utcnow()
    instruction = case_ops._require_text(instruction, "missing_field", "请填写批示内容",
                                         "instruction", max_length=INSTRUCTION_MAX,
                                         label="批示内容")
    leader = case_ops._require_text(leader, "missing_field", "请填写批示领导", "leader",
                                    max_length=LEADER_MAX, label="批示领导")
    if not isinstance(on, date):
        _refuse("missing_field", "请填写批示日期", field="on")
    if on > local_today(now):
        _refuse("invalid_field", "批示日期不能晚于今天", field="on")
    item.instruction, item.instruction_leader, item.instruction_on = instruction, leader, on
    item.instructed_at = now
    case = item.case
    db.session.add(AuditEvent(case=case, actor=actor, actor_label=actor.display_name,
                              action="leader_instruction", note=instruction, created_at=now,
                              data={"leader": leader, "on": on.isoformat(),
                                    "bulletin": item.bulletin.issue_no}))
    if department is not None and case.state in (CaseState.submitted, CaseState.returned):
        case_ops.dispatch_case(case, actor, department, now=now,
                               note=f"《代表声音》第{item.bulletin.issue_no}期，{leader}批示")
    db.session.flush()
    return item
