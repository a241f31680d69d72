"""Who is who: the people a case's notifications go to."""
from sqlalchemy import bindparam, select

from app.auth.models import Role, User
from app.extensions import db

OFFICE_ROLES = (Role.dispatcher, Role.admin)
HANDLING_ROLES = (Role.handler, Role.department_head)


ACTIVE_USERS_WITH_ROLES = (select(User)  # built once: every public submission runs it
                           .where(User.role.in_(bindparam("roles", expanding=True)),
                                  User.is_active.is_(True))
                           .order_by(User.id))


def users_with_role(*roles: Role) -> list[User]:
    return list(db.session.execute(ACTIVE_USERS_WITH_ROLES, {"roles": list(roles)}).scalars())


def users_of_department(department_id: int | None, *roles: Role) -> list[User]:
    if department_id is None:
        return []
    query = db.select(User).where(User.department_id == department_id, User.is_active.is_(True))
    if roles:
        query = query.where(User.role.in_(roles))
    return list(db.session.execute(query.order_by(User.id)).scalars())
