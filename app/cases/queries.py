"""Which cases a person may see, and lookups that answer 404 for everything else."""
from dataclasses import dataclass

from flask import abort
from sqlalchemy import and_, func, or_, select

from app.auth.models import Role, User
from app.auth.queries import HANDLING_ROLES
from app.cases.models import AuditEvent, Case, CaseDepartment, CaseState, Category
from app.core.refcache import cached
from app.enterprises.models import Enterprise
from app.extensions import db

SEE_ALL_ROLES = (Role.admin, Role.dispatcher, Role.supervisor, Role.discipline)


def visible_cases(user: User):
    """A SELECT of the cases `user` may see: a handler never sees another department's case."""
    query = select(Case)
    if user.role in SEE_ALL_ROLES:
        return query
    if user.role in HANDLING_ROLES:
        co = select(CaseDepartment.case_id).where(CaseDepartment.department_id == user.department_id)
        return query.where(or_(Case.lead_department_id == user.department_id, Case.id.in_(co)))
    if user.role is Role.leader:
        mine = select(Enterprise.id).where(Enterprise.package_leader_id == user.id)
        return query.where(Case.enterprise_id.in_(mine))
    return query.where(False)


def get_visible_case(user: User, tracking_no: str, *, for_update=False) -> Case | None:
    """The case if `user` may see it; `for_update` locks its row (PostgreSQL) so two people
    acting on one case at once take turns and the second sees the first's result."""
    query = visible_cases(user).where(Case.tracking_no == tracking_no)
    if for_update:
        query = query.with_for_update(of=Case).execution_options(populate_existing=True)
    return db.session.execute(query).scalar_one_or_none()


def get_visible_case_or_404(user: User, tracking_no: str, *, for_update=False) -> Case:
    case = get_visible_case(user, tracking_no, for_update=for_update)
    if case is None:
        abort(404)
    return case


def get_case_by_tracking_no(tracking_no: str) -> Case | None:
    return db.session.execute(select(Case).filter_by(tracking_no=tracking_no)).scalar_one_or_none()


def mask_name(name: str | None) -> str:
    """张** : the surname only, for everyone but the office (PIPL)."""
    if not name:
        return ""
    return name[0] + "*" * max(len(name) - 1, 1)


def mask_phone(phone: str | None) -> str:
    """138****1234: what everyone but the dispatcher sees (PIPL)."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


# 当前逾期's 口径 as printed wherever the figure appears (ledger, monthly report, drill-down);
# docs/api.md and docs/figures.md quote it word for word (tested).
OVERDUE_DEFINITION = ("在部门手中（待签收、办理中）且已超过签收时限（尚未签收）或（延期后的）办理时限；"
                      "已退回、待受理、待评价、已办结的案件不计")


def overdue_condition(now):
    """Overdue (逾期): sitting with a department past its sign deadline (while unsigned) or its
    handling deadline. The one definition the dashboard, the API and the lists share."""
    return or_(
        and_(Case.state == CaseState.dispatched, Case.sign_due_at < now),
        and_(Case.state.in_((CaseState.dispatched, CaseState.signed)), Case.reply_due_at < now))


def is_overdue(case: Case, now) -> bool:
    """overdue_condition for one loaded case."""
    if case.state not in (CaseState.dispatched, CaseState.signed):
        return False
    late_sign = case.state is CaseState.dispatched and case.sign_due_at and case.sign_due_at < now
    return bool(late_sign or (case.reply_due_at and case.reply_due_at < now))


CATEGORIES = select(Category).order_by(Category.sort_order)


@dataclass(frozen=True)
class CategoryChoice:
    """A category as a form offers it: a snapshot kept between requests (app/core/refcache.py)."""
    id: int
    code: str
    name: str


def categories() -> list[Category]:
    """The categories in the order every form lists them (rows, for the pages that edit them)."""
    return list(db.session.execute(CATEGORIES).scalars())


def category_choices() -> tuple[CategoryChoice, ...]:
    """The categories as every form lists them, read once per reference version."""
    return cached("categories", lambda: tuple(
        CategoryChoice(c.id, c.code, c.name) for c in categories()))


def category_by_code(code: str | None) -> CategoryChoice | None:
    return next((choice for choice in category_choices() if choice.code == code), None)


def urge_counts(case_ids) -> dict[int, int]:
    """How often each case was urged (催办), by a person or by the scheduler."""
    ids = list(case_ids)
    if not ids:
        return {}
    return dict(db.session.execute(
        select(AuditEvent.case_id, func.count()).where(AuditEvent.action == "urge",
                                                      AuditEvent.case_id.in_(ids))
        .group_by(AuditEvent.case_id)).all())


def case_label(case: Case, length: int = 16) -> str:
    """A case named for a flash: its number and its enterprise, or the start of its text."""
    about = case.enterprise.name if case.enterprise else (case.enterprise_name_given or case.content or "")
    about = about if len(about) <= length else about[:length] + "…"
    return f"{case.tracking_no}（{about}）" if about else case.tracking_no
