"""Migration 0030 copies every earlier rating into `ratings`: from the `rate` audit events
(a rating recorded by staff came by phone), or from the case's own columns without one."""
import flask_migrate
from sqlalchemy import text

from app.cases import operations as ops
from app.cases.models import CaseState, Rating
from app.extensions import db
from tests.rating.test_loop import HOUR, T0


def test_upgrade_copies_earlier_ratings_into_the_history(world, make_case):
    reopened = make_case(CaseState.replied, now=T0)
    ops.rate_case(reopened, Rating.dissatisfied, "没解决", now=T0 + HOUR, tags=["slow"])
    ops.reply_to_case(reopened, world.handler, "已整改", now=T0 + 2 * HOUR)
    ops.rate_case(reopened, Rating.satisfied, "好了", actor=world.dispatcher, now=T0 + 3 * HOUR)
    plain = make_case(CaseState.closed, now=T0)  # 满意 from the status page
    make_case(CaseState.replied, now=T0)  # rated below as data loaded directly would be
    db.session.commit()
    ids = (reopened.id, plain.id)

    db.session.remove()  # release the read: PostgreSQL's ALTER TABLE waits for every reader
    flask_migrate.downgrade(revision="0017")
    with db.engine.begin() as conn:  # a case rated by data loaded directly, with no event
        conn.execute(text("UPDATE cases SET rating = 'very_satisfied' WHERE id = "
                          "(SELECT MIN(id) FROM cases WHERE rating IS NULL)"))
    flask_migrate.upgrade()
    db.session.remove()
    rows = db.session.execute(text(
        "SELECT case_id, level, comment, channel, is_follow_up, appeal_state FROM ratings "
        "ORDER BY case_id, rated_at, id")).all()
    by_case = {}
    for case_id, *rest in rows:
        level, comment, channel, follow_up, appeal = rest
        by_case.setdefault(case_id, []).append((level, comment, channel, bool(follow_up), appeal))
    assert by_case[ids[0]] == [("dissatisfied", "没解决", "status_page", False, "none"),
                               ("satisfied", "好了", "phone", True, "none")]
    assert by_case[ids[1]] == [("satisfied", None, "status_page", False, "none")]
    assert len(by_case) == 3  # the directly loaded one too
    limits = dict(db.session.execute(text(
        "SELECT key, amount FROM time_limits WHERE key IN ('callback', 'rework')")).all())
    assert limits == {"callback": 1, "rework": 5}
