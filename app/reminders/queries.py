"""Questions about reminders and deliveries: digests' figures, what failed to go out."""
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, true

from app.cases.models import WITH_DEPARTMENT_SQL, Case, CaseState
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
    name: str
    counts: dict = field(default_factory=dict)
    overdue: list = field(default_factory=list)  # the first DIGEST_LIST_MAX, by deadline
    overdue_count: int = 0

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


def department_summaries(department_ids, now: datetime) -> dict[int, DepartmentSummary]:
    """Each department's digest figures, in four queries however many departments. Only the
    overdue cases the digest lists (the first DIGEST_LIST_MAX of each department, by deadline)
    are read, each department's from the head of ix_cases_with_department_by_deadline (on
    PostgreSQL a LATERAL `LIMIT` per department, no sort of every overdue case); the others are
    counted by the database in one pass over that index alone (at ten million cases, two
    million overdue ones read to list twenty per department took the tick over a minute)."""
    department_ids = set(department_ids)
    if not department_ids:
        return {}
    # Whole Department rows: they land in the session, so head.department needs no query.
    summaries = {d.id: DepartmentSummary(d.name) for d in db.session.scalars(
        db.select(Department).where(Department.id.in_(department_ids)))}
    if not summaries:
        return {}
    # WITH_DEPARTMENT_SQL lets the planners (PostgreSQL and SQLite alike) use the partial index;
    # it adds nothing to overdue_condition. One pass over the index counts the cases with the
    # department by state and the overdue ones among them; the replied ones are counted apart.
    overdue = (WITH_DEPARTMENT_SQL, overdue_condition(now))
    for department_id, state, count, late in db.session.execute(
            db.select(Case.lead_department_id, Case.state, func.count(),
                      func.sum(case((overdue_condition(now), 1), else_=0)))
            .where(Case.lead_department_id.in_(summaries), WITH_DEPARTMENT_SQL)
            .group_by(Case.lead_department_id, Case.state)):
        summaries[department_id].counts[state.name] = count
        summaries[department_id].overdue_count += late
    for department_id, count in db.session.execute(
            db.select(Case.lead_department_id, func.count())
            .where(Case.lead_department_id.in_(summaries), Case.state == CaseState.replied)
            .group_by(Case.lead_department_id)):
        summaries[department_id].counts[CaseState.replied.name] = count
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
    by_department = db.session.execute(
        db.select(Department.name, func.count()).join(Case, Case.lead_department_id == Department.id)
        .where(overdue_condition(now)).group_by(Department.name)
        .order_by(func.count().desc(), Department.name)).all()
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
