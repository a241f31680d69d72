"""The hand-built county the figures tests share."""
from datetime import datetime, timezone

import pytest

from app.cases import operations as ops
from app.cases.models import CaseState, Rating
from app.extensions import db
from tests.figures.timeline import DAY, HOUR, NOW, T0, local


@pytest.fixture
def county(world, make_case, fixed_clock):
    """Ten valid November cases telling every story of §5, plus an invalid one and an October one.
    The clock stands at NOW, so everything that reads the current instant (CLI, API, views)
    judges these cases as the assertions do, whatever day the suite runs."""
    fixed_clock.set(NOW)
    w, h = world, world.handler
    c = {}
    c["A"] = make_case(CaseState.closed, now=T0)  # all on time, 满意

    c["B"] = b = make_case(now=T0)  # signed late, replied late, 基本满意
    ops.dispatch_case(b, w.dispatcher, w.dept, now=T0)
    ops.sign_case(b, h, now=local(19))
    ops.reply_to_case(b, h, "已处理", now=local(25))
    ops.rate_case(b, Rating.basically_satisfied, now=local(25, 10))

    c["C"] = cc = make_case(CaseState.replied, now=T0)  # reopened, then on time
    ops.rate_case(cc, Rating.dissatisfied, now=T0 + HOUR, tags=["slow"])  # new handling limit: 24th 10:00
    ops.reply_to_case(cc, h, "重新处理完毕", now=local(20))
    ops.rate_case(cc, Rating.satisfied, now=local(20, 10))

    c["D"] = d = make_case(CaseState.signed, now=T0)  # extended: late by the original limit only
    ops.request_extension(d, h, 3, "需要现场核查", now=local(20))
    ops.approve_extension(d, w.dispatcher, now=local(20, 10))  # 24th → 27th 09:00
    ops.reply_to_case(d, h, "核查后已处理", now=local(26))
    ops.rate_case(d, Rating.very_satisfied, now=local(26, 10))

    c["E"] = make_case(CaseState.dispatched, now=T0, department=w.other_dept)  # never signed
    c["F"] = make_case(CaseState.dispatched, now=NOW - HOUR)  # sign deadline still ahead
    c["G"] = make_case(CaseState.returned, now=T0, department=w.other_dept)  # returned in time

    c["H"] = hh = make_case(now=T0)  # answered at intake, no handling deadline
    ops.answer_now(hh, w.dispatcher, "需要营业执照原件", now=T0)
    ops.rate_case(hh, Rating.satisfied, now=T0 + HOUR)

    c["K"] = k = make_case(CaseState.signed, now=T0)  # replied, not yet rated
    ops.reply_to_case(k, h, "已答复", now=T0 + DAY)

    c["M"] = m = make_case(CaseState.replied, now=T0)  # reopened and overdue again
    ops.rate_case(m, Rating.very_dissatisfied, now=T0 + HOUR, tags=["slow"])

    c["I"] = make_case(CaseState.invalid, now=T0)
    c["J"] = make_case(CaseState.closed, now=datetime(2026, 10, 20, 2, 0, tzinfo=timezone.utc))
    db.session.commit()
    return c
