"""A message built for an explicit `now` reads the same whatever the app clock says: a deadline
names its year only when it is not `now`'s year (local), never the year of the clock."""
from datetime import timedelta

from app.cases import operations as ops
from app.cases.models import AuditEvent, CaseState, Rating
from app.extensions import db
from app.reminders import queries
from app.reminders.models import Notification
from app.reminders.tasks import tick
from tests.reminders.conftest import T0, minutes

# The app clock stands five years after the moments the operations are given: without the
# `today` taken from their `now`, every deadline below would read "2026年…".
CLOCK = T0 + timedelta(days=5 * 365)


def test_tick_and_operations_with_an_explicit_now_do_not_name_the_clocks_year(
        channels, short_limits, make_case, smtp_sink, webhook_sink, fixed_clock):
    fixed_clock.set(CLOCK)
    w = channels
    case = make_case(CaseState.dispatched, now=T0, enterprise=w.enterprise)
    tick(minutes(5))  # the 签收 reminder
    ops.sign_case(case, w.handler, now=minutes(6))
    db.session.commit()
    for minute in (30, 48, 57, 60, 90):  # the 办理 reminders, the urge and the supervise
        tick(minutes(minute))

    market = [c for c in webhook_sink.contents("market") if case.tracking_no in c]
    assert market[0].split("\n")[0] == (
        f"【码上办】新派件 {case.tracking_no}，请在11月17日（周二）09:10前签收")
    assert "时限：11月17日（周二）09:10前" in market[0]  # the robot's deadline line
    assert len(market) == 7, market
    notes = db.session.scalars(db.select(AuditEvent.note).filter(
        AuditEvent.case_id == case.id, AuditEvent.action.in_(("urge", "supervise")))).all()
    assert len(notes) == 2 and all("（11月17日（周二）10:00前）" in n for n in notes), notes
    texts = [f"{n.title} {n.body}" for n in db.session.scalars(db.select(Notification))]
    texts += [m["body"] for m in smtp_sink.messages] + market + notes
    assert len(texts) > 20
    assert not [t for t in texts if "年" in t]

    # The day's digest of overdue cases, for that same `now`.
    summary = queries.department_summaries({w.dept.id}, minutes(90))[w.dept.id]
    assert [deadline for _no, _state, deadline in summary.overdue] == ["11月17日（周二）10:00前"]

    # A 差评's 回访 and 整改 deadlines, told at once.
    ops.reply_to_case(case, w.handler, "已处理完毕", now=minutes(95))
    ops.rate_case(case, Rating.dissatisfied, "没解决", now=minutes(100), tags=["unresolved"])
    db.session.commit()
    told = db.session.scalars(db.select(Notification.body).filter(
        Notification.kind.in_(("callback_due", "reopened")))).all()
    assert told and all("请在11月" in body and "年" not in body for body in told), told
