"""Importing 包联 assignments from .xlsx or .csv with the enterprise import's reader
(app/enterprises/imports.py): validate every row, then all or nothing.

Columns: 统一社会信用代码 (or 企业名称), 包联领导, 责任部门, 联络员, 开始日期 (YYYY-MM-DD;
empty: today). A row for an enterprise whose running pair is the same leader, department
and liaison changes nothing; a different one ends the running pair the day before."""
from datetime import date

from sqlalchemy import select

from app.auth.models import Role, User
from app.cases.errors import CaseActionError
from app.core.clock import local_today
from app.departments.models import Department
from app.enterprises.credit_code import normalize_credit_code
from app.enterprises.imports import ImportRejected, RowError, read_rows
from app.enterprises.models import Enterprise
from app.extensions import db
from app.field.operations import assign_enterprise, current_assignment

HEADERS = {"统一社会信用代码": "credit_code", "企业名称": "name", "包联领导": "leader",
           "责任部门": "department", "联络员": "liaison", "开始日期": "starts_on"}


def _parse_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip()[:10].replace("/", "-"))
    except ValueError:
        return None


def import_assignments(actor, filename: str, data: bytes, now=None) -> int:
    """Apply the file's pairs; return how many changed. Raises ImportRejected listing every
    bad row (nothing is written then)."""
    rows = read_rows(filename, data)
    if not rows:
        raise ImportRejected([RowError(0, "", "文件是空的")])
    header = [h.strip().replace(" ", "") for h in rows[0][1]]
    columns = {HEADERS[h]: i for i, h in enumerate(header) if h in HEADERS}
    missing = [h for h in ("包联领导",) if HEADERS[h] not in columns]
    if "credit_code" not in columns and "name" not in columns:
        missing.append("统一社会信用代码")
    if missing:
        raise ImportRejected([RowError(1, h, "缺少此列（表头须为中文列名）") for h in missing])
    enterprises = list(db.session.execute(select(Enterprise)).scalars())
    by_code = {e.credit_code: e for e in enterprises}
    by_name = {e.name: e for e in enterprises}
    users = list(db.session.execute(select(User).where(User.is_active.is_(True))).scalars())
    leaders = {k: u for u in users if u.role is Role.leader for k in (u.username, u.display_name)}
    people = {k: u for u in users for k in (u.username, u.display_name)}
    departments = {k: d for d in db.session.execute(select(Department)).scalars()
                   for k in (d.code, d.name)}
    today = local_today(now)
    errors, parsed = [], []
    for number, cells in rows[1:]:
        if not any(cells):
            continue
        raw = {key: (cells[i] if i < len(cells) else "").strip() for key, i in columns.items()}
        enterprise = by_code.get(normalize_credit_code(raw.get("credit_code", ""))) \
            or by_name.get(raw.get("name", ""))
        if enterprise is None:
            errors.append(RowError(number, "企业", "系统中没有该企业（按信用代码或名称查找）"))
        leader = leaders.get(raw.get("leader", ""))
        if leader is None:
            errors.append(RowError(number, "包联领导", f"系统中没有名为“{raw.get('leader', '')}”的包联领导"))
        department = departments.get(raw.get("department", "")) if raw.get("department") else None
        if raw.get("department") and department is None:
            errors.append(RowError(number, "责任部门", f"系统中没有名为“{raw['department']}”的部门"))
        liaison = people.get(raw.get("liaison", "")) if raw.get("liaison") else None
        if raw.get("liaison") and liaison is None:
            errors.append(RowError(number, "联络员", f"系统中没有名为“{raw['liaison']}”的账号"))
        starts_on = _parse_date(raw["starts_on"]) if raw.get("starts_on") else today
        if starts_on is None:
            errors.append(RowError(number, "开始日期", "日期应写作YYYY-MM-DD，如2026-01-01"))
        parsed.append((number, enterprise, leader, department, liaison, starts_on))
    if errors:
        raise ImportRejected(errors)
    changed = 0
    for number, enterprise, leader, department, liaison, starts_on in parsed:
        running = current_assignment(enterprise, starts_on)
        if running is not None and (running.leader_id, running.department_id, running.liaison_id) == (
                leader.id, department.id if department else None, liaison.id if liaison else None):
            continue
        try:
            assign_enterprise(actor, enterprise, leader, department, liaison, starts_on, now=now)
        except CaseActionError as refused:  # the caller rolls back what earlier rows wrote
            raise ImportRejected([RowError(number, "", refused.message)]) from None
        changed += 1
    return changed
