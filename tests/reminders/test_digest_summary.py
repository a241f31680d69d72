"""The heads' daily digest: counts by the database, the first twenty overdue cases listed."""
from datetime import timedelta

from app.cases.models import CaseState
from app.reminders.queries import DIGEST_LIST_MAX, department_summaries
from tests.reminders.conftest import T0


def test_the_digest_lists_the_first_twenty_overdue_by_deadline_and_counts_the_rest(
        app, world, make_case):
    """22 overdue cases of one department (dispatched an hour apart, so their sign deadlines
    are in that order) and one of another: the digest says 22, lists the 20 earliest
    deadlines in order, and '另有 2 件'; the other department counts only its own."""
    cases = [make_case(CaseState.dispatched, now=T0 + timedelta(hours=index))
             for index in range(DIGEST_LIST_MAX + 2)]
    other = make_case(CaseState.dispatched, now=T0, department=world.other_dept)
    later = max(case.sign_due_at for case in cases) + timedelta(days=1)
    summaries = department_summaries({world.dept.id, world.other_dept.id}, later)
    mine = summaries[world.dept.id]
    assert mine.overdue_count == DIGEST_LIST_MAX + 2 and mine.counts["dispatched"] == 22
    expected = sorted(cases, key=lambda case: (case.sign_due_at, case.id))[:DIGEST_LIST_MAX]
    assert [no for no, _label, _due in mine.overdue] == [case.tracking_no for case in expected]
    text = mine.text()
    assert f"已逾期 {DIGEST_LIST_MAX + 2} 件" in text and "……另有 2 件" in text
    assert summaries[world.other_dept.id].overdue_count == 1
    assert [no for no, _l, _d in summaries[world.other_dept.id].overdue] == [other.tracking_no]
    # Before any deadline passed: nothing overdue, nothing listed.
    early = department_summaries({world.dept.id}, T0)[world.dept.id]
    assert early.overdue_count == 0 and early.overdue == [] and "已逾期 0 件" in early.text()
