"""Who is who: the people a case's notifications go to."""
from dataclasses import dataclass

from sqlalchemy import bindparam, select

from app.auth.models import Role, User
from app.core.refcache import cached
from app.extensions import db

OFFICE_ROLES = (Role.dispatcher, Role.admin)
HANDLING_ROLES = (Role.handler, Role.department_head)


ACTIVE_USERS_WITH_ROLES = (select(User)  # built once, the roles a parameter
                           .where(User.role.in_(bindparam("roles", expanding=True)),
                                  User.is_active.is_(True))
                           .order_by(User.id))


def users_with_role(*roles: Role) -> list[User]:
    return list(db.session.execute(ACTIVE_USERS_WITH_ROLES, {"roles": list(roles)}).scalars())


@dataclass(frozen=True)
class RecipientDepartment:
    code: str
    webhook_url: str | None


@dataclass(frozen=True)
class Recipient:
    """A person as queue_notifications reads one: a snapshot kept between requests
    (app/core/refcache.py), never an ORM object."""
    id: int
    email: str | None
    department: RecipientDepartment | None


def dispatchers() -> tuple[Recipient, ...]:
    """The active dispatchers, who hear of every new case: read once per reference version."""
    def load():
        return tuple(
            Recipient(user.id, user.email, RecipientDepartment(
                user.department.code, user.department.webhook_url) if user.department else None)
            for user in users_with_role(Role.dispatcher))
    return cached("dispatchers", load)


def users_of_department(department_id: int | None, *roles: Role) -> list[User]:
    if department_id is None:
        return []
    query = db.select(User).where(User.department_id == department_id, User.is_active.is_(True))
    if roles:
        query = query.where(User.role.in_(roles))
    return list(db.session.execute(query.order_by(User.id)).scalars())
