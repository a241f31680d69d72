"""Every change of a field record: one function per action, called by the pages, the API, the
CLI, the demo and the scheduler alike.

Each checks role and input, changes the rows, writes an audit event and flushes; the caller
commits once, so a visit and the cases it found are one transaction. Refusals are
CaseActionError (a Chinese message, a status, the field), raised before the first write.
"""
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select

from app.auth.models import Role, User
from app.auth.queries import HANDLING_ROLES, OFFICE_ROLES
from app.cases import operations as case_ops
from app.cases.errors import CaseActionError
from app.cases.models import AuditEvent, Case, CaseSource, Category
from app.core.clock import local_today, utcnow
from app.departments.models import Department
from app.enterprises.models import Enterprise
from app.extensions import db
from app.field.models import (
    FindingOutcome, HelpMeasure, ItemState, ServiceAssignment, ServiceTeam, SupervisionFinding,
    SupervisionKind, SupervisionVisit, TeamMembership, Visit, VisitCase, VisitLevel,
    VisitParticipant, VisitPhoto, running_between)
from app.media.operations import PreparedMedia

HEARD_MAX = 5000  # what was heard on a visit, a supervision visit's summary
ITEM_MAX = 2000  # a help measure, a finding
COMPANIONS_MAX = Visit.__table__.c.companions.type.length
RESULT_MAX = HelpMeasure.__table__.c.done_note.type.length
TEAM_NAME_MAX = ServiceTeam.__table__.c.name.type.length
MAX_ISSUES = 10  # issues one visit may enter as cases
DISCIPLINE_ROLES = (Role.discipline,)
ADMIN_ROLES = (Role.admin,)


def _refuse(code, message, status=400, field=None):
    raise CaseActionError(code, message, status=status, field=field)


def _require_role(actor: User | None, roles, what: str):
    if actor is None or actor.role not in roles:
        _refuse("wrong_role", f"您的角色无权{what}", 403)


def _text(value, field, label, max_length, *, required=True, min_length=1) -> str | None:
    value = case_ops.CONTROL_RE.sub("", (value or "")).strip()
    if not value:
        if required:
            _refuse("invalid_input", f"请填写{label}", field=field)
        return None
    if len(value) < min_length:
        _refuse("invalid_input", f"{label}至少{min_length}个字", field=field)
    if len(value) > max_length:
        _refuse("too_long", f"{label}不能超过{max_length}字，当前{len(value)}字", field=field)
    return value


def _past_date(day: date | None, field: str, label: str, now=None) -> date:
    if day is None:
        _refuse("invalid_input", f"请填写{label}", field=field)
    if day > local_today(now):
        _refuse("invalid_input", f"{label}不能晚于今天", field=field)
    return day


def _audit(actor: User | None, action: str, note: str | None = None, data: dict | None = None,
           *, case=None, department_id=None, now=None):
    db.session.add(AuditEvent(case=case, actor=actor, actor_label=actor.display_name if actor
                              else case_ops.SYSTEM, action=action, note=note, data=data,
                              department_id=department_id, created_at=now or utcnow()))


def _check_end(row, ends_on: date | None, ended: str, before: str):
    """What ending a dated row (pair, team, membership) on `ends_on` needs."""
    if row.ends_on is not None:
        _refuse("wrong_state", ended, 409)
    if ends_on is None:
        _refuse("invalid_input", "请填写结束日期", field="ends_on")
    if ends_on < row.starts_on:
        _refuse("invalid_input", before, field="ends_on")


# --- 包联 assignments ----------------------------------------------------------------------

def current_assignment(enterprise: Enterprise, day: date) -> ServiceAssignment | None:
    return db.session.execute(
        select(ServiceAssignment).where(ServiceAssignment.enterprise_id == enterprise.id,
                                        running_between(ServiceAssignment, day))
        .order_by(ServiceAssignment.starts_on.desc(), ServiceAssignment.id.desc())).scalars().first()


