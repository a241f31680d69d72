"""Questions about reminders and deliveries: digests' figures, what failed to go out."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, func, or_, true, union_all

from app.cases.models import (NO_RUNNING_DEADLINE_SQL, WITH_DEPARTMENT_SQL, Case, CaseState,
                              DepartmentCaseCount)
from app.core.clock import local_today
from app.core.timeutil import format_deadline
from app.departments.models import Department
from app.extensions import db
from app.reminders.models import Delivery, DeliveryStatus

DIGEST_LIST_MAX = 20


def overdue_condition(now: datetime):
    """Open cases past their running deadline (served by the two state+deadline indexes)."""
    return or_(and_(Case.state == CaseState.dispatched, Case.sign_due_at < now),
               and_(Case.state == CaseState.signed, Case.reply_due_at < now))


@dataclass
class DepartmentSummary:
    department: Department  # held: the session keeps its objects only weakly (see below)
    counts: dict = field(default_factory=dict)
    overdue: list = field(default_factory=list)  # the first DIGEST_LIST_MAX, by deadline
    overdue_count: int = 0

    @property
    def name(self) -> str:
        return self.department.name

    def text(self) -> str:
        lines = [f"{self.name}：待签收 {self.counts.get('dispatched', 0)} 件，"
                 f"办理中 {self.counts.get('signed', 0)} 件，"
                 f"待评价 {self.counts.get('replied', 0)} 件，"
                 f"已逾期 {self.overdue_count} 件。"]
        if self.overdue:
            lines.append("逾期案件：")
            lines += [f"· {no}（{label}，时限 {due}）" for no, label, due in
                      self.overdue[:DIGEST_LIST_MAX]]
            if self.overdue_count > DIGEST_LIST_MAX:
                lines.append(f"……另有 {self.overdue_count - DIGEST_LIST_MAX} 件")
        return "\n".join(lines)


def not_yet_overdue_parts(now: datetime):
    """Cases with a department (待签收, 办理中) whose running deadline has not passed, or which
    have none — the complement of overdue_condition among them — as three disjoint
    conditions, each read from an index holding only recent cases (a deadline lies at most a
    time limit ahead) or none, so they read few entries however long the history. Three
    parts, not one OR: for the OR the planner read every with-department case's entry."""
    return [(Case.state == CaseState.dispatched, Case.sign_due_at >= now),
            (Case.state == CaseState.signed, Case.reply_due_at >= now),
            (NO_RUNNING_DEADLINE_SQL,)]


def department_state_counts(department_ids=None) -> dict[int, dict[CaseState, int]]:
    """Per department, its cases in each of COUNTED_STATES (待签收, 办理中, 待评价), read off
    department_case_counts, which triggers on cases keep exact (migration 0160)."""
    query = db.select(DepartmentCaseCount.department_id, DepartmentCaseCount.state,
                      DepartmentCaseCount.cases)
    if department_ids is not None:
        query = query.where(DepartmentCaseCount.department_id.in_(department_ids))
    counts = {}
    for department_id, state, count in db.session.execute(query):
        counts.setdefault(department_id, {})[state] = count
    return counts


def overdue_counts(now: datetime, department_ids=None,
                   state_counts: dict | None = None) -> dict[int, int]:
    """Per department, its overdue cases: those it holds as 待签收 or 办理中 (the kept counts)
    less those not yet overdue (few, recent) — never a pass over every overdue case, of which
    a province's decade has millions. Departments with none are left out."""
    if state_counts is None:
        state_counts = department_state_counts(department_ids)
    parts = []
    for part in not_yet_overdue_parts(now):
        query = db.select(Case.lead_department_id).where(Case.lead_department_id.is_not(None),
                                                         *part)
        if department_ids is not None:
            query = query.where(Case.lead_department_id.in_(department_ids))
        parts.append(query)
    recent = union_all(*parts).subquery()
    query = (db.select(recent.c.lead_department_id, func.count())
             .group_by(recent.c.lead_department_id))
    not_yet = dict(db.session.execute(query).all())
    overdue = {}
    for department_id, counts in state_counts.items():
        late = (counts.get(CaseState.dispatched, 0) + counts.get(CaseState.signed, 0)
                - not_yet.get(department_id, 0))
        if late:
            overdue[department_id] = late
    return overdue


