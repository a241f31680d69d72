"""The office desk's questions: what waits for dispatch, where it should go, what runs late."""
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from sqlalchemy import case as sql_case, func, select

from app.cases.models import Case, CaseState, ExtensionRequest, ExtensionStatus
from app.core.clock import utcnow
from app.departments.models import Department, DepartmentKind
from app.departments.queries import ordered_departments
from app.extensions import db
from app.handling.queries import current_due_at, due_at

QUEUE_STATES = (CaseState.submitted, CaseState.returned)
SOON = timedelta(hours=24)


def queue_cases() -> list[Case]:
    """New and returned cases, oldest first (returned ones carry their return count)."""
    return list(db.session.execute(
        select(Case).where(Case.state.in_(QUEUE_STATES))
        .order_by(Case.urgency.desc(), Case.submitted_at, Case.id)).scalars())


@dataclass(frozen=True)
class Suggestion:
    """Where the desk suggests to send a case, and why (shown beside it)."""
    department: Department
    reason: str  # BY_CONTENT, BY_CATEGORY or BY_ENTERPRISE


BY_CONTENT, BY_CATEGORY, BY_ENTERPRISE = "按内容", "按类别", "按企业责任部门"
CATCH_ALL_CATEGORY = "other"  # 其他 (migrations/versions/0002_reference_data.py)
# Words too generic to stand for one department when a name is shortened.
_GENERIC = {"分局", "中心", "公司", "政府"}


def department_name_keys(department: Department, county: str) -> set[str]:
    """How a case text may name a department: its full name, the part after the county's name
    (国网示范县供电公司 → 供电公司, 国家税务总局示范县税务局 → 税务局), without a leading 县
    (县商务局 → 商务局); at least three characters and not a generic word."""
    name = department.name
    keys = {name}
    if county and county in name:
        keys.add(name.rsplit(county, 1)[1])
    if name.startswith("县"):
        keys.add(name[1:])
    return {k for k in keys if len(k) >= 3 and k not in _GENERIC and not k.startswith("分")}


def departments_named_in(text: str, departments, county: str) -> list[Department]:
    """The departments (not townships: a place named is where, not who) the text names."""
    text = text or ""
    return [d for d in departments if d.kind is not DepartmentKind.township
            and any(key in text for key in department_name_keys(d, county))]


def suggest_department(case: Case, *, at_intake: bool = False,
                       departments=None) -> Suggestion | None:
    """The department to suggest for a case, and why:

    - 按类别: the category's default department (the admin's category → department routing);
    - 按内容: the text names one department (several: the category's among them). It comes
      first when the category is the catch-all 其他 (or has no usable default): a chosen
      specific category is the better signal, "其他" says nothing;
    - 按企业责任部门: the enterprise's responsible department, only as a fallback.

    A returned case never suggests the department that just returned it (`at_intake`: suggest
    as the case came in, for measuring: bench/suggestions.py). `departments`: the active
    departments, when the caller has them already (the queue)."""
    returned_from = (case.lead_department_id
                     if case.state is CaseState.returned and not at_intake else None)

    def usable(department):
        return department is not None and department.is_active and department.id != returned_from

    by_category = case.category.default_department if case.category else None
    named = [d for d in departments_named_in(case.content, departments or active_departments(),
                                             current_app.config.get("COUNTY_NAME", ""))
             if usable(d)]
    if len(named) > 1 and by_category in named:
        named = [by_category]
    by_content = named[0] if len(named) == 1 else None
    by_enterprise = case.enterprise.responsible_department if case.enterprise else None
    catch_all = case.category is None or case.category.code == CATCH_ALL_CATEGORY
    order = ([(by_content, BY_CONTENT), (by_category, BY_CATEGORY)] if catch_all
             else [(by_category, BY_CATEGORY), (by_content, BY_CONTENT)])
    order.append((by_enterprise, BY_ENTERPRISE))
    return next((Suggestion(d, reason) for d, reason in order if usable(d)), None)


def active_departments() -> list[Department]:
    return ordered_departments(active_only=True)


def board(now: datetime | None = None, soon: timedelta = SOON):
    """Open dispatched/signed cases that are overdue or due within `soon`, by department.

    Returns [(department, [(case, due, is_overdue), ...]), ...], departments by most overdue."""
    now = now or utcnow()
    rows = db.session.execute(
        select(Case).where(Case.state.in_((CaseState.dispatched, CaseState.signed)),
                           current_due_at <= now + soon)
        .order_by(current_due_at, Case.id)).scalars()
    by_department: dict[int, tuple] = {}
    for case in rows:
        due = due_at(case)
        department, items = by_department.setdefault(case.lead_department_id,
                                                      (case.lead_department, []))
        items.append((case, due, due < now))
    groups = list(by_department.values())
    groups.sort(key=lambda g: (-sum(1 for _c, _d, late in g[1] if late), g[0].code))
    return groups


def reopened_by_department() -> list[tuple]:
    """重办 per lead department: [(department, open reopened cases, reopenings of all its
    cases)], most open reopened first."""
    from app.cases.models import OPEN_STATES
    open_reopened = func.sum(sql_case((Case.state.in_(OPEN_STATES), 1), else_=0))
    rows = db.session.execute(
        select(Department, open_reopened, func.sum(Case.reopen_count))
        .join(Case, Case.lead_department_id == Department.id)
        .where(Case.reopen_count > 0).group_by(Department.id)).all()
    return sorted(((d, int(n or 0), int(total or 0)) for d, n, total in rows),
                  key=lambda row: (-row[1], -row[2], row[0].code))


def pending_extensions() -> list[ExtensionRequest]:
    return list(db.session.execute(
        select(ExtensionRequest).where(ExtensionRequest.status == ExtensionStatus.pending)
        .order_by(ExtensionRequest.requested_at)).scalars())


def recent_cases(state: CaseState | None = None, search: str | None = None, limit: int = 200):
    query = select(Case).order_by(Case.submitted_at.desc(), Case.id.desc()).limit(limit)
    if state is not None:
        query = query.where(Case.state == state)
    if search:
        like = f"%{search.strip()}%"
        query = query.where(Case.tracking_no.ilike(like) | Case.content.ilike(like))
    return list(db.session.execute(query).scalars())


def find_enterprise(text: str | None):
    """An enterprise by exact name or credit code, as staff type it into the entry form."""
    from app.enterprises.models import Enterprise
    text = (text or "").strip()
    if not text:
        return None
    return db.session.execute(select(Enterprise).where(
        (Enterprise.name == text) | (Enterprise.credit_code == text.upper()))).scalar_one_or_none()