def _sync_enterprise(enterprise: Enterprise, now=None):
    """The enterprise's own columns (package_leader_id, responsible_department_id), which the
    case pages and visibility read, follow the assignment running today."""
    running = current_assignment(enterprise, local_today(now))
    enterprise.package_leader_id = running.leader_id if running else None
    if running is not None:
        enterprise.responsible_department_id = running.department_id
        enterprise.is_key_enterprise = True


def assign_enterprise(actor: User | None, enterprise: Enterprise, leader: User,
                      department: Department | None, liaison: User | None, starts_on: date,
                      now=None) -> ServiceAssignment:
    """A new 包联 pair from `starts_on`; the enterprise's running one ends the day before
    (kept as history). `actor` None: the demo or the CLI."""
    if actor is not None:
        _require_role(actor, ADMIN_ROLES, "设置包联关系")
    if enterprise is None:
        _refuse("invalid_input", "请选择企业", field="enterprise")
    if leader is None or leader.role is not Role.leader or not leader.is_active:
        _refuse("invalid_input", "包联领导须为在用的“包联领导”账号", field="leader")
    if department is not None and not department.is_active:
        _refuse("invalid_input", "责任部门已停用", field="department")
    if liaison is not None and not liaison.is_active:
        _refuse("invalid_input", "联络员账号已停用", field="liaison")
    if starts_on is None:
        _refuse("invalid_input", "请填写开始日期", field="starts_on")
    later = db.session.execute(select(ServiceAssignment.id).where(
        ServiceAssignment.enterprise_id == enterprise.id,
        ServiceAssignment.starts_on >= starts_on)).first()
    if later is not None:
        _refuse("invalid_input", "该企业已有同日或更晚开始的包联关系，请先结束或调整后再设置",
                field="starts_on")
    running = current_assignment(enterprise, starts_on)
    if running is not None:
        running.ends_on = date.fromordinal(starts_on.toordinal() - 1)
    assignment = ServiceAssignment(enterprise=enterprise, leader=leader, department=department,
                                   liaison=liaison, starts_on=starts_on, created_at=now or utcnow())
    db.session.add(assignment)
    db.session.flush()
    _sync_enterprise(enterprise, now)
    _audit(actor, "assign_enterprise", f"{enterprise.name}：{leader.display_name}"
           f"{'、' + department.name if department else ''}，{starts_on.isoformat()}起",
           {"assignment_id": assignment.id}, now=now)
    return assignment


def end_assignment(actor: User | None, assignment: ServiceAssignment, ends_on: date,
                   now=None) -> ServiceAssignment:
    """End a pair on `ends_on` (its last day); the row stays as history."""
    if actor is not None:
        _require_role(actor, ADMIN_ROLES, "结束包联关系")
    _check_end(assignment, ends_on, "该包联关系已结束", "结束日期不能早于开始日期")
    assignment.ends_on = ends_on
    db.session.flush()
    _sync_enterprise(assignment.enterprise, now)
    _audit(actor, "end_assignment", f"{assignment.enterprise.name}：{assignment.leader.display_name}"
           f"，至{ends_on.isoformat()}", {"assignment_id": assignment.id}, now=now)
    return assignment


# --- 7+N service teams ---------------------------------------------------------------------

def create_team(actor: User | None, name: str, department: Department, is_lead: bool,
                starts_on: date, now=None) -> ServiceTeam:
    if actor is not None:
        _require_role(actor, ADMIN_ROLES, "设置服务团")
    name = _text(name, "name", "服务团名称", TEAM_NAME_MAX)
    if department is None:
        _refuse("invalid_input", "请选择牵头部门", field="department")
    if starts_on is None:
        _refuse("invalid_input", "请填写开始日期", field="starts_on")
    if db.session.execute(select(ServiceTeam.id).where(ServiceTeam.name == name)).first():
        _refuse("invalid_input", f"已有名为“{name}”的服务团", field="name")
    team = ServiceTeam(name=name, department=department, is_lead=bool(is_lead),
                       starts_on=starts_on, created_at=now or utcnow())
    db.session.add(team)
    db.session.flush()
    _audit(actor, "create_team", name, {"team_id": team.id}, now=now)
    return team


