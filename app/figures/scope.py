"""Whose cases a person's figures cover: the filters, and the sentence that names them.

The dashboard, its drill-down lists, the ledger and the monthly report all narrow by
`scope_filters`, and print `scope_note` wherever the view is narrowed, so a leader or a head
never mistakes his part for the county."""
from sqlalchemy import func, select

from app.auth.models import Role
from app.enterprises.models import Enterprise
from app.extensions import db


def scope_filters(user) -> dict:
    """What a person's figures cover: a department head his department, a leader his enterprises."""
    if user.role is Role.department_head:
        return {"department": user.department_id}
    if user.role is Role.leader:
        return {"leader": user.id}
    return {}


def scope_note(user) -> str | None:
    """The narrowed scope in words (None for the county-wide roles)."""
    if user.role is Role.department_head:
        name = user.department.name if user.department else "本部门"
        return f"统计范围：仅含{name}主办的案件（不含其他部门主办、本部门协办的案件）"
    if user.role is Role.leader:
        count = db.session.execute(select(func.count()).select_from(Enterprise)
                                   .where(Enterprise.package_leader_id == user.id)).scalar_one()
        return f"统计范围：仅含您包联的 {count} 家企业的案件，不是全县数据"
    return None


def scope_title(user) -> str:
    """A short suffix for a document's title naming a narrowed scope ('' for the county)."""
    if user.role is Role.department_head:
        return f"（{user.department.name if user.department else '本部门'}）"
    if user.role is Role.leader:
        return f"（{user.display_name}包联企业）"
    return ""
