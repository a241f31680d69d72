"""What the round pages and the figures read: the open rounds (for the card page's banner),
one round's results, and the rounds' figures (docs/figures.md)."""
from dataclasses import dataclass
from datetime import date

from sqlalchemy import and_, case as sql_case, func, or_, select

from app.cards.models import Card, CardKind
from app.cases.models import RATING_SCORES, Case, CaseState, Rating
from app.core.refcache import cached
from app.extensions import db
from app.figures.queries import truncated_rate
from app.meetings.queries import case_when
from app.rounds.models import (EvaluationRound, RoundAnswer, RoundDepartment, RoundScore,
                               RoundState, RoundSuggestion)

LEVEL_SCORES = RATING_SCORES  # a level's score (docs/figures.md)
# A department sees a dimension's average only when at least this many enterprises rated it,
# and only once the round is closed, so no single answer can be read off the page.
DEPARTMENT_MIN_ANSWERS = 3

SCORE_SQL = sql_case(*((RoundScore.rating == level, score) for level, score in LEVEL_SCORES.items()),
                     else_=0)


@dataclass(frozen=True)
class OpenRound:
    """An open round as the public card page's banner needs it: a snapshot, kept between
    requests (app/core/refcache.py); opening or closing a round moves the version."""
    id: int
    title: str
    ends_on: date


def open_rounds() -> tuple[OpenRound, ...]:
    """The rounds enterprises may answer now, newest first (an empty tuple is kept too, so the
    card page costs no query while no round is open)."""
    return cached("open-rounds", lambda: tuple(
        OpenRound(r.id, r.title, r.ends_on) for r in db.session.scalars(
            select(EvaluationRound).where(EvaluationRound.state == RoundState.open)
            .order_by(EvaluationRound.starts_on.desc(), EvaluationRound.id.desc()))))


def rounds(department_id: int | None = None) -> list[EvaluationRound]:
    """Every round, newest first; for a department, the closed rounds that evaluated it."""
    query = select(EvaluationRound).order_by(EvaluationRound.starts_on.desc(),
                                             EvaluationRound.id.desc())
    if department_id is not None:
        query = query.where(EvaluationRound.state == RoundState.closed, EvaluationRound.id.in_(
            select(RoundDepartment.round_id).where(RoundDepartment.department_id == department_id)))
    return list(db.session.scalars(query))


def round_by_token(token: str) -> EvaluationRound | None:
    return db.session.execute(select(EvaluationRound).filter_by(public_token=token)
                              ).scalar_one_or_none()


def answer_among(round_: EvaluationRound, answer_ids) -> RoundAnswer | None:
    """The answer to `round_` among `answer_ids` (those one browser gave), if any."""
    if not answer_ids:
        return None
    return db.session.execute(select(RoundAnswer).where(
        RoundAnswer.round_id == round_.id, RoundAnswer.id.in_(answer_ids)).limit(1)
    ).scalar_one_or_none()


def answer_suggestions(answer: RoundAnswer | None) -> list[Case]:
    """The cases an answer's suggestions became, oldest first."""
    if answer is None:
        return []
    return list(db.session.scalars(
        select(Case).join(RoundSuggestion, RoundSuggestion.case_id == Case.id)
        .where(RoundSuggestion.answer_id == answer.id).order_by(Case.id)))


def previous_round(round_: EvaluationRound) -> EvaluationRound | None:
    """The round before this one (by period start, then by opening)."""
    return db.session.execute(select(EvaluationRound).where(or_(
        EvaluationRound.starts_on < round_.starts_on,
        and_(EvaluationRound.starts_on == round_.starts_on, EvaluationRound.id < round_.id)))
        .order_by(EvaluationRound.starts_on.desc(), EvaluationRound.id.desc()).limit(1)
    ).scalar_one_or_none()


def _invited(round_: EvaluationRound):
    """Enterprises invited: those holding a valid enterprise card when the round opened."""
    return select(Card.enterprise_id).where(
        Card.kind == CardKind.enterprise, Card.enterprise_id.is_not(None),
        Card.issued_at <= round_.opened_at,
        or_(Card.revoked_at.is_(None), Card.revoked_at > round_.opened_at)).distinct()


def participation(round_: EvaluationRound) -> dict:
    """Invited enterprises, how many of them answered (from the card or the link), and the
    answers of other enterprises (the round link, no card)."""
    invited = _invited(round_).subquery()
    total_invited = db.session.execute(select(func.count()).select_from(invited)).scalar()
    answers, by_invited = db.session.execute(
        select(func.count(RoundAnswer.id),
               func.coalesce(func.sum(case_when(RoundAnswer.enterprise_id.in_(
                   select(invited.c.enterprise_id)))), 0))
        .where(RoundAnswer.round_id == round_.id)).one()
    answers, by_invited = int(answers), int(by_invited)
    return {"invited": total_invited, "answered_invited": by_invited,
            "answered_others": answers - by_invited, "answers": answers,
            "rate": truncated_rate(by_invited, total_invited)}


def average(total: int, count: int) -> str | None:
    """An average score truncated (never rounded) to one decimal, by integer arithmetic."""
    if not count:
        return None
    tenths = total * 10 // count
    return f"{tenths // 10}.{tenths % 10}"


def _score_sums(round_id: int) -> dict[tuple[int, str], tuple[int, int]]:
    rows = db.session.execute(
        select(RoundScore.department_id, RoundScore.dimension, func.sum(SCORE_SQL), func.count())
        .join(RoundAnswer, RoundAnswer.id == RoundScore.answer_id)
        .where(RoundAnswer.round_id == round_id)
        .group_by(RoundScore.department_id, RoundScore.dimension))
    return {(dep, dim): (int(total), int(count)) for dep, dim, total, count in rows}