def end_team(actor: User | None, team: ServiceTeam, ends_on: date, now=None) -> ServiceTeam:
    if actor is not None:
        _require_role(actor, ADMIN_ROLES, "撤销服务团")
    _check_end(team, ends_on, "该服务团已撤销", "结束日期不能早于开始日期")
    team.ends_on = ends_on
    for membership in team.memberships:
        if membership.ends_on is None or membership.ends_on > ends_on:
            membership.ends_on = max(ends_on, membership.starts_on)
    _audit(actor, "end_team", f"{team.name}，至{ends_on.isoformat()}", {"team_id": team.id}, now=now)
    return team


def add_team_member(actor: User | None, team: ServiceTeam, user: User, starts_on: date,
                    now=None) -> TeamMembership:
    if actor is not None:
        _require_role(actor, ADMIN_ROLES, "调整服务团成员")
    if user is None or not user.is_active:
        _refuse("invalid_input", "请选择在用的账号", field="user")
    if starts_on is None:
        _refuse("invalid_input", "请填写开始日期", field="starts_on")
    if team.ends_on is not None:
        _refuse("wrong_state", "该服务团已撤销", 409)
    if any(m.user_id == user.id and m.ends_on is None for m in team.memberships):
        _refuse("invalid_input", f"{user.display_name}已是该服务团成员", field="user")
    membership = TeamMembership(team=team, user=user, starts_on=max(starts_on, team.starts_on))
    db.session.add(membership)
    db.session.flush()
    _audit(actor, "add_team_member", f"{team.name}：{user.display_name}",
           {"team_id": team.id, "user_id": user.id}, now=now)
    return membership


def end_team_member(actor: User | None, membership: TeamMembership, ends_on: date,
                    now=None) -> TeamMembership:
    if actor is not None:
        _require_role(actor, ADMIN_ROLES, "调整服务团成员")
    _check_end(membership, ends_on, "该成员已离开服务团", "结束日期不能早于加入日期")
    membership.ends_on = ends_on
    _audit(actor, "end_team_member", f"{membership.team.name}：{membership.user.display_name}",
           {"team_id": membership.team_id, "user_id": membership.user_id}, now=now)
    return membership


# --- visits (走访) ---------------------------------------------------------------------------

@dataclass
class Issue:
    """An issue heard on a visit, to become a case."""
    category: Category | None
    content: str


def check_issues(issues, what: str) -> list[Issue]:
    """The issues typed (blank rows dropped), each with a category and a case's length of
    content, at most MAX_ISSUES of them (`what`: "一次走访" …, for the message)."""
    issues = [issue for issue in issues if (issue.content or "").strip() or issue.category]
    if len(issues) > MAX_ISSUES:
        _refuse("invalid_input", f"{what}最多录入{MAX_ISSUES}个问题", field="issues")
    for number, issue in enumerate(issues, start=1):
        if issue.category is None:
            _refuse("invalid_input", f"请为第{number}个问题选择问题类别", field="issues")
        content = (issue.content or "").strip()
        if len(content) < case_ops.CONTENT_MIN or len(content) > case_ops.CONTENT_MAX:
            _refuse("invalid_input", f"第{number}个问题的内容应为{case_ops.CONTENT_MIN}～"
                    f"{case_ops.CONTENT_MAX}字", field="issues")
    return issues


def check_photos(photos):
    if len(photos) > current_app.config["MAX_PHOTOS"]:
        _refuse("too_many_photos", f"最多上传{current_app.config['MAX_PHOTOS']}张照片",
                field="attachments")


def attach_photos(photos, make):
    """Add a photo row made by `make(**media columns)` for each of `photos` (pending uploads
    of a staff form, which this uses up, or PreparedMedia)."""
    for photo in photos:
        media = photo if isinstance(photo, PreparedMedia) else PreparedMedia.of_upload(photo)
        db.session.add(make(**media.as_row()))
        if not isinstance(photo, PreparedMedia):
            db.session.delete(photo)


