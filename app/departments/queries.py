"""Departments in the county's order: lead departments, then functional ones, then townships,
each kind in the admin's order (`sort_order`), never by code."""
from sqlalchemy import case, select

from app.departments.models import Department, DepartmentKind
from app.extensions import db

KIND_RANK = case({kind.name: rank for rank, kind in enumerate(DepartmentKind)},
                 value=Department.kind, else_=len(DepartmentKind))
COUNTY_ORDER = (KIND_RANK, Department.sort_order, Department.id)


def ordered_departments(active_only: bool = False) -> list[Department]:
    query = select(Department).order_by(*COUNTY_ORDER)
    if active_only:
        query = query.where(Department.is_active.is_(True))
    return list(db.session.execute(query).scalars())
