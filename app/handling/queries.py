"""What a handler sees: the to-do list by nearest deadline, the actions open to them now."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case as sql_case, func, or_, select

from app.auth.models import Role, User
from app.auth.queries import HANDLING_ROLES
from app.cases.models import Case, CaseDepartment, CaseState, ExtensionStatus
from app.cases.queries import visible_cases
from app.core.clock import utcnow
from app.extensions import db
from app.rating.operations import appealable_rating
from app.reminders.models import Notification

WORKING_STATES = (CaseState.dispatched, CaseState.signed)

# The deadline that matters now: signing while dispatched, replying once signed.
current_due_at = sql_case((Case.state == CaseState.dispatched, Case.sign_due_at),
                          else_=Case.reply_due_at)


def due_at(case: Case) -> datetime | None:
    """The deadline the case is working against now (None once replied or closed)."""
    if case.state is CaseState.dispatched:
        return case.sign_due_at
    if case.state is CaseState.signed:
        return case.reply_due_at
    return None


def is_rework(case: Case) -> bool:
    """Reworking a 差评 (整改): signed, the 整改 deadline running, no 整改反馈 yet."""
    return (case.state is CaseState.signed and case.rework_due_at is not None
            and case.rework_feedback_at is None and case.reply_due_at == case.rework_due_at)


def todo_cases(user: User) -> list[Case]:
    """The department's cases waiting for signature or a reply, plus joint cases it co-handles,
    nearest deadline first."""
    co = select(CaseDepartment.case_id).where(CaseDepartment.department_id == user.department_id)
    query = (visible_cases(user)
             .where(Case.state.in_(WORKING_STATES),
                    or_(Case.lead_department_id == user.department_id, Case.id.in_(co)))
             .order_by(current_due_at.asc(), Case.id))
    return list(db.session.execute(query).scalars())


def available_actions(case: Case, user: User, now: datetime | None = None) -> set[str]:
    """The buttons to show; the operations still decide (this only hides what they would refuse)."""
    now = now or utcnow()
    actions = set()
    if user.role not in HANDLING_ROLES:
        return actions
    is_lead = case.lead_department_id is not None and case.lead_department_id == user.department_id
    if is_lead:
        if case.state is CaseState.dispatched:
            actions.add("sign")
        if case.state in WORKING_STATES and (case.return_due_at is None or now <= case.return_due_at):
            actions.add("return")
        if case.state is CaseState.signed:
            actions.add("reply")
            pending = any(r.status is ExtensionStatus.pending for r in case.extension_requests)
            if not pending and (case.reply_due_at is None or now < case.reply_due_at):
                actions.add("extension")
        if user.role is Role.department_head and case.state in WORKING_STATES:
            actions.add("reassign")
    if (case.state in WORKING_STATES
            and user.department_id in {cd.department_id for cd in case.co_departments}):
        actions.add("co_opinion")
    if is_lead and appealable_rating(case) is not None:
        actions.add("appeal")
    return actions


# A message is "new" (tagged 新, counted on the badge) while unread and younger than this;
# older unread ones stay listed but no longer call for attention.
NEW_FOR = timedelta(days=3)


def _new_since(now=None):
    return (now or utcnow()) - NEW_FOR


def unread_count(user: User, now=None) -> int:
    """The badge: unread messages still new."""
    return db.session.execute(
        select(func.count(Notification.id))
        .where(Notification.recipient_id == user.id, Notification.read_at.is_(None),
               Notification.created_at >= _new_since(now))).scalar_one()


def recent_notifications(user: User, limit: int = 100) -> list[Notification]:
    return list(db.session.execute(
        select(Notification).where(Notification.recipient_id == user.id)
        .order_by(Notification.created_at.desc(), Notification.id.desc()).limit(limit)).scalars())


@dataclass
class NotificationGroup:
    """One case's messages, newest first (messages about no case form their own groups)."""
    case: object
    items: list
    new_ids: set

    @property
    def latest(self):
        return self.items[0]


def notification_groups(user: User, now=None, limit: int = 100) -> list[NotificationGroup]:
    """The recent messages grouped by case, the group with the newest message first."""
    since = _new_since(now)
    groups: dict[object, NotificationGroup] = {}
    for n in recent_notifications(user, limit):
        key = n.case_id if n.case_id is not None else f"n{n.id}"
        group = groups.setdefault(key, NotificationGroup(n.case, [], set()))
        group.items.append(n)
        if n.read_at is None and n.created_at >= since:
            group.new_ids.add(n.id)
    return list(groups.values())