def teams_of(user: User, day: date) -> list[ServiceTeam]:
    """The service teams `user` is in on `day`."""
    return list(db.session.execute(
        select(ServiceTeam).join(TeamMembership, TeamMembership.team_id == ServiceTeam.id)
        .where(TeamMembership.user_id == user.id, running_between(TeamMembership, day))
        .order_by(ServiceTeam.id)).scalars())


def may_record_visit(user: User, enterprise: Enterprise | None, day: date) -> bool:
    """A leader, the office, a member of a service team, or the enterprise's liaison."""
    if user.role is Role.leader or user.role in OFFICE_ROLES:
        return True
    if user.role not in HANDLING_ROLES:
        return False
    if teams_of(user, day):
        return True
    running = current_assignment(enterprise, day) if enterprise is not None else None
    return running is not None and running.liaison_id == user.id


def record_visit(actor: User, *, enterprise: Enterprise | None, visited_on: date | None,
                 level: VisitLevel | None, heard: str, team: ServiceTeam | None = None,
                 companions: str | None = None, with_leader: bool = False,
                 issues: list[Issue] = (), contact_name: str | None = None,
                 contact_phone: str | None = None, photos: list = (), now=None
                 ) -> tuple[Visit, list[Case]]:
    """Record a visit and enter each issue heard as a case (source `visit`, linked to the
    visit, in the dispatch pool). `photos` are pending uploads of the visit form (or
    PreparedMedia). `with_leader`: the enterprise's 包联 leader went too (a participant).
    All or nothing: every check comes before the first write."""
    now = now or utcnow()
    if enterprise is None:
        _refuse("invalid_input", "请选择走访的企业", field="enterprise")
    visited_on = _past_date(visited_on, "visited_on", "走访日期", now)
    if not may_record_visit(actor, enterprise, visited_on):
        _refuse("wrong_role", "只有包联领导、服务团成员、联络员或营商办可以登记走访", 403)
    if level is None:
        _refuse("invalid_input", "请选择走访层级", field="level")
    heard = _text(heard, "heard", "走访了解的情况", HEARD_MAX, min_length=5)
    companions = _text(companions, "companions", "同行人员", COMPANIONS_MAX, required=False)
    if team is not None:
        if not team.is_active_on(visited_on):
            _refuse("invalid_input", "该服务团在走访日期不在运行", field="team")
        if actor.role not in OFFICE_ROLES and team not in teams_of(actor, visited_on):
            _refuse("invalid_input", "您不是该服务团的成员，不能以服务团名义登记", field="team")
    issues = check_issues(issues, "一次走访")
    anonymous = False
    if issues:
        phone = (contact_phone or "").strip().replace(" ", "").replace("-", "")
        if not phone:
            anonymous = True  # nobody to call back: the case records no contact
        elif not case_ops.MOBILE_RE.match(phone):
            _refuse("invalid_input", "企业联系人手机号码应为11位手机号码（不填则不记录联系方式）",
                    field="contact_phone")
    check_photos(photos)
    leader = None
    if with_leader:
        running = current_assignment(enterprise, visited_on)
        if running is None:
            _refuse("invalid_input", "该企业在走访日期没有包联领导", field="with_leader")
        leader = running.leader

    visit = Visit(enterprise=enterprise, visited_on=visited_on, level=level, team=team,
                  recorded_by=actor, companions=companions, heard=heard, created_at=now)
    db.session.add(visit)
    for user in {u.id: u for u in (actor, leader) if u is not None}.values():
        db.session.add(VisitParticipant(visit=visit, user=user))
    attach_photos(photos, lambda **row: VisitPhoto(visit=visit, created_at=now, **row))
    db.session.flush()
    cases = []
    for issue in issues:
        case, _created = case_ops.submit_case(
            source=CaseSource.visit, category=issue.category, content=issue.content,
            actor=actor, enterprise=enterprise, contact_name=None if anonymous else contact_name,
            contact_phone=None if anonymous else contact_phone, is_anonymous=anonymous, now=now)
        db.session.add(VisitCase(visit=visit, case_id=case.id))
        _audit(actor, "from_visit", f"{visited_on.isoformat()} {level.label}走访{enterprise.name}时发现",
               {"visit_id": visit.id}, case=case, now=now)
        cases.append(case)
    _audit(actor, "record_visit", f"{enterprise.name}，{visited_on.isoformat()}，{level.label}，"
           f"发现问题{len(cases)}个", {"visit_id": visit.id}, now=now)
    db.session.flush()
    return visit, cases


