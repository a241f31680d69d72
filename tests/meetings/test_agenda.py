"""The agenda's selection rules, each on its own, on the office's working days."""
from datetime import date, timedelta

from app.auth.models import Role
from app.cases import operations as case_ops
from app.cases.models import CaseSource, CaseState, Rating
from app.extensions import db
from app.meetings import operations as ops
from app.meetings.models import AgendaReason
from app.meetings.queries import agenda_candidates
from tests.conftest import category
from tests.meetings.conftest import MONDAY


def reasons_of(meeting, case, now):
    return agenda_candidates(meeting, now).get(case.id, [])


def test_overdue_case_is_on_the_agenda_and_a_case_in_time_is_not(world, make_case, make_meeting,
                                                                fixed_clock):
    fixed_clock.set(MONDAY)
    late = make_case(CaseState.signed, now=MONDAY)
    meeting = make_meeting(held_on=date(2026, 11, 26))
    assert reasons_of(meeting, late, MONDAY + timedelta(hours=1)) == []
    after_deadline = late.reply_due_at + timedelta(minutes=1)
    assert AgendaReason.overdue in reasons_of(meeting, late, after_deadline)


def test_urged_case_is_on_the_agenda_until_it_is_answered(world, make_case, make_meeting,
                                                         fixed_clock):
    fixed_clock.set(MONDAY)
    case = make_case(CaseState.signed, now=MONDAY)
    meeting = make_meeting()
    case_ops.urge_case(case, world.dispatcher, note="请加快", now=MONDAY)
    db.session.commit()
    assert AgendaReason.escalated in reasons_of(meeting, case, MONDAY + timedelta(hours=1))
    case_ops.reply_to_case(case, world.handler, "已解决", now=MONDAY + timedelta(hours=2))
    db.session.commit()
    assert AgendaReason.escalated not in reasons_of(meeting, case, MONDAY + timedelta(hours=3))


def test_bad_rating_since_the_previous_meeting_is_on_the_agenda_even_when_closed_since(
        world, make_case, make_meeting, fixed_clock):
    fixed_clock.set(MONDAY)
    previous = make_meeting(held_on=date(2026, 10, 22))
    meeting = make_meeting(held_on=date(2026, 11, 26))
    case = make_case(CaseState.replied, now=MONDAY)
    case_ops.rate_case(case, Rating.dissatisfied, "没解决", now=MONDAY + timedelta(hours=1),
                       tags=["unresolved"])
    case_ops.reply_to_case(case, world.handler, "重新处理", now=MONDAY + timedelta(hours=2))
    case_ops.rate_case(case, Rating.satisfied, now=MONDAY + timedelta(hours=3))
    db.session.commit()
    assert case.state is CaseState.closed
    assert reasons_of(meeting, case, MONDAY + timedelta(days=1)) == [AgendaReason.unsatisfied]
    # the previous meeting (22 October) reviewed the month before it: the rating came later
    assert AgendaReason.unsatisfied not in reasons_of(previous, case, date_instant(2026, 10, 22))


def date_instant(y, m, d):
    from app.core.timeutil import local_datetime
    from datetime import time
    return local_datetime(date(y, m, d), time(18))


def test_reopened_case_is_on_the_agenda_while_open(world, make_case, make_meeting, fixed_clock):
    fixed_clock.set(MONDAY)
    case = make_case(CaseState.replied, now=MONDAY)
    case_ops.rate_case(case, Rating.very_dissatisfied, now=MONDAY + timedelta(hours=1),
                       tags=["slow"])
    db.session.commit()
    meeting = make_meeting()
    assert AgendaReason.reopened in reasons_of(meeting, case, MONDAY + timedelta(hours=2))


def test_stuck_counts_working_days_so_a_weekend_does_not_make_a_case_stuck(
        world, make_case, make_meeting, fixed_clock):
    fixed_clock.set(MONDAY)
    ops.set_stuck_workdays(world.admin, 2)
    thursday = MONDAY + timedelta(days=3)
    case = make_case(CaseState.signed, now=thursday)  # last change of state: Thursday
    meeting = make_meeting()
    monday_after = thursday + timedelta(days=4)  # Thu, Fri: 2 working days
    assert AgendaReason.stuck not in reasons_of(meeting, case, monday_after)
    assert AgendaReason.stuck in reasons_of(meeting, case, monday_after + timedelta(days=1))


