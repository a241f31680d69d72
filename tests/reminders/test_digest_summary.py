"""The heads' daily digest: counts by the database, the first twenty overdue cases listed."""
from datetime import timedelta

from app.cases.models import CaseState, Complexity
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


def test_the_digest_list_is_the_whole_overdue_list_cut_at_twenty(app, world, make_case):
    """Mixed states and limits (urgent cases' deadlines come before older general ones', a
    signed case's handling deadline between dispatched ones'): each department's list is
    exactly the first twenty of all its overdue cases ordered by (handling deadline, else sign
    deadline; id) — what the digest listed when it read them all — and its count their
    number. Replied and closed cases, and cases not yet overdue, are in neither."""
    states = [CaseState.dispatched, CaseState.signed, CaseState.replied, CaseState.closed]
    complexities = [Complexity.general, Complexity.urgent, Complexity.complex]
    cases = [make_case(states[index % 4], now=T0 + timedelta(hours=3 * index),
                       complexity=complexities[index % 3],
                       department=world.dept if index % 5 else world.other_dept)
             for index in range(90)]
    now = T0 + timedelta(days=14)
    summaries = department_summaries({world.dept.id, world.other_dept.id}, now)
    for department in (world.dept, world.other_dept):
        overdue = [case for case in cases if case.lead_department_id == department.id and (
            (case.state is CaseState.dispatched and case.sign_due_at < now)
            or (case.state is CaseState.signed and case.reply_due_at < now))]
        expected = sorted(overdue, key=lambda case: (case.reply_due_at or case.sign_due_at,
                                                     case.id))
        mine = summaries[department.id]
        assert mine.overdue_count == len(overdue)
        assert [no for no, _label, _due in mine.overdue] == \
            [case.tracking_no for case in expected[:DIGEST_LIST_MAX]]
    mine = summaries[world.dept.id]
    # The data is what the test means it to be: more than twenty overdue, some not yet,
    # the two states listed.
    assert mine.overdue_count > DIGEST_LIST_MAX
    assert {label for _no, label, _due in mine.overdue} == {CaseState.dispatched.label,
                                                            CaseState.signed.label}
    assert mine.overdue_count < mine.counts["dispatched"] + mine.counts["signed"]