# --- 一企一策 help measures -----------------------------------------------------------------

def may_plan_for(user: User, enterprise: Enterprise) -> bool:
    """The office, or the enterprise's 包联 leader."""
    return user.role in OFFICE_ROLES or (
        user.role is Role.leader and enterprise is not None
        and enterprise.package_leader_id == user.id)


def add_help_measure(actor: User | None, enterprise: Enterprise, content: str,
                     owner_department: Department | None, due_on: date | None,
                     owner_user: User | None = None, visit: Visit | None = None,
                     now=None) -> HelpMeasure:
    now = now or utcnow()
    if enterprise is None:
        _refuse("invalid_input", "请选择企业", field="enterprise")
    if actor is not None and not may_plan_for(actor, enterprise):
        _refuse("wrong_role", "只有营商办或该企业的包联领导可以制定帮扶措施", 403)
    content = _text(content, "content", "帮扶措施", ITEM_MAX, min_length=5)
    if owner_department is None or not owner_department.is_active:
        _refuse("invalid_input", "请选择责任部门", field="owner_department")
    if owner_user is not None and owner_user.department_id != owner_department.id:
        _refuse("invalid_input", "责任人须为责任部门的人员", field="owner_user")
    if due_on is None:
        _refuse("invalid_input", "请填写完成时限", field="due_on")
    if due_on < local_today(now):
        _refuse("invalid_input", "完成时限不能早于今天", field="due_on")
    measure = HelpMeasure(enterprise=enterprise, content=content, owner_department=owner_department,
                          owner_user=owner_user, due_on=due_on, visit=visit,
                          created_by_id=actor.id if actor else enterprise.package_leader_id,
                          state=ItemState.open, created_at=now)
    db.session.add(measure)
    db.session.flush()
    _audit(actor, "add_help_measure", f"{enterprise.name}：{content[:60]}（{owner_department.name}，"
           f"{due_on.isoformat()}前）", {"measure_id": measure.id}, now=now,
           department_id=owner_department.id)
    return measure


def may_complete(user: User, measure: HelpMeasure) -> bool:
    return (user.role in OFFICE_ROLES or user.id == measure.owner_user_id
            or (user.role in HANDLING_ROLES and user.department_id == measure.owner_department_id)
            or (user.role is Role.leader and measure.enterprise.package_leader_id == user.id))


def complete_help_measure(actor: User, measure: HelpMeasure, note: str, now=None) -> HelpMeasure:
    now = now or utcnow()
    if not may_complete(actor, measure):
        _refuse("wrong_role", "只有责任部门、责任人、包联领导或营商办可以销号", 403)
    if measure.state is ItemState.done:
        _refuse("wrong_state", "该措施已完成", 409)
    note = _text(note, "note", "完成情况", RESULT_MAX)
    measure.state, measure.done_at, measure.done_note = ItemState.done, now, note
    _audit(actor, "complete_help_measure", f"{measure.enterprise.name}：{note}",
           {"measure_id": measure.id}, now=now, department_id=measure.owner_department_id)
    return measure


# --- 纪委监委 supervision visits ------------------------------------------------------------

@dataclass
class Finding:
    """A finding as entered: `outcome` decides what else it needs (a category for a case; an
    owner department and a due date for a 问题线索)."""
    content: str
    outcome: FindingOutcome = FindingOutcome.noted
    category: Category | None = None
    owner_department: Department | None = None
    owner_user: User | None = None
    due_on: date | None = None