def test_stuck_setting_is_admin_only_and_bounded(world):
    import pytest
    from app.cases.errors import CaseActionError
    with pytest.raises(CaseActionError):
        ops.set_stuck_workdays(world.dispatcher, 5)
    with pytest.raises(CaseActionError, match="1至120"):
        ops.set_stuck_workdays(world.admin, "0")


def test_unsettled_issues_of_the_previous_meeting_of_the_same_type_come_back(
        world, make_meeting, fixed_clock):
    fixed_clock.set(MONDAY)
    previous = make_meeting(held_on=date(2026, 11, 3))
    other_type = make_meeting(code="face_to_face", held_on=date(2026, 11, 20))
    issue = ops.raise_issue(previous, world.dispatcher, category=category(), content="用电增容迟迟未批",
                            department=world.dept, leader_name="王县长", due_on=date(2026, 12, 31))
    done = ops.raise_issue(previous, world.dispatcher, category=category(), content="道路修缮问题",
                           department=world.dept, leader_name="王县长", due_on=date(2026, 12, 31))
    for step in (case_ops.sign_case, ):
        step(done.case, world.handler)
    case_ops.reply_to_case(done.case, world.handler, "已修好")
    case_ops.rate_case(done.case, Rating.satisfied)
    db.session.commit()
    meeting = make_meeting(held_on=date(2026, 11, 26))
    now = MONDAY + timedelta(hours=2)
    assert AgendaReason.previous_open in reasons_of(meeting, issue.case, now)
    assert AgendaReason.previous_open not in reasons_of(meeting, done.case, now)
    assert AgendaReason.previous_open not in reasons_of(other_type, issue.case, now)


def test_weekly_hotline_review_looks_at_hotline_cases_only(world, make_case, make_meeting,
                                                          fixed_clock):
    fixed_clock.set(MONDAY)
    hotline = make_case(CaseState.signed, now=MONDAY, source=CaseSource.hotline)
    card = make_case(CaseState.signed, now=MONDAY)
    meeting = make_meeting(code="hotline_weekly")
    later = hotline.reply_due_at + timedelta(hours=1)
    assert AgendaReason.overdue in reasons_of(meeting, hotline, later)
    assert reasons_of(meeting, card, later) == []


def test_building_again_keeps_dropped_items_dropped_and_adds_only_new_cases(
        world, make_case, make_meeting, fixed_clock):
    fixed_clock.set(MONDAY)
    first = make_case(CaseState.signed, now=MONDAY)
    meeting = make_meeting()
    fixed_clock.set(first.reply_due_at + timedelta(hours=1))
    assert ops.build_agenda(meeting, world.dispatcher) == 1
    item = meeting.agenda_items[0]
    ops.edit_agenda_item(meeting, world.dispatcher, item.id, note="请税务局说明", dropped=True)
    db.session.commit()
    second = make_case(CaseState.signed, now=MONDAY)
    case_ops.urge_case(second, world.dispatcher)
    db.session.commit()
    assert ops.build_agenda(meeting, world.dispatcher) == 1
    by_case = {i.case_id: i for i in meeting.agenda_items}
    assert by_case[first.id].is_dropped and by_case[first.id].note == "请税务局说明"
    assert not by_case[second.id].is_dropped


def test_handlers_cannot_build_an_agenda(world, make_meeting, make_user):
    import pytest
    from app.cases.errors import CaseActionError
    meeting = make_meeting()
    with pytest.raises(CaseActionError):
        ops.build_agenda(meeting, make_user(Role.leader))


def test_stuck_cutoff_skips_the_national_day_holiday(world):
    """Seven days off from 1 October 2026 (国庆/中秋): on Friday 9 October, a last change on
    Tuesday 29 September is 3 working days ago (29 and 30 September, 8 October), not more;
    one on Monday 28 September or earlier is stuck."""
    from datetime import datetime, timezone
    from app.meetings.queries import stuck_cutoff
    from app.workdays.calendar import WorkCalendar
    now = datetime(2026, 10, 9, 2, 0, tzinfo=timezone.utc)
    cutoff = stuck_cutoff(now, 3, WorkCalendar())
    from app.core.timeutil import to_local
    assert to_local(cutoff).date() == date(2026, 9, 29)
