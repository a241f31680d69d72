"""Migration 0006 fills the handling time of cases answered before it, as reply_to_case would."""
import flask_migrate
from sqlalchemy import inspect

from app.cases import operations as ops
from app.cases.models import Case, CaseState, Rating
from app.extensions import db

from tests.figures.timeline import DAY, T0, local


def test_upgrade_fills_handling_seconds_and_downgrade_removes_the_column(world, make_case):
    closed = make_case(CaseState.closed, now=T0)
    replied = make_case(CaseState.signed, now=T0)
    ops.reply_to_case(replied, world.handler, "已答复", now=T0 + 3 * DAY)
    reopened = make_case(CaseState.replied, now=T0)
    ops.rate_case(reopened, Rating.dissatisfied, now=local(18), tags=["slow"])
    answered = make_case(now=T0)
    ops.answer_now(answered, world.dispatcher, "当即答复", now=T0)
    db.session.commit()
    before = {case.id: case.handling_seconds for case in (closed, replied, reopened, answered)}
    assert before[replied.id] == 3 * 86400  # Tue → Fri 09:00: three working days

    db.session.remove()  # release the read: PostgreSQL's ALTER TABLE waits for every reader
    flask_migrate.downgrade(revision="0005")
    columns = {c["name"] for c in inspect(db.engine).get_columns("cases")}
    indexes = {i["name"] for i in inspect(db.engine).get_indexes("cases")}
    assert "handling_seconds" not in columns and "ix_cases_submitted_at" in indexes
    assert not {"ix_cases_figures", "ix_cases_handled"} & indexes

    flask_migrate.upgrade()
    db.session.remove()
    indexes = {i["name"] for i in inspect(db.engine).get_indexes("cases")}
    assert {"ix_cases_figures", "ix_cases_handled"} <= indexes
    assert "ix_cases_submitted_at" not in indexes
    after = dict(db.session.execute(db.select(Case.id, Case.handling_seconds)).all())
    assert after == before
    assert after[reopened.id] is None and after[answered.id] is None
