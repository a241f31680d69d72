"""The bulletins, the suggestions waiting for one, and the bulletins' figures."""
from datetime import date

from flask import abort
from sqlalchemy import and_, func, select

from app.cases.models import Case, CaseSource, CaseState
from app.core.types import is_id
from app.extensions import db
from app.figures.queries import truncated_rate
from app.bulletins.models import Bulletin, BulletinItem


def bulletins(limit: int = 200) -> list[Bulletin]:
    return list(db.session.execute(
        select(Bulletin).order_by(Bulletin.issue_no.desc()).limit(limit)).scalars())


def get_bulletin_or_404(bulletin_id) -> Bulletin:
    bulletin = db.session.get(Bulletin, int(bulletin_id)) if is_id(bulletin_id) else None
    if bulletin is None:
        abort(404)
    return bulletin


def next_issue_no() -> int:
    return (db.session.execute(select(func.max(Bulletin.issue_no))).scalar() or 0) + 1


def candidate_suggestions(limit: int = 200) -> list[Case]:
    """Deputies' suggestions (source `deputy`) in no bulletin yet, valid, newest first."""
    taken = select(BulletinItem.case_id)
    return list(db.session.execute(
        select(Case).where(Case.source == CaseSource.deputy, Case.state != CaseState.invalid,
                           Case.id.not_in(taken))
        .order_by(Case.submitted_at.desc(), Case.id.desc()).limit(limit)).scalars())


def latest_answer(case: Case):
    """The reply the enterprise (or the deputy) was given last, if any."""
    public = [reply for reply in case.replies if reply.is_public]
    return public[-1] if public else None


def issued_between(date_from: date, date_to: date):
    """Bulletins issued in [date_from, date_to): the condition every bulletin figure uses."""
    return and_(Bulletin.issued_on >= date_from, Bulletin.issued_on < date_to)


def bulletins_issued(date_from: date, date_to: date):
    """The bulletins issued in the period (编报《代表声音》)."""
    return select(Bulletin).where(issued_between(date_from, date_to))


def adopted_cases(date_from: date, date_to: date):
    """The suggestions (cases) those bulletins carry (采用代表意见建议), one per item."""
    return (select(Case).join(BulletinItem, BulletinItem.case_id == Case.id)
            .join(Bulletin, Bulletin.id == BulletinItem.bulletin_id)
            .where(issued_between(date_from, date_to)))


def bulletin_figures(date_from: date, date_to: date) -> dict:
    """For bulletins issued in [date_from, date_to): bulletins issued, suggestions adopted
    (items in them), 批示 given, 批示 answered (the item's case has a reply), and the share
    answered, truncated (docs/figures.md)."""
    row = db.session.execute(
        select(func.count(func.distinct(Bulletin.id)), func.count(BulletinItem.id),
               func.count(BulletinItem.instructed_at),
               func.count(Case.id).filter(and_(BulletinItem.instructed_at.is_not(None),
                                               Case.first_replied_at.is_not(None))))
        .select_from(Bulletin)
        .outerjoin(BulletinItem, BulletinItem.bulletin_id == Bulletin.id)
        .outerjoin(Case, Case.id == BulletinItem.case_id)
        .where(issued_between(date_from, date_to))).one()
    issued, adopted, instructed, answered = (int(v or 0) for v in row)
    return {"bulletins_issued": issued, "suggestions_adopted": adopted,
            "instructions_given": instructed, "instructions_answered": answered,
            "answered_rate": truncated_rate(answered, instructed)}
