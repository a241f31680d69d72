"""Plans and coverage: 一线办公周 and 10天3次, across month boundaries and with assignments
that start or end inside a period (app/field/queries.py, docs/mechanisms.md)."""
from datetime import date, datetime, timezone

import pytest

from app.auth.models import Role
from app.extensions import db
from app.field import operations as ops, queries
from app.field.models import VisitLevel
from app.workdays.calendar import WorkCalendar

# November 2026: the 1st is a Sunday, so the office week runs 1–6 November (5 working days:
# Mon 2 – Fri 6). December 2026: Tue 1 – Mon 7.
CALENDAR = WorkCalendar({})


def at(day: date, hour=12):
    return datetime(day.year, day.month, day.day, hour - 8, tzinfo=timezone.utc)


@pytest.fixture
def pair(make_user, make_enterprise, world, fixed_clock):
    fixed_clock.set(at(date(2026, 12, 20)))
    leader = make_user(Role.leader, username="leader_cov")
    enterprise = make_enterprise()
    assignment = ops.assign_enterprise(world.admin, enterprise, leader, world.dept, world.handler,
                                       date(2026, 1, 1))
    db.session.commit()
    return leader, enterprise, assignment


def visit(actor, enterprise, day, *, with_leader=False, team=None):
    v, _cases = ops.record_visit(actor, enterprise=enterprise, visited_on=day,
                                 level=VisitLevel.county, heard="了解企业生产经营情况",
                                 with_leader=with_leader, team=team)
    db.session.commit()
    return v


def test_office_week_is_the_first_five_working_days():
    nov = queries.office_week(2026, 11, CALENDAR)
    assert (nov.start, nov.end) == (date(2026, 11, 1), date(2026, 11, 6))
    october = queries.office_week(2026, 10, CALENDAR)  # 国庆: the week moves past the holiday
    assert october.start == date(2026, 10, 1) and october.end > date(2026, 10, 8)
    assert [(d.start.day, d.end.day) for d in queries.dekads(2026, 2)] == [(1, 10), (11, 20), (21, 28)]


def test_a_visit_on_the_31st_does_not_cover_the_next_months_office_week(pair):
    leader, enterprise, _ = pair
    visit(leader, enterprise, date(2026, 10, 31))
    figures = queries.field_figures(date(2026, 11, 1), date(2026, 12, 1), date(2026, 12, 20))
    assert figures["office_week_coverage"] == {"planned": 1, "visited": 0, "rate": "0.00"}
    visit(leader, enterprise, date(2026, 11, 1))  # a Sunday, but inside the week: counts
    figures = queries.field_figures(date(2026, 11, 1), date(2026, 12, 1), date(2026, 12, 20))
    assert figures["office_week_coverage"] == {"planned": 1, "visited": 1, "rate": "100.00"}
    assert figures["visits"] == 1  # the 31 October visit belongs to October's figures


def test_the_leader_must_be_among_the_visitors(pair, world):
    leader, enterprise, _ = pair
    visit(world.handler, enterprise, date(2026, 11, 2))  # the liaison alone
    assert queries.field_figures(date(2026, 11, 1), date(2026, 12, 1))["office_week_coverage"]["visited"] == 0
    visit(world.handler, enterprise, date(2026, 11, 3), with_leader=True)
    assert queries.field_figures(date(2026, 11, 1), date(2026, 12, 1))["office_week_coverage"]["visited"] == 1


def test_an_assignment_starting_mid_week_is_planned_only_if_visited(pair, make_user, make_enterprise, world):
    leader, _, _ = pair
    late = make_enterprise()
    ops.assign_enterprise(world.admin, late, leader, world.dept, None, date(2026, 11, 4))
    db.session.commit()
    figures = queries.field_figures(date(2026, 11, 1), date(2026, 12, 1))
    assert figures["office_week_coverage"]["planned"] == 1  # only the pair that ran all week
    visit(leader, late, date(2026, 11, 5))
    figures = queries.field_figures(date(2026, 11, 1), date(2026, 12, 1))
    assert figures["office_week_coverage"] == {"planned": 2, "visited": 1, "rate": "50.00"}
    # December's week: both pairs ran all of it
    figures = queries.field_figures(date(2026, 12, 1), date(2027, 1, 1), date(2026, 12, 20))
    assert figures["office_week_coverage"]["planned"] == 2


def test_a_visit_after_the_assignment_ended_does_not_count_and_the_ended_pair_is_history(pair, world):
    leader, enterprise, assignment = pair
    ops.end_assignment(world.admin, assignment, date(2026, 11, 3))
    db.session.commit()
    assert assignment.ends_on == date(2026, 11, 3) and enterprise.package_leader_id is None
    visit(world.dispatcher, enterprise, date(2026, 11, 4))
    db.session.commit()
    figures = queries.field_figures(date(2026, 11, 1), date(2026, 12, 1))
    assert figures["office_week_coverage"]["planned"] == 0
    assert queries.all_assignments() == [assignment]  # kept, not deleted
    figures = queries.field_figures(date(2026, 10, 1), date(2026, 11, 1))
    assert figures["office_week_coverage"]["planned"] == 1  # October still counts it


def test_reassigning_ends_the_running_pair_the_day_before(pair, make_user, world):
    _leader, enterprise, first = pair
    other = make_user(Role.leader, username="leader_new")
    second = ops.assign_enterprise(world.admin, enterprise, other, world.other_dept, None,
                                   date(2026, 12, 10))
    db.session.commit()
    assert first.ends_on == date(2026, 12, 9) and second.ends_on is None
    assert enterprise.package_leader_id == other.id
    assert enterprise.responsible_department_id == world.other_dept.id


def test_team_coverage_counts_three_visits_per_dekad(pair, world, make_user):
    _leader, enterprise, _ = pair
    team = ops.create_team(world.admin, "市场监管服务团", world.dept, True, date(2026, 1, 1))
    ops.add_team_member(world.admin, team, world.handler, date(2026, 1, 1))
    db.session.commit()
    for day in (1, 5, 9, 10):  # four in 上旬: counted as three
        visit(world.handler, enterprise, date(2026, 11, day), team=team)
    visit(world.handler, enterprise, date(2026, 11, 11), team=team)  # one in 中旬
    figures = queries.field_figures(date(2026, 11, 1), date(2026, 12, 1), date(2026, 12, 20))
    assert figures["team_coverage"] == {"planned": 9, "visited": 4, "rate": "44.44"}
    assert figures["by_team"] == [{"team": "市场监管服务团", "planned": 9, "visited": 4,
                                   "rate": "44.44"}]
