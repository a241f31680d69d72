"""Which cases a person may see, and lookups that answer 404 for everything else."""
from flask import abort
from sqlalchemy import or_, select

from app.auth.models import Role, User
from app.auth.queries import HANDLING_ROLES
from app.cases.models import Case, CaseDepartment, Category
from app.enterprises.models import Enterprise
from app.extensions import db

SEE_ALL_ROLES = (Role.admin, Role.dispatcher, Role.supervisor)


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


def get_visible_case(user: User, tracking_no: str) -> Case | None:
    return db.session.execute(
        visible_cases(user).where(Case.tracking_no == tracking_no)).scalar_one_or_none()


def get_visible_case_or_404(user: User, tracking_no: str) -> Case:
    case = get_visible_case(user, tracking_no)
    if case is None:
        abort(404)
    return case


def get_case_by_tracking_no(tracking_no: str) -> Case | None:
    return db.session.execute(select(Case).filter_by(tracking_no=tracking_no)).scalar_one_or_none()


def mask_phone(phone: str | None) -> str:
    """138****1234: what everyone but the dispatcher sees (PIPL)."""
    if not phone:
        return ""
    if len(phone) < 7:
        return "*" * len(phone)
    return f"{phone[:3]}****{phone[-4:]}"


def categories() -> list[Category]:
    """The categories in the order every form lists them."""
    return list(db.session.execute(select(Category).order_by(Category.sort_order)).scalars())
