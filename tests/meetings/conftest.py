from datetime import date, datetime, timezone

import pytest

from app.extensions import db
from app.meetings import operations as ops
from app.meetings.queries import meeting_type_by_code

# Monday 2 November 2026, 09:00 in the county (01:00 UTC): a plain working week.
MONDAY = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)


@pytest.fixture
def make_meeting(world):
    def make(code="party_business", held_on=date(2026, 11, 26), **kw):
        meeting = ops.create_meeting(world.dispatcher, meeting_type_by_code(code), held_on, **kw)
        db.session.commit()
        return meeting
    return make
