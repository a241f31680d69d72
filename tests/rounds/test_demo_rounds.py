"""The demo county's past rounds: closed, answered from cards and the link, with suggestions
as cases of which the older are solved, and a trend against the previous round."""
from datetime import date

from sqlalchemy import select

from app.cases.models import CaseSource
from app.extensions import db
from app.rounds import queries
from app.rounds.models import EvaluationRound, RoundState
from tests.demo.test_demo import load


def test_demo_loads_three_past_rounds_with_answers_and_suggestions(runner):
    load(runner)
    rounds = db.session.execute(select(EvaluationRound).order_by(EvaluationRound.starts_on)).scalars().all()
    assert len(rounds) == 3 and all(r.state is RoundState.closed for r in rounds)
    figures = queries.round_figures(date(2000, 1, 1), date(2100, 1, 1))
    assert figures["rounds_held"] == 3 and figures["answers"] >= 60
    assert figures["suggestions_collected"] >= 10 and 0 < figures["suggestions_solved"]
    last = rounds[-1]
    assert queries.participation(last)["answered_others"] == 3
    assert all(c.source is CaseSource.review for c in queries.suggestions(last))
    result = queries.results(last)
    assert result["previous"].id == rounds[1].id
    assert any(cell["change"] for row in result["rows"] for cell in row["cells"])
