"""The office desk's questions: what waits for dispatch, where it should go, what runs late."""
from datetime import datetime, timedelta

from sqlalchemy import case as sql_case, func, select

from app.cases.models import Case, CaseState, ExtensionRequest, ExtensionStatus
from app.core.clock import utcnow
from app.departments.models import Department
from app.extensions import db
from app.handling.queries import current_due_at, due_at

QUEUE_STATES = (CaseState.submitted, CaseState.returned)
SOON = timedelta(hours=24)


def queue_cases() -> list[Case]:
    """New and returned cases, oldest first (returned ones carry their return count)."""
    return list(db.session.execute(
        select(Case).where(Case.state.in_(QUEUE_STATES))
        .order_by(Case.urgency.desc(), Case.submitted_at, Case.id)).scalars())


def suggested_department(case: Case) -> Department | None:
    """The enterprise's responsible department, else the category's default department.

    A returned case never suggests the department that just returned it."""
    returned_from = case.lead_department_id if case.state is CaseState.returned else None
    for candidate in (case.enterprise.responsible_department if case.enterprise else None,
                      case.category.default_department if case.category else None):
        if candidate is not None and candidate.is_active and candidate.id != returned_from:
            return candidate
    return None


def active_departments() -> list[Department]:
    return list(db.session.execute(
        select(Department).where(Department.is_active.is_(True))
        .order_by(Department.kind, Department.code)).scalars())


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
