"""What the office's to-do list shows of the 差评 loop: 回访 due and appeals to decide."""
from sqlalchemy import select

from app.cases.models import Case
from app.extensions import db
from app.rating.models import AppealState, CaseRating
from app.reminders.timeline import CALLBACK_STATES


def callbacks_due() -> list[Case]:
    """差评 not yet called back on cases still open or awaiting the 追评, the nearest 回访
    deadline first (overdue ones on top). After the 追评 the loop is over: no call is asked."""
    return list(db.session.execute(
        select(Case).where(Case.callback_due_at.is_not(None), Case.callback_at.is_(None),
                           Case.state.in_(CALLBACK_STATES))
        .order_by(Case.callback_due_at, Case.id)).scalars())


def appeals_pending() -> list[CaseRating]:
    """Appeals (申诉) waiting for a dispatcher's 复核, oldest first."""
    return list(db.session.execute(
        select(CaseRating).where(CaseRating.appeal_state == AppealState.pending)
        .order_by(CaseRating.appealed_at, CaseRating.id)).scalars())