def results(round_: EvaluationRound, department_id: int | None = None) -> dict:
    """Per department and dimension: the average score, how many rated it, and the previous
    round's average. With `department_id` (a department's view) only that department, and a
    cell with fewer than DEPARTMENT_MIN_ANSWERS ratings is withheld."""
    sums = _score_sums(round_.id)
    previous = previous_round(round_)
    before = _score_sums(previous.id) if previous is not None else {}
    rows = []
    for link in round_.departments:
        if department_id is not None and link.department_id != department_id:
            continue
        cells = []
        for dimension in round_.dimensions:
            total, count = sums.get((link.department_id, dimension), (0, 0))
            withheld = department_id is not None and count < DEPARTMENT_MIN_ANSWERS
            prev_total, prev_count = before.get((link.department_id, dimension), (0, 0))
            if withheld or (department_id is not None and prev_count < DEPARTMENT_MIN_ANSWERS):
                prev_total = prev_count = 0
            now_avg, prev_avg = average(total, count), average(prev_total, prev_count)
            change = None
            if not withheld and count and prev_count:
                tenths = (total * 10 // count) - (prev_total * 10 // prev_count)
                change = f"{'+' if tenths >= 0 else '-'}{abs(tenths) // 10}.{abs(tenths) % 10}"
            cells.append({"dimension": dimension, "count": count, "withheld": withheld,
                          "average": None if withheld else now_avg, "previous": prev_avg,
                          "change": change})
        rows.append({"department": link.department, "cells": cells})
    return {"rows": rows, "previous": previous}


def suggestions(round_: EvaluationRound) -> list[Case]:
    return list(db.session.scalars(
        select(Case).join(RoundSuggestion, RoundSuggestion.case_id == Case.id)
        .where(RoundSuggestion.round_id == round_.id).order_by(Case.submitted_at, Case.id)))


def rounds_in_period(date_from: date, date_to: date):
    """The rounds whose period starts in [date_from, date_to) (开展评议: rounds held)."""
    return select(EvaluationRound).where(EvaluationRound.starts_on >= date_from,
                                         EvaluationRound.starts_on < date_to)


def suggestion_cases(date_from: date, date_to: date, solved: bool = False):
    """The cases the suggestions of those rounds became (收集意见建议); `solved`: only those
    已办结 (推动解决问题). One case per suggestion, so these count the suggestions."""
    query = (select(Case).join(RoundSuggestion, RoundSuggestion.case_id == Case.id)
             .join(EvaluationRound, EvaluationRound.id == RoundSuggestion.round_id)
             .where(EvaluationRound.starts_on >= date_from, EvaluationRound.starts_on < date_to))
    return query.where(Case.state == CaseState.closed) if solved else query


def _count(query) -> int:
    return int(db.session.execute(select(func.count()).select_from(query.subquery())).scalar())


def round_figures(date_from: date, date_to: date) -> dict:
    """Rounds whose period starts in [date_from, date_to): rounds held, answers, suggestions
    collected and suggestions solved (their case 已办结) — docs/figures.md. The counts are of
    the same queries the work summary's drill-down lists show."""
    in_period = (EvaluationRound.starts_on >= date_from, EvaluationRound.starts_on < date_to)
    held = _count(rounds_in_period(date_from, date_to))
    answers = db.session.execute(
        select(func.count(RoundAnswer.id)).join(EvaluationRound, EvaluationRound.id == RoundAnswer.round_id)
        .where(*in_period)).scalar()
    collected = _count(suggestion_cases(date_from, date_to))
    solved = _count(suggestion_cases(date_from, date_to, solved=True))
    return {"rounds_held": int(held), "answers": int(answers),
            "suggestions_collected": int(collected), "suggestions_solved": int(solved),
            "solved_rate": truncated_rate(int(solved), int(collected))}


def department_score_sums(date_from: date, date_to: date) -> dict[int, tuple[int, int]]:
    """Per department: (Σ scores, ratings) over every dimension of the **closed** rounds whose
    period starts in [date_from, date_to) — the 季测评's round component (docs/figures.md)."""
    rows = db.session.execute(
        select(RoundScore.department_id, func.sum(SCORE_SQL), func.count())
        .join(RoundAnswer, RoundAnswer.id == RoundScore.answer_id)
        .join(EvaluationRound, EvaluationRound.id == RoundAnswer.round_id)
        .where(*_closed_rounds_starting(date_from, date_to))
        .group_by(RoundScore.department_id))
    return {dep: (int(total), int(count)) for dep, total, count in rows}


def _closed_rounds_starting(date_from: date, date_to: date):
    return (EvaluationRound.state == RoundState.closed, EvaluationRound.starts_on >= date_from,
            EvaluationRound.starts_on < date_to)


def department_ratings(date_from: date, date_to: date, department_id: int) -> list:
    """The ratings behind `department_score_sums` for one department: (round, answer, score
    row), by round then answer — the 季测评's drill-down for the office."""
    return list(db.session.execute(
        select(EvaluationRound, RoundAnswer, RoundScore)
        .join(RoundAnswer, RoundAnswer.id == RoundScore.answer_id)
        .join(EvaluationRound, EvaluationRound.id == RoundAnswer.round_id)
        .where(*_closed_rounds_starting(date_from, date_to),
               RoundScore.department_id == department_id)
        .order_by(EvaluationRound.starts_on, EvaluationRound.id, RoundAnswer.id,
                  RoundScore.dimension)).all())