def department_summaries(department_ids, now: datetime) -> dict[int, DepartmentSummary]:
    """Each department's digest figures, in four queries however many departments and cases:
    the counts by state from department_case_counts, the overdue count as those less the
    cases not yet overdue (overdue_counts), and only the overdue cases the digest lists (the
    first DIGEST_LIST_MAX of each department, by deadline), each department's from the head of
    ix_cases_with_department_by_deadline (on PostgreSQL a LATERAL `LIMIT` per department, no
    sort of every overdue case). At ten million cases, counting the 2.5 million open ones'
    index entries took the day's digest tick to 453 ms; reading the kept counts does not grow
    with the history."""
    department_ids = set(department_ids)
    if not department_ids:
        return {}
    # Whole Department rows, held by the summaries: so head.department finds them in the
    # session's identity map (weak: an object nothing holds is gone) and needs no query — 24
    # lazy loads were a third of the digests' time at ten million cases.
    summaries = {d.id: DepartmentSummary(d) for d in db.session.scalars(
        db.select(Department).where(Department.id.in_(department_ids)))}
    if not summaries:
        return {}
    state_counts = department_state_counts(summaries)
    for department_id, counts in state_counts.items():
        summaries[department_id].counts = {state.name: count for state, count in counts.items()}
    for department_id, late in overdue_counts(now, summaries, state_counts).items():
        summaries[department_id].overdue_count = late
    # WITH_DEPARTMENT_SQL lets the planners (PostgreSQL and SQLite alike) use the partial index;
    # it adds nothing to overdue_condition.
    overdue = (WITH_DEPARTMENT_SQL, overdue_condition(now))
    deadline = func.coalesce(Case.reply_due_at, Case.sign_due_at)
    columns = (Case.tracking_no, Case.state, Case.sign_due_at, Case.reply_due_at)
    if db.session.get_bind().dialect.name == "postgresql":
        # Per department, one index range read from its head: LATERAL … LIMIT.
        firsts = (db.select(*columns, deadline.label("deadline"), Case.id)
                  .where(Case.lead_department_id == Department.id, *overdue)
                  .order_by(deadline, Case.id).limit(DIGEST_LIST_MAX).lateral())
        listed = (db.select(Department.id, *(firsts.c[c.key] for c in columns))
                  .join(firsts, true()).where(Department.id.in_(summaries))
                  .order_by(Department.id, firsts.c.deadline, firsts.c.id))
    else:  # SQLite (no LATERAL; a county's cases): numbered in the index's order, cut at 20.
        rank = func.row_number().over(partition_by=Case.lead_department_id,
                                      order_by=(deadline, Case.id)).label("rank")
        ranked = (db.select(Case.lead_department_id, *columns, rank)
                  .where(Case.lead_department_id.in_(summaries), *overdue).subquery())
        listed = (db.select(ranked.c.lead_department_id, *(ranked.c[c.key] for c in columns))
                  .where(ranked.c.rank <= DIGEST_LIST_MAX)
                  .order_by(ranked.c.lead_department_id, ranked.c.rank))
    for department_id, no, state, sign_due, reply_due in db.session.execute(listed):
        summaries[department_id].overdue.append(
            (no, state.label, format_deadline(reply_due if state is CaseState.signed else sign_due,
                                      local_today(now))))
    return summaries


def office_summary(now: datetime) -> str:
    """The office's week: received and closed in the last 7 days, and overdue by department."""
    week_ago = now - timedelta(days=7)
    received = db.session.scalar(db.select(func.count()).select_from(Case)
                                 .where(Case.submitted_at >= week_ago,
                                        Case.state != CaseState.invalid))
    closed = db.session.scalar(db.select(func.count()).select_from(Case)
                               .where(Case.closed_at >= week_ago))
    overdue = overdue_counts(now)
    names = dict(db.session.execute(db.select(Department.id, Department.name)
                                    .where(Department.id.in_(overdue))).all())
    by_department = sorted(((names[department_id], count)
                            for department_id, count in overdue.items()),
                           key=lambda row: (-row[1], row[0]))
    total = sum(count for _name, count in by_department)
    lines = [f"近7日受理 {received} 件，办结 {closed} 件；当前逾期 {total} 件。"]
    lines += [f"· {name}：逾期 {count} 件" for name, count in by_department]
    return "\n".join(lines)


def failed_deliveries(limit: int = 200) -> list[Delivery]:
    """Deliveries given up after the last retry, newest first: what the admin must look at."""
    return list(db.session.execute(
        db.select(Delivery).where(Delivery.status == DeliveryStatus.failed)
        .order_by(Delivery.id.desc()).limit(limit)).scalars())


def pending_deliveries(limit: int = 200) -> list[Delivery]:
    """Deliveries still waiting, those that already failed at least once first."""
    return list(db.session.execute(
        db.select(Delivery).where(Delivery.status == DeliveryStatus.pending)
        .order_by(Delivery.attempts.desc(), Delivery.next_attempt_at, Delivery.id)
        .limit(limit)).scalars())


def delivery_counts() -> dict[str, int]:
    """How many deliveries wait and how many were given up (for /readyz and the admin page)."""
    counts = dict(db.session.execute(
        db.select(Delivery.status, func.count()).where(Delivery.status != DeliveryStatus.sent)
        .group_by(Delivery.status)).all())
    return {status.name: counts.get(status, 0)
            for status in (DeliveryStatus.pending, DeliveryStatus.failed)}
