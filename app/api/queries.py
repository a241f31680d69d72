"""The case list of the API: visible cases, filtered, newest first."""
from datetime import datetime


from app.auth.models import User
from app.cases.models import Case, CaseState
from app.cases.queries import overdue_condition, visible_cases
from app.departments.models import Department


def case_list_query(user: User, *, state: CaseState | None = None,
                    department: Department | None = None, overdue=False, now: datetime):
    """A SELECT of the cases `user` may see, narrowed by state, lead department, lateness."""
    query = visible_cases(user)
    if state is not None:
        query = query.where(Case.state == state)
    if department is not None:
        query = query.where(Case.lead_department_id == department.id)
    if overdue:
        query = query.where(overdue_condition(now))
    return query.order_by(Case.submitted_at.desc(), Case.id.desc())
