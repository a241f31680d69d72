"""The office's and the departments' steps of the 差评 loop: 回访 (the dispatcher's call),
its overdue escalation (the scheduler), and 申诉复核 (the department appeals, a dispatcher of
another department decides). The enterprise's ratings and the 整改反馈 are in
app.cases.operations (rate_case, record_rework_feedback), beside the state changes they
belong to. Each function checks role and department, writes its audit event and flushes;
the caller commits once."""
from app.auth.models import Role, User
from app.auth.queries import HANDLING_ROLES, OFFICE_ROLES, dispatchers, users_of_department, \
    users_with_role
from sqlalchemy import exists, select

from app.cases.models import AuditEvent, Case
from app.cases.operations import (
    _notify, _now, _record, _refuse, _require_role, _require_text, open_loop)
from app.core.clock import local_today
from app.core.timeutil import format_deadline, format_local
from app.extensions import db
from app.rating.models import AppealKind, AppealState, CaseRating

CALLBACK_NOTE_MAX = 500
EVIDENCE_MAX = 2000
DECISION_REASON_MAX = 500


def record_callback(case: Case, actor: User, reached: bool, note: str, now=None) -> CaseRating:
    """回访: the dispatcher called the enterprise about its 差评 — reached or not, what was said."""
    now = _now(now)
    _require_role(actor, OFFICE_ROLES, "登记差评回访")
    loop = open_loop(case)
    if loop is None:
        _refuse("no_complaint", "该案件没有待回访的差评")
    if loop.callback_at is not None:
        _refuse("already_done", f"该差评已于{format_local(loop.callback_at)}回访")
    note = _require_text(note, "note_required", "请填写回访情况（企业说了什么）", "note",
                         max_length=CALLBACK_NOTE_MAX, label="回访情况")
    loop.callback_at = case.callback_at = now
    loop.callback_by = actor
    loop.callback_reached = bool(reached)
    loop.callback_note = note
    on_time = now <= loop.callback_due_at
    _record(case, actor, "callback", note=note, now=now,
            data={"reached": bool(reached), "on_time": on_time})
    return loop


def callback_overdue(case: Case, now=None) -> CaseRating | None:
    """The scheduler: the 回访 deadline passed without a call — tell the office and supervisors."""
    now = _now(now)
    loop = open_loop(case)
    if loop is None or loop.callback_at is not None or now < loop.callback_due_at:
        return None
    # Once per 差评: a later phase change reschedules the case from its first point, and the
    # 回访's points stay on the timeline until the call is recorded.
    if db.session.scalar(select(exists().where(
            AuditEvent.case_id == case.id, AuditEvent.action == "callback_overdue",
            AuditEvent.created_at >= loop.rated_at))):
        return None
    due = format_deadline(loop.callback_due_at, local_today(now))
    _record(case, None, "callback_overdue", now=now, note=f"差评回访已超过时限（{due}）",
            data={"callback_due_at": loop.callback_due_at.isoformat()})
    _notify("callback_overdue", list(dispatchers()) + users_with_role(Role.supervisor), case,
            f"差评回访逾期 {case.tracking_no}", f"回访时限（{due}）已过，请尽快回访企业",
            deadline_at=loop.callback_due_at, now=now)
    return loop


def appealable_rating(case: Case) -> CaseRating | None:
    """The latest 差评 of the case, if it has not been appealed."""
    for row in reversed(case.rating_history):
        if row.is_bad:
            return row if row.appeal_state is AppealState.none else None
    return None


def pending_appeal(case: Case) -> CaseRating | None:
    return next((row for row in case.rating_history
                 if row.appeal_state is AppealState.pending), None)


def appeal_rating(case: Case, actor: User, kind, evidence: str, now=None) -> CaseRating:
    """申诉: the case's lead department says its latest 差评 is 误评 or 恶意差评, with evidence."""
    now = _now(now)
    _require_role(actor, HANDLING_ROLES, "申诉差评")
    if case.lead_department_id is None or actor.department_id != case.lead_department_id:
        _refuse("not_your_department", "只有承办该案件的部门可以申诉", status=403)
    row = appealable_rating(case)
    if row is None:
        _refuse("nothing_to_appeal", "该案件没有可申诉的差评（每条差评只能申诉一次）")
    if not isinstance(kind, AppealKind):
        _refuse("invalid_input", "请选择申诉类型（误评或恶意差评）", 400, "kind")
    evidence = _require_text(evidence, "evidence_required", "请填写申诉理由和证据", "evidence",
                             max_length=EVIDENCE_MAX, label="申诉理由和证据")
    row.appeal_state = AppealState.pending
    row.appeal_kind = kind
    row.appeal_evidence = evidence
    row.appeal_department_id = actor.department_id
    row.appealed_by = actor
    row.appealed_at = now
    _record(case, actor, "appeal_rating", note=evidence, department_id=actor.department_id,
            now=now, data={"kind": kind.name, "rating_id": row.id})
    _notify("appeal_rating", dispatchers(), case, f"差评申诉待复核 {case.tracking_no}",
            f"{kind.label}：{evidence[:80]}", deadline_at=now, now=now)
    return row


def decide_appeal(case: Case, actor: User, uphold: bool, reason: str, now=None) -> CaseRating:
    """复核: a dispatcher not of the appealing department upholds or rejects the appeal. An
    upheld appeal sets the rating aside: left out of 满意率 while it is the case's rating."""
    now = _now(now)
    _require_role(actor, OFFICE_ROLES, "复核差评申诉")
    row = pending_appeal(case)
    if row is None:
        _refuse("no_pending_appeal", "该案件没有待复核的申诉")
    if actor.department_id is not None and actor.department_id == row.appeal_department_id:
        _refuse("own_department", "不能复核本部门提出的申诉，请由其他部门的派单员复核",
                status=403)
    reason = _require_text(reason, "reason_required", "请填写复核理由", "reason",
                           max_length=DECISION_REASON_MAX, label="复核理由")
    row.appeal_state = AppealState.upheld if uphold else AppealState.rejected
    row.appeal_decided_by = actor
    row.appeal_decided_at = now
    row.appeal_decision_reason = reason
    if uphold:
        case.appeals_upheld += 1
        if case.rating_history and case.rating_history[-1] is row:
            case.rating_excluded = True
    _record(case, actor, "decide_appeal", note=reason, now=now,
            department_id=row.appeal_department_id,
            data={"upheld": bool(uphold), "rating_id": row.id})
    if row.appealed_by is not None:
        _notify("appeal_decided", [row.appealed_by] + users_of_department(
            row.appeal_department_id, Role.department_head), case,
            f"差评申诉{'成立' if uphold else '不成立'} {case.tracking_no}", reason,
            deadline_at=now, now=now)
    return row

