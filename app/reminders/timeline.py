"""The points on a case's timeline where the scheduler acts, and the hook that keeps
`cases.next_check_at` pointing at the earliest of them.

A running deadline (sign while dispatched, handle while signed) has reminder points at 50 %
and 80 % of its span and `remind_before` (calendar time) before it ends, an urge (催办) at the
deadline and a supervise (挂牌督办) `supervise_after` later; a replied case has one point, the
automatic close when nobody rated it. The tick only reads cases whose next_check_at has
passed (index ix_cases_next_check_at), so its cost follows the due cases, not the table.
"""
from dataclasses import dataclass
from datetime import datetime, timedelta
import itertools

from sqlalchemy import event, inspect
from sqlalchemy.orm import Session

from app.cases.models import Case, CaseState
from app.extensions import db
from app.settings.limits import add_limit
from app.settings.models import LimitUnit, TimeLimit
from app.workdays.calendar import WorkCalendar

REMINDER_FRACTIONS = (("50", 0.5), ("80", 0.8))
TIMELINE_LIMITS = ("remind_before", "supervise_after", "close_unrated")
# A change to any of these moves the case to another phase or deadline: reschedule it.
# Only these phases have points (Timeline.points); any other state has no next check.
TIMED_STATES = (CaseState.dispatched, CaseState.signed, CaseState.replied)
WATCHED_ATTRIBUTES = ("state", "dispatched_at", "sign_due_at", "reply_due_at", "replied_at",
                      "rated_at", "callback_due_at", "callback_at", "rework_feedback_at")
# The 差评 回访 runs beside any phase until the dispatcher records the call (app/rating).
CALLBACK_STATES = (CaseState.submitted, CaseState.dispatched, CaseState.signed,
                   CaseState.replied, CaseState.returned)


@dataclass(frozen=True)
class Point:
    at: datetime
    kind: str  # remind_sign_50, remind_handle_before, urge, supervise, close_unrated,
    #            remind_callback_before, callback_overdue
    phase: str  # sign, handle, rework (a 差评's 整改), rate, callback
    deadline: datetime | None

    @property
    def is_reminder(self):
        return self.kind.startswith("remind_")


class Timeline:
    """The office's limits and calendar, loaded once, applied to many cases."""

    def __init__(self, limits: dict[str, tuple[int, LimitUnit]], calendar: WorkCalendar):
        self.limits = limits
        self.calendar = calendar

    @classmethod
    def load(cls, session=None):
        session = session or db.session
        rows = session.execute(db.select(TimeLimit.key, TimeLimit.amount, TimeLimit.unit)
                                  .where(TimeLimit.key.in_(TIMELINE_LIMITS))).all()
        limits = {key: (amount, unit) for key, amount, unit in rows}
        missing = set(TIMELINE_LIMITS) - set(limits)
        if missing:
            raise LookupError(f"time limits {sorted(missing)} are missing; run `flask db upgrade`")
        return cls(limits, WorkCalendar.from_database(session))

    def after(self, start: datetime, key: str) -> datetime:
        """`start` plus the limit `key` (as app.settings.limits.apply_limit, without a query)."""
        amount, unit = self.limits[key]
        return add_limit(start, amount, unit, self.calendar)

    def before(self, end: datetime, key: str) -> datetime:
        """`end` minus the limit `key`, in calendar time ("2 hours before" is wall-clock)."""
        amount, unit = self.limits[key]
        span = {LimitUnit.minutes: timedelta(minutes=amount),
                LimitUnit.hours: timedelta(hours=amount)}.get(unit, timedelta(days=amount))
        return end - span

    def label(self, key: str) -> str:
        amount, unit = self.limits[key]
        return f"{amount}{unit.value}"

    def points(self, case: Case) -> list[Point]:
        """Every point of the case's current phase and of a pending 差评 回访, in time order
        (past ones included)."""
        return sorted(self._phase_points(case) + self._callback_points(case),
                      key=lambda p: p.at)

    def _callback_points(self, case: Case) -> list[Point]:
        """A 差评 not yet called back: a reminder before the 回访 deadline, escalation at it."""
        due = case.callback_due_at
        if due is None or case.callback_at is not None or case.state not in CALLBACK_STATES:
            return []
        points = [Point(due, "callback_overdue", "callback", due)]
        before = self.before(due, "remind_before")
        if case.complaint_at is None or case.complaint_at < before:
            points.insert(0, Point(before, "remind_callback_before", "callback", due))
        return points

    def _phase_points(self, case: Case) -> list[Point]:
        if case.state is CaseState.dispatched and case.dispatched_at and case.sign_due_at:
            return self._deadline_points("sign", case.dispatched_at, case.sign_due_at)
        if case.state is CaseState.signed and case.dispatched_at and case.reply_due_at:
            # A reopened case (重办) runs a fresh handling limit from the rating.
            start = max(t for t in (case.dispatched_at, case.rated_at) if t is not None)
            # A 差评's rework runs to the 整改 deadline until its 整改反馈 (the next reply).
            rework = (case.rework_due_at is not None and case.rework_feedback_at is None
                      and case.reply_due_at == case.rework_due_at)
            return self._deadline_points("rework" if rework else "handle", start,
                                         case.reply_due_at)
        if case.state is CaseState.replied and case.replied_at:
            return [Point(self.after(case.replied_at, "close_unrated"), "close_unrated", "rate",
                          None)]
        return []

    def _deadline_points(self, phase: str, start: datetime, due: datetime) -> list[Point]:
        span = due - start
        reminders = [Point(start + span * fraction, f"remind_{phase}_{label}", phase, due)
                     for label, fraction in REMINDER_FRACTIONS]
        reminders.append(Point(self.before(due, "remind_before"), f"remind_{phase}_before",
                               phase, due))
        # A reminder before the start (a 2-hour warning on a 30-minute limit) makes no sense.
        points = [p for p in reminders if start < p.at < due]
        points.append(Point(due, "urge", phase, due))
        points.append(Point(self.after(due, "supervise_after"), "supervise", phase, due))
        return sorted(points, key=lambda p: p.at)

    def first_check(self, case: Case) -> datetime | None:
        points = self.points(case)
        return points[0].at if points else None


def _watched_changed(case: Case) -> bool:
    state = inspect(case)
    if state.pending:
        return True
    return any(state.attrs[name].history.has_changes() for name in WATCHED_ATTRIBUTES)


@event.listens_for(Session, "before_flush")
def reschedule_changed_cases(session, flush_context, instances):
    """Point next_check_at at the new phase's first point whenever an operation moves a case.

    Starting from the first point (even a past one) is safe: the tick fires at most the
    latest reminder it finds due, and reminder keys carry the deadline, so an approved
    extension or a re-dispatch gets fresh reminders while nothing is sent twice."""
    changed = [obj for obj in itertools.chain(session.new, session.dirty)
               if isinstance(obj, Case) and _watched_changed(obj)]
    if not changed:
        return
    with session.no_autoflush:
        timeline = None
        for case in changed:
            if case.state not in TIMED_STATES and not (
                    case.callback_due_at is not None and case.callback_at is None
                    and case.state in CALLBACK_STATES):  # e.g. a new submission: nothing to load
                case.next_check_at = None
                continue
            timeline = timeline or Timeline.load(session)
            case.next_check_at = timeline.first_check(case)
