"""The rules of a round: opening, one answer per enterprise and per credit code, changing an
answer, closing, suggestions as cases, and the figures."""
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.cases.errors import CaseActionError
from app.cases.models import AuditEvent, Case, CaseSource, CaseState
from app.extensions import db
from app.intake.queries import public_card
from app.rounds import operations as ops, queries
from app.rounds.models import RoundAnswer, RoundScore, RoundSuggestion
from tests.conftest import valid_credit_code


def ratings(round_, level="satisfied", **override):
    values = {ops.rating_field(link.department_id, i): level
              for link in round_.departments for i, _ in enumerate(round_.dimensions)}
    values.update(override)
    return values


def count(model):
    return db.session.execute(select(func.count()).select_from(model)).scalar()


def test_opening_a_round_is_audited_and_checked(open_round, world):
    round_ = open_round()
    event = db.session.execute(select(AuditEvent).filter_by(action="open_round")).scalar_one()
    assert event.data == {"round_id": round_.id} and event.actor_id == world.dispatcher.id
    assert round_.dimensions == ["服务效率", "服务态度"] and len(round_.departments) == 2
    with pytest.raises(CaseActionError, match="被评议部门"):
        ops.open_round(world.dispatcher, title="x", starts_on=date(2026, 11, 2),
                       ends_on=date(2026, 11, 3), departments=[], dimensions="服务效率")
    with pytest.raises(CaseActionError, match="结束日期不能早于开始日期"):
        ops.open_round(world.dispatcher, title="x", starts_on=date(2026, 11, 2),
                       ends_on=date(2026, 11, 1), departments=[world.dept], dimensions="服务效率")
    with pytest.raises(CaseActionError, match="无权"):
        ops.open_round(world.handler, title="x", starts_on=date(2026, 11, 2),
                       ends_on=date(2026, 11, 3), departments=[world.dept], dimensions="服务效率")


def test_one_answer_per_enterprise_from_its_card_changed_in_place(open_round, make_card):
    round_ = open_round()
    card = public_card(make_card().token)
    answer, created = ops.save_answer(round_, ratings(round_), card=card)
    db.session.commit()
    assert created
    again, created = ops.save_answer(round_, ratings(round_, "very_dissatisfied"), card=card)
    db.session.commit()
    assert not created and again.id == answer.id
    assert count(RoundAnswer) == 1 and count(RoundScore) == 4
    assert {s.rating.name for s in db.session.scalars(select(RoundScore))} == {"very_dissatisfied"}
    # Unrating one department drops its scores; the rest stay.
    values = ratings(round_)
    del values[ops.rating_field(round_.departments[0].department_id, 0)]
    ops.save_answer(round_, values, card=card)
    db.session.commit()
    assert count(RoundScore) == 3


def test_round_link_takes_one_answer_per_credit_code(open_round):
    round_ = open_round()
    code = valid_credit_code(4242)
    values = dict(ratings(round_), enterprise_name="无码企业有限公司", credit_code=code.lower())
    answer, created = ops.save_answer(round_, values)
    db.session.commit()
    assert created and answer.credit_code == code and answer.card_id is None
    with pytest.raises(ops.AnswerRefused) as refused:  # another browser types the same code
        ops.save_answer(round_, values)
    assert "已参加本轮评议" in refused.value.errors["credit_code"]
    db.session.rollback()
    # The browser that answered may change its answer.
    again, created = ops.save_answer(round_, dict(values, **ratings(round_, "satisfied")),
                                     may_change=[answer.id])
    assert not created and again.id == answer.id


def test_round_link_checks_the_credit_code_and_names_every_problem(open_round):
    round_ = open_round()
    with pytest.raises(ops.AnswerRefused) as refused:
        ops.save_answer(round_, {"credit_code": "91371500000000000X", "suggestion": "短",
                                 "contact_phone": "123"})
    errors = refused.value.errors
    assert set(errors) == {"enterprise_name", "credit_code", "ratings", "category", "suggestion",
                           "contact_phone"}
    assert "校验位" in errors["credit_code"] or "无效字符" in errors["credit_code"]


def test_an_enterprise_with_a_card_cannot_answer_again_by_the_link(open_round, make_card):
    round_ = open_round()
    card = public_card(make_card(credit_code=valid_credit_code(777)).token)
    ops.save_answer(round_, ratings(round_), card=card)
    db.session.commit()
    with pytest.raises(ops.AnswerRefused) as refused:
        ops.save_answer(round_, dict(ratings(round_), enterprise_name="冒名",
                                     credit_code=valid_credit_code(777)))
    assert "credit_code" in refused.value.errors