def _check_finding(number: int, finding: Finding, today: date):
    content = (finding.content or "").strip()
    if len(content) < case_ops.CONTENT_MIN or len(content) > ITEM_MAX:
        _refuse("invalid_input", f"第{number}条发现的问题应为{case_ops.CONTENT_MIN}～{ITEM_MAX}字",
                field="findings")
    if finding.outcome is FindingOutcome.case and finding.category is None:
        _refuse("invalid_input", f"第{number}条转为案件，请选择问题类别", field="findings")
    if finding.outcome is FindingOutcome.clue:
        if finding.owner_department is None:
            _refuse("invalid_input", f"第{number}条问题线索，请选择责任单位", field="findings")
        if finding.due_on is None or finding.due_on < today:
            _refuse("invalid_input", f"第{number}条问题线索，请填写不早于今天的办理时限",
                    field="findings")
        if finding.owner_user is not None and finding.owner_user.department_id != finding.owner_department.id:
            _refuse("invalid_input", f"第{number}条问题线索的责任人须为责任单位的人员",
                    field="findings")


def record_supervision_visit(actor: User, *, kind: SupervisionKind | None,
                             department: Department | None, visited_on: date | None,
                             summary: str, findings: list[Finding] = (), now=None
                             ) -> SupervisionVisit:
    """A 暗访 / 调研 / 体验式 visit to a service unit with its findings; a finding becomes a
    case (source `discipline`, in the dispatch pool) or a 问题线索, in the same transaction."""
    now = now or utcnow()
    _require_role(actor, DISCIPLINE_ROLES, "登记监督走访")
    if kind is None:
        _refuse("invalid_input", "请选择监督方式", field="kind")
    if department is None:
        _refuse("invalid_input", "请选择被监督的服务单位", field="department")
    visited_on = _past_date(visited_on, "visited_on", "走访日期", now)
    summary = _text(summary, "summary", "走访情况", HEARD_MAX, min_length=5)
    findings = [f for f in findings if (f.content or "").strip()]
    if len(findings) > MAX_ISSUES:
        _refuse("invalid_input", f"一次最多录入{MAX_ISSUES}条发现的问题", field="findings")
    for number, finding in enumerate(findings, start=1):
        _check_finding(number, finding, local_today(now))
    visit = SupervisionVisit(kind=kind, department=department, visited_on=visited_on,
                             recorded_by=actor, summary=summary, created_at=now)
    db.session.add(visit)
    db.session.flush()
    for finding in findings:
        row = SupervisionFinding(visit=visit, content=finding.content.strip(),
                                 outcome=finding.outcome, created_at=now)
        db.session.add(row)
        if finding.outcome is FindingOutcome.case:
            case, _created = case_ops.submit_case(
                source=CaseSource.discipline, category=finding.category, content=row.content,
                actor=actor, is_anonymous=True, now=now)
            row.case_id = case.id
            _audit(actor, "from_supervision", f"{kind.label}{department.name}时发现",
                   {"supervision_visit_id": visit.id}, case=case, now=now)
        elif finding.outcome is FindingOutcome.clue:
            row.owner_department, row.owner_user = finding.owner_department, finding.owner_user
            row.due_on, row.state = finding.due_on, ItemState.open
    _audit(actor, "record_supervision_visit", f"{kind.label}：{department.name}，"
           f"{visited_on.isoformat()}，发现问题{len(findings)}条", {"supervision_visit_id": visit.id},
           department_id=department.id, now=now)
    db.session.flush()
    return visit


def close_clue(actor: User, finding: SupervisionFinding, result: str, now=None) -> SupervisionFinding:
    """Close a 问题线索 with its result (核查处理情况)."""
    now = now or utcnow()
    _require_role(actor, DISCIPLINE_ROLES, "办结问题线索")
    if finding.outcome is not FindingOutcome.clue:
        _refuse("wrong_state", "这条发现不是问题线索", 409)
    if finding.state is ItemState.done:
        _refuse("wrong_state", "该问题线索已办结", 409)
    result = _text(result, "result", "核查处理情况", RESULT_MAX)
    finding.state, finding.closed_at, finding.result = ItemState.done, now, result
    _audit(actor, "close_clue", result, {"finding_id": finding.id},
           department_id=finding.owner_department_id, now=now)
    return finding


def is_past(day: date | None, now: datetime | None = None) -> bool:
    """A due date passed (overdue from the day after it)."""
    return day is not None and day < local_today(now)
