"""Read-only lists for package leaders and supervisors."""
from sqlalchemy import select

from app.auth.models import User
from app.cases.models import Case
from app.cases.queries import visible_cases
from app.extensions import db
from app.reminders.models import Notification

ESCALATION_KINDS = ("urge", "supervise")


def overseen_cases(user: User, limit: int = 500) -> list[Case]:
    """A leader's enterprises' cases, or every case for a supervisor (visible_cases decides)."""
    return list(db.session.execute(
        visible_cases(user).order_by(Case.submitted_at.desc(), Case.id.desc()).limit(limit)).scalars())


def escalations_for(user: User) -> list[Notification]:
    """The urge and supervise notices addressed to `user`, newest first."""
    return list(db.session.execute(
        select(Notification).where(Notification.recipient_id == user.id,
                                   Notification.kind.in_(ESCALATION_KINDS))
        .order_by(Notification.created_at.desc(), Notification.id.desc())).scalars())