def test_a_closed_round_refuses_answers(open_round, make_card, world):
    round_ = open_round()
    card = public_card(make_card().token)
    ops.close_round(round_, world.dispatcher)
    db.session.commit()
    assert db.session.execute(select(AuditEvent).filter_by(action="close_round")).scalar_one()
    with pytest.raises(ops.AnswerRefused) as refused:
        ops.save_answer(round_, ratings(round_), card=card)
    assert refused.value.status == 409 and "已结束" in refused.value.errors["form"]
    with pytest.raises(CaseActionError, match="已经结束"):
        ops.close_round(round_, world.dispatcher)


def test_a_suggestion_becomes_a_review_case_once(open_round, make_card):
    round_ = open_round()
    card = public_card(make_card().token)
    values = dict(ratings(round_), suggestion="希望简化不动产登记的材料", category="other",
                  contact_phone="13800138000")
    ops.save_answer(round_, values, card=card)
    ops.save_answer(round_, values, card=card)  # the same text again: still one case
    db.session.commit()
    case = db.session.execute(select(Case)).scalar_one()
    assert case.source is CaseSource.review and case.enterprise_id == card.enterprise.id
    assert case.state is CaseState.submitted and not case.is_anonymous
    assert db.session.execute(select(RoundSuggestion)).scalar_one().case_id == case.id
    actions = {e.action for e in case.events}
    assert {"submit", "from_round"} <= actions


def test_round_figures_count_rounds_answers_and_solved_suggestions(open_round, make_card, world):
    round_ = open_round()
    for n in range(2):
        card = public_card(make_card().token)
        ops.save_answer(round_, dict(ratings(round_), suggestion=f"第{n}条意见建议内容",
                                     category="other"), card=card)
    db.session.commit()
    case = db.session.scalars(select(Case).order_by(Case.id)).first()
    from app.cases import operations as case_ops
    from app.cases.models import Rating
    case_ops.dispatch_case(case, world.dispatcher, world.dept)
    case_ops.sign_case(case, world.handler)
    case_ops.reply_to_case(case, world.handler, "已简化材料")
    case_ops.rate_case(case, Rating.satisfied)
    db.session.commit()
    figures = queries.round_figures(date(2026, 10, 1), date(2027, 1, 1))
    assert figures == {"rounds_held": 1, "answers": 2, "suggestions_collected": 2,
                       "suggestions_solved": 1, "solved_rate": "50.00"}
    assert queries.round_figures(date(2026, 12, 1), date(2027, 1, 1))["rounds_held"] == 0


def test_results_average_scores_and_compare_with_the_previous_round(open_round, make_card):
    first = open_round(title="第一轮", starts_on=date(2026, 8, 1), ends_on=date(2026, 8, 31))
    cards = [public_card(make_card().token) for _ in range(3)]
    for card in cards:
        ops.save_answer(first, ratings(first, "basically_satisfied"), card=card)
    second = open_round(title="第二轮")
    for card, level in zip(cards, ("very_satisfied", "satisfied", "satisfied")):
        ops.save_answer(second, ratings(second, level), card=card)
    db.session.commit()
    result = queries.results(second)
    cell = result["rows"][0]["cells"][0]
    assert result["previous"].id == first.id
    assert cell == {"dimension": "服务效率", "count": 3, "withheld": False, "average": "83.3",
                    "previous": "50.0", "change": "+33.3"}
    part = queries.participation(second)
    assert part["invited"] == 3 and part["answered_invited"] == 3 and part["rate"] == "100.00"


def test_participation_counts_invited_enterprises_whichever_way_they_answered(
        open_round, make_card, fixed_clock):
    round_ = open_round()
    by_card, by_link = make_card(), make_card()
    make_card()  # invited, silent
    fixed_clock.advance(timedelta(days=1))
    late = make_card()  # issued after the round opened: not invited
    ops.save_answer(round_, ratings(round_), card=public_card(by_card.token))
    ops.save_answer(round_, dict(ratings(round_), enterprise_name=by_link.enterprise.name,
                                 credit_code=by_link.enterprise.credit_code))
    ops.save_answer(round_, ratings(round_), card=public_card(late.token))
    db.session.commit()
    assert queries.participation(round_) == {"invited": 3, "answered_invited": 2,
                                             "answered_others": 1, "answers": 3, "rate": "66.66"}
