"""Lists the administration pages show."""
from sqlalchemy import or_, select

from app.auth.models import Role, User
from app.departments.models import Department, DepartmentKind
from app.departments.queries import ordered_departments
from app.enterprises.models import Enterprise
from app.extensions import db
from app.settings.models import TimeLimit
from app.workdays.models import HolidayOverride


def search_enterprises(q: str | None, limit: int = 500) -> list[Enterprise]:
    query = select(Enterprise).order_by(Enterprise.name).limit(limit)
    if q and q.strip():
        like = f"%{q.strip()}%"
        query = query.where(or_(Enterprise.name.ilike(like), Enterprise.credit_code.ilike(like),
                                Enterprise.industry.ilike(like)))
    return list(db.session.execute(query).scalars())


def all_departments() -> list[Department]:
    return ordered_departments()


def townships() -> list[Department]:
    return [d for d in all_departments() if d.kind is DepartmentKind.township]


def leaders() -> list[User]:
    return list(db.session.execute(select(User).where(User.role == Role.leader)
                                   .order_by(User.display_name)).scalars())


def all_users() -> list[User]:
    return list(db.session.execute(select(User).order_by(User.role, User.username)).scalars())


def all_time_limits() -> list[TimeLimit]:
    return list(db.session.execute(select(TimeLimit).order_by(TimeLimit.id)).scalars())


def all_overrides() -> list[HolidayOverride]:
    return list(db.session.execute(select(HolidayOverride).order_by(HolidayOverride.day.desc())).scalars())
