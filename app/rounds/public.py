"""The enterprises' pages of a round: from their own card (/q/<token>/rounds/<id>) and from
the round link/QR for enterprises without a card (/r/<token>).

No login. Like the intake form they check the CSRF token themselves, so an expired page
re-renders with everything typed kept instead of an error page."""
import logging

from flask import Blueprint, abort, redirect, render_template, request, session, url_for
from werkzeug.datastructures import MultiDict

from app.cases.models import Rating
from app.cases.queries import category_choices
from app.core.views import NUL_MESSAGE, contains_nul
from app.extensions import csrf, db, limiter
from app.intake.queries import public_card
from app.intake.views import UNLOCKED, _csrf_ok, _ip_limit, _unknown_card, _unlock
from app.rounds import operations as ops, queries
from app.rounds.models import EvaluationRound

bp = Blueprint("rounds_public", __name__)
log = logging.getLogger(__name__)
MY_ANSWERS = "round_answers"  # session: the answers this browser gave through round links
EXPIRED = "页面已过期或来源无法验证，请再点一次“提交评议”（已填写的内容都已保留）"


def _answer_values(answer) -> MultiDict:
    """The form's fields as the saved answer fills them (a second visit edits its answer)."""
    if answer is None:
        return MultiDict()
    index = {dim: i for i, dim in enumerate(answer.round.dimensions)}
    values = MultiDict({ops.rating_field(s.department_id, index[s.dimension]): s.rating.name
                        for s in answer.scores if s.dimension in index})
    if answer.card_id is None:
        values["enterprise_name"] = answer.enterprise_name or ""
        values["credit_code"] = answer.credit_code or ""
    return values


def _render(round_, action, *, answer=None, values=None, errors=None, card=None, status=200):
    return render_template(
        "rounds/answer.html", round=round_, action=action, card=card, answer=answer,
        values=values if values is not None else _answer_values(answer), errors=errors or {},
        levels=list(Rating), field=ops.rating_field, categories=category_choices(),
        suggestions=queries.answer_suggestions(answer), unlocked=session.get(UNLOCKED, []),
        saved=request.args.get("saved") == "1"), status


def _open_round(round_id) -> EvaluationRound:
    round_ = db.session.get(EvaluationRound, round_id)
    if round_ is None:
        abort(404)
    return round_


def _save(round_, action, *, card=None, answer=None, may_change=()):
    values = request.form
    if contains_nul(values):
        return _render(round_, action, answer=answer, values=values, card=card,
                       errors={"form": NUL_MESSAGE}, status=400)
    if not _csrf_ok(values.get("csrf_token")):
        return _render(round_, action, answer=answer, values=values, card=card,
                       errors={"form": EXPIRED}, status=400)
    try:
        saved, created = ops.save_answer(round_, values, card=card, may_change=may_change)
    except ops.AnswerRefused as refused:
        db.session.rollback()
        return _render(round_, action, answer=answer, values=values, card=card,
                       errors=refused.errors, status=refused.status)
    answer_id = saved.id
    # This browser follows its suggestions like its own cases (我的反馈, /t/<no>).
    tracking_nos = [case.tracking_no for case in queries.answer_suggestions(saved)]
    db.session.commit()
    for tracking_no in tracking_nos:
        _unlock(tracking_no)
    log.info("round %s answered (%s) via %s", round_.id, "new" if created else "changed",
             f"card {card.serial}" if card else "round link")
    return answer_id


# --- from the enterprise's own card --------------------------------------------------------

def _card_and_round(token, round_id):
    card = public_card(token)
    if card is None:
        return None, None
    if card.enterprise is None or card.is_revoked:
        abort(404)
    return card, _open_round(round_id)


@bp.get("/q/<token>/rounds/<int:round_id>")
def card_form(token, round_id):
    card, round_ = _card_and_round(token, round_id)
    if card is None:
        return _unknown_card()
    answer = ops.find_answer(round_, enterprise_id=card.enterprise.id)
    return _render(round_, request.path, answer=answer, card=card)


@bp.post("/q/<token>/rounds/<int:round_id>")
@csrf.exempt  # checked in _save, so an expired page keeps what was typed
@limiter.limit(_ip_limit, methods=["POST"])
def card_answer(token, round_id):
    card, round_ = _card_and_round(token, round_id)
    if card is None:
        return _unknown_card()
    answer = ops.find_answer(round_, enterprise_id=card.enterprise.id)
    result = _save(round_, request.path, card=card, answer=answer)
    if isinstance(result, int):
        return redirect(url_for(".card_form", token=token, round_id=round_id, saved=1))
    return result


# --- from the round link/QR ----------------------------------------------------------------

def _round_by_token(token) -> EvaluationRound:
    round_ = queries.round_by_token(token)
    if round_ is None:
        abort(404)
    return round_


def _my_answer(round_):
    """The answer this browser gave to the round through its link, if any."""
    return queries.answer_among(round_, session.get(MY_ANSWERS, []))


@bp.get("/r/<token>")
def link_form(token):
    round_ = _round_by_token(token)
    return _render(round_, request.path, answer=_my_answer(round_))


@bp.post("/r/<token>")
@csrf.exempt  # checked in _save, so an expired page keeps what was typed
@limiter.limit(_ip_limit, methods=["POST"])
def link_answer(token):
    round_ = _round_by_token(token)
    mine = session.get(MY_ANSWERS, [])
    result = _save(round_, request.path, answer=_my_answer(round_), may_change=mine)
    if isinstance(result, int):
        session[MY_ANSWERS] = [a for a in mine if a != result][-19:] + [result]
        return redirect(url_for(".link_form", token=token, saved=1))
    return result
