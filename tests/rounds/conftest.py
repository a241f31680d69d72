from datetime import date, datetime, timezone

import pytest

from app.cards.operations import issue_card
from app.extensions import db
from app.rounds import operations as ops

# Monday 2 November 2026, 09:00 in the county (01:00 UTC).
MONDAY = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)


@pytest.fixture
def open_round(world, fixed_clock):
    fixed_clock.set(MONDAY)

    def make(title="2026年第四季度网络专项评议", starts_on=date(2026, 11, 2),
             ends_on=date(2026, 11, 30), departments=None, dimensions="服务效率\n服务态度"):
        round_ = ops.open_round(world.dispatcher, title=title, starts_on=starts_on,
                                ends_on=ends_on,
                                departments=departments or [world.dept, world.other_dept],
                                dimensions=dimensions)
        db.session.commit()
        return round_
    return make


@pytest.fixture
def make_card(make_enterprise):
    def make(**kw):
        card = issue_card(make_enterprise(**kw))
        db.session.commit()
        return card
    return make
