"""DESIGN §5 over a hand-built set of cases: every figure, numerator and denominator exactly."""
from datetime import date, datetime, timedelta, timezone
from decimal import ROUND_DOWN, Decimal

from app.cases import operations as ops
from app.cases.models import CaseState, Rating
from app.extensions import db
from app.core.timeutil import LOCAL_TZ
from app.figures.queries import (FIGURES, MEDIAN, case_ids_for, compute_figures, dashboard_figures,
                                 truncated_rate)
from app.workdays.calendar import WorkCalendar
from app.workdays.models import HolidayOverride

from tests.figures.timeline import DAY, HOUR, NOV, NOW, T0, local


def numbers(result, name):
    value = result["figures"][name]
    return value["numerator"], value["denominator"], value["rate"], value["display"]


def drilled(figure, part, filters=None, period=NOV, now=NOW):
    return set(db.session.execute(case_ids_for(figure, part, *period, filters, now=now)).scalars())


def ids(county, *names):
    return {county[n].id for n in names}


def test_every_headline_figure_exact_with_numerator_and_denominator(county):
    result = compute_figures(*NOV, now=NOW)
    assert numbers(result, "received") == (10, None, None, "10")
    assert numbers(result, "closure") == (5, 10, "50.00", "50.00%")
    assert numbers(result, "reply") == (7, 10, "70.00", "70.00%")
    # 5 of 7 is 71.428…%: shown 71.42, not rounded up to 71.43.
    assert numbers(result, "on_time_sign") == (5, 7, "71.42", "71.42%")
    assert numbers(result, "on_time_closure") == (4, 5, "80.00", "80.00%")
    assert numbers(result, "satisfaction") == (5, 6, "83.33", "83.33%")
    assert numbers(result, "overdue_now") == (2, None, None, "2")
    assert numbers(result, "returned") == (1, None, None, "1")
    assert numbers(result, "extended") == (1, None, None, "1")
    assert numbers(result, "reopened") == (2, None, None, "2")
    # A 0h, K 24h, C 72h, B 144h, D 168h of working-day time: the median is C's.
    median = result["figures"][MEDIAN]
    assert (median["numerator"], median["hours"], median["display"]) == (5, "72.00", "72.00 小时")
    assert result["period"]["from"] == "2026-11-01" and result["period"]["to"] == "2026-12-01"


def test_each_figure_counts_exactly_the_cases_of_its_story(county):
    expected = {
        ("received", "numerator"): "ABCDEFGHKM",
        ("closure", "numerator"): "ABCDH",
        ("reply", "numerator"): "ABCDHKM",
        ("on_time_sign", "numerator"): "ACDKM",
        ("on_time_sign", "denominator"): "ABCDEKM",  # F not yet due, G returned in time
        ("on_time_closure", "numerator"): "ACDH",  # D against its extended deadline, H at intake
        ("on_time_closure", "denominator"): "ABCDH",
        ("satisfaction", "numerator"): "ABCDH",
        ("satisfaction", "denominator"): "ABCDHM",  # M's latest rating is 非常不满意
        ("overdue_now", "numerator"): "EM",
        ("returned", "numerator"): "G",
        ("extended", "numerator"): "D",
        ("reopened", "numerator"): "CM",
        (MEDIAN, "numerator"): "ABCDK",
    }
    for (figure, part), names in expected.items():
        assert drilled(figure, part) == ids(county, *names), (figure, part)


def test_drill_down_lists_as_many_cases_as_every_numerator_and_denominator(county, world):
    for filters in (None, {"department": world.dept.id}, {"department": world.other_dept.id}):
        result = compute_figures(*NOV, now=NOW, filters=filters)
        for name, spec in FIGURES.items():
            value = result["figures"][name]
            assert len(drilled(name, "numerator", filters)) == value["numerator"], name
            if spec.is_rate:
                assert len(drilled(name, "denominator", filters)) == value["denominator"], name


def test_invalid_cases_and_other_periods_are_excluded(county):
    received = drilled("received", "numerator")
    assert county["I"].id not in received and county["J"].id not in received
    october = compute_figures(date(2026, 10, 1), date(2026, 11, 1), now=NOW)
    assert numbers(october, "received") == (1, None, None, "1")
    assert numbers(october, "closure") == (1, 1, "100.00", "100.00%")


def test_extended_deadline_is_the_one_judged(county):
    d = county["D"]
    assert d.replied_at > d.original_reply_due_at and d.replied_at <= d.reply_due_at
    assert d.id in drilled("on_time_closure", "numerator")


def test_reopened_case_is_judged_by_its_latest_reply_and_rating(county):
    c, m = county["C"], county["M"]
    assert c.reopen_count == 1 and c.rating is Rating.satisfied and c.state is CaseState.closed
    assert c.id in drilled("satisfaction", "numerator")
    assert m.id in drilled("satisfaction", "denominator") - drilled("satisfaction", "numerator")
    assert m.id in drilled("overdue_now", "numerator")


def test_empty_period_shows_a_dash_not_zero_percent(county):
    result = compute_figures(date(2025, 1, 1), date(2025, 2, 1), now=NOW)
    assert numbers(result, "received") == (0, None, None, "0")
    for name in ("closure", "on_time_sign", "reply", "on_time_closure", "satisfaction"):
        assert numbers(result, name) == (0, 0, None, "—"), name
    assert result["figures"][MEDIAN]["display"] == "—"


def test_two_of_three_is_truncated_to_66_66(world, make_case):
    for state in (CaseState.closed, CaseState.closed, CaseState.signed):
        make_case(state, now=T0)
    result = compute_figures(*NOV, now=NOW)
    assert numbers(result, "closure") == (2, 3, "66.66", "66.66%")
    assert numbers(result, "satisfaction") == (2, 2, "100.00", "100.00%")


def test_one_of_one_is_100_percent(world, make_case):
    make_case(CaseState.closed, now=T0)
    assert numbers(compute_figures(*NOV, now=NOW), "closure") == (1, 1, "100.00", "100.00%")


def test_truncation_never_rounds_up_and_100_only_when_all_count():
    for denominator in range(1, 301):
        for numerator in range(denominator + 1):
            exact = (Decimal(numerator) * 100 / Decimal(denominator)).quantize(
                Decimal("0.01"), rounding=ROUND_DOWN)
            assert truncated_rate(numerator, denominator) == f"{exact:.2f}"
            assert (truncated_rate(numerator, denominator) == "100.00") == (numerator == denominator)
    assert truncated_rate(19999, 20000) == "99.99"
    assert truncated_rate(0, 0) is None


def test_by_department_puts_returns_on_the_returning_department(county, world):
    result = compute_figures(*NOV, by="department", now=NOW)
    groups = {g["key"]: g for g in result["groups"]}
    market, tax = groups[world.dept.id], groups[world.other_dept.id]
    assert market["label"] == "市场监管局" and tax["label"] == "税务局"
    assert market["figures"]["received"]["numerator"] == 7  # A B C D F K M
    assert tax["figures"]["received"]["numerator"] == 2  # E G
    assert groups[None]["figures"]["received"]["numerator"] == 1  # H, answered at intake
    assert tax["figures"]["returned"]["numerator"] == 1
    assert market["figures"]["returned"]["numerator"] == 0
    assert tax["figures"]["on_time_sign"]["display"] == "0.00%"  # E, unsigned and late
    assert market["figures"]["on_time_sign"]["numerator"] == 5
    by_tax = {"department": world.other_dept.id}
    assert drilled("returned", "numerator", by_tax) == ids(county, "G")
    assert compute_figures(*NOV, now=NOW, filters=by_tax)["figures"]["returned"][
        "numerator"] == tax["figures"]["returned"]["numerator"]


def test_returned_means_returns_made_by_the_department_counted_when_made(county, world):
    """One 退回 in every view: the cases a department returned, in the period the return was made."""
    october = (date(2026, 10, 1), date(2026, 11, 1))
    # P: submitted in October, dispatched to tax, returned by tax on 18 November, then
    # re-dispatched to market, which is its lead now.
    p = ops.submit_case(source=county["A"].source, category=county["A"].category,
                        content="十月提交、十一月退回", contact_name="李女士",
                        contact_phone="13900139000", now=datetime(2026, 10, 30, 2, tzinfo=timezone.utc))[0]
    ops.dispatch_case(p, world.dispatcher, world.other_dept, now=local(18, 8))
    ops.return_case(p, world.other_handler, "不属于本部门职责", now=local(18))
    ops.dispatch_case(p, world.dispatcher, world.dept, now=local(18, 10))
    db.session.commit()
    tax, market = {"department": world.other_dept.id}, {"department": world.dept.id}
    # Counted in November, when it was made, though the case is October's.
    assert drilled("returned", "numerator") == ids(county, "G") | {p.id}
    assert drilled("returned", "numerator", period=october) == set()
    assert drilled("returned", "numerator", tax) == ids(county, "G") | {p.id}
    assert drilled("returned", "numerator", market) == set()  # market leads P but did not return it
    county_rows = {g["key"]: g["figures"]["returned"]["numerator"]
                   for g in compute_figures(*NOV, by="department", now=NOW)["groups"]}
    assert county_rows[world.other_dept.id] == 2 and county_rows[world.dept.id] == 0
    for scope, expected in ((tax, 2), (market, 0)):
        # The head's headline, his league row and the county's row for his department agree.
        headline = compute_figures(*NOV, now=NOW, filters=scope)["figures"]["returned"]
        league = dashboard_figures(*NOV, filters=scope, now=NOW)["result"]
        assert headline["numerator"] == expected
        assert league["figures"]["returned"]["numerator"] == expected
        assert {g["key"] for g in league["groups"]} <= {scope["department"]}  # no other rows
        assert sum(g["figures"]["returned"]["numerator"] for g in league["groups"]) == expected
    # By month: the return's month, not the case's.
    months = compute_figures(date(2026, 10, 1), date(2026, 12, 1), by="month", now=NOW)
    assert {g["key"]: g["figures"]["returned"]["numerator"] for g in months["groups"]} == \
        {"2026-10": 0, "2026-11": 2}


def test_by_month_source_and_category_add_up_to_the_total(county):
    total = compute_figures(date(2026, 10, 1), date(2026, 12, 1), now=NOW)
    for by in ("month", "source", "category", "enterprise", "township"):
        result = compute_figures(date(2026, 10, 1), date(2026, 12, 1), by=by, now=NOW)
        assert result["figures"] == total["figures"], by  # totals from the groups are exact
        for name in ("received", "closure", "on_time_sign", "satisfaction"):
            for part in ("numerator", "denominator"):
                assert sum(g["figures"][name][part] or 0 for g in result["groups"]) == \
                    (total["figures"][name][part] or 0), (by, name, part)
    months = compute_figures(date(2026, 10, 1), date(2026, 12, 1), by="month", now=NOW)
    assert [(g["key"], g["figures"]["received"]["numerator"]) for g in months["groups"]] == \
        [("2026-10", 1), ("2026-11", 10)]
    two_months = (date(2026, 10, 1), date(2026, 12, 1))
    assert drilled("received", "numerator", {"month": "2026-11"}, period=two_months) == \
        ids(county, *"ABCDEFGHKM")


def test_period_bounds_are_local_midnights(world, make_case):
    # 2026-11-30 23:30 Shanghai is 15:30 UTC: still November locally.
    make_case(CaseState.submitted, now=datetime(2026, 11, 30, 15, 30, tzinfo=timezone.utc))
    # 2026-12-01 00:10 Shanghai is still November 30th in UTC: December locally.
    make_case(CaseState.submitted, now=datetime(2026, 11, 30, 16, 10, tzinfo=timezone.utc))
    assert compute_figures(*NOV, now=NOW)["figures"]["received"]["numerator"] == 1
    assert compute_figures(date(2026, 12, 1), date(2027, 1, 1),
                           now=NOW)["figures"]["received"]["numerator"] == 1


def test_handling_time_is_fixed_at_reply_cleared_on_reopen_and_set_again(world, make_case):
    case = make_case(CaseState.signed, now=T0)
    assert case.handling_seconds is None
    ops.reply_to_case(case, world.handler, "已答复", now=T0 + DAY + timedelta(seconds=1.5))
    assert case.handling_seconds == 86401  # whole seconds, as the calendar counts them
    ops.rate_case(case, Rating.dissatisfied, now=local(19), tags=["slow"])
    assert case.handling_seconds is None  # reopened: no current answer
    ops.reply_to_case(case, world.handler, "重新处理", now=local(24, 9))  # Tuesday, a weekend between
    assert case.handling_seconds == int(WorkCalendar().working_seconds_between(T0, local(24, 9)))
    assert case.handling_seconds == 5 * 86400
    answered = make_case(now=T0)
    ops.answer_now(answered, world.dispatcher, "当即答复", now=T0)
    assert answered.handling_seconds is None  # never dispatched: not in the median


def test_a_later_holiday_override_does_not_rewrite_the_median(world, make_case):
    case = make_case(CaseState.signed, now=T0)
    ops.reply_to_case(case, world.handler, "已答复", now=local(19))  # Tue 09:00 → Thu 09:00
    db.session.commit()
    assert compute_figures(*NOV, now=NOW)["figures"][MEDIAN]["hours"] == "48.00"
    db.session.add(HolidayOverride(day=date(2026, 11, 18), is_workday=False, note="县庆"))
    db.session.commit()
    # The department was judged on 48 hours when it answered; the override changes new answers.
    assert compute_figures(*NOV, now=NOW)["figures"][MEDIAN]["hours"] == "48.00"
    later = make_case(CaseState.signed, now=T0)
    ops.reply_to_case(later, world.handler, "已答复", now=local(19))
    assert later.handling_seconds == 24 * 3600


def test_sign_late_by_returning_after_the_deadline_counts_as_late(world, make_case):
    case = make_case(CaseState.dispatched, now=T0, department=world.dept)
    ops.return_case(case, world.handler, "非本部门职责", now=local(18, 15))  # after 18th 09:00
    db.session.commit()
    result = compute_figures(*NOV, now=NOW)
    assert numbers(result, "on_time_sign") == (0, 1, "0.00", "0.00%")
    assert numbers(result, "overdue_now") == (0, None, None, "0")


def test_median_of_an_even_count_is_the_mean_of_the_two_middle_values(county, world, make_case):
    case = make_case(CaseState.signed, now=T0)
    ops.reply_to_case(case, world.handler, "已答复", now=T0 + 2 * DAY)  # 48 working hours
    db.session.commit()
    median = compute_figures(*NOV, now=NOW)["figures"][MEDIAN]
    assert (median["numerator"], median["hours"]) == (6, "60.00")  # 0 24 [48 72] 144 168


def test_median_skips_weekends_and_holidays(world, make_case):
    # Dispatched Friday 2026-09-25 09:00; National Day and Mid-Autumn: Oct 1-7 off,
    # Sunday Sep 27 and Saturday Oct 10 are make-up working days.
    dispatched = datetime(2026, 9, 25, 1, 0, tzinfo=timezone.utc)
    case = make_case(CaseState.signed, now=dispatched)
    replied = datetime(2026, 10, 9, 1, 0, tzinfo=timezone.utc)  # Friday 9th 09:00
    ops.reply_to_case(case, world.handler, "节后已答复", now=replied)
    db.session.commit()
    median = compute_figures(date(2026, 9, 1), date(2026, 10, 1), now=NOW)["figures"][MEDIAN]
    expected = int(WorkCalendar().working_seconds_between(dispatched, replied)) * 100 // 3600
    assert median["hours"] == f"{expected // 100}.{expected % 100:02d}"
    assert int(expected) < 14 * 24 * 100  # far less than the 14 calendar days


def test_the_dashboard_reads_the_same_numbers_as_compute_figures(county, world):
    # dashboard_figures reads the period once for three groupings; each must match its own call.
    for filters in (None, {"department": world.dept.id}, {"source": "card"}):
        data = dashboard_figures(*NOV, filters, NOW)
        assert data["result"] == compute_figures(*NOV, by="department", now=NOW, filters=filters)
        for by, key in (("category", "by_category"), ("source", "by_source")):
            assert data[key] == compute_figures(*NOV, by=by, now=NOW, filters=filters,
                                                with_median=False, names=("received",))["groups"]
    assert data["result"]["figures"][MEDIAN]["numerator"] == 5


def test_months_of_a_whole_year_each_get_their_own_cases(world, make_case):
    # The month CASE is a search tree over the year's boundaries: every month must land right,
    # including the first and last instant of each local month.
    expected = []
    for month in range(1, 13):
        first = datetime(2026, month, 1, tzinfo=LOCAL_TZ)
        make_case(now=first.astimezone(timezone.utc))
        for _ in range(month % 3):
            make_case(now=(first + timedelta(days=27, hours=23, minutes=59)).astimezone(timezone.utc))
        expected.append((f"2026-{month:02d}", 1 + month % 3))
    months = compute_figures(date(2026, 1, 1), date(2027, 1, 1), by="month", now=NOW,
                             with_median=False)
    assert [(g["key"], g["figures"]["received"]["numerator"]) for g in months["groups"]] == expected


def test_reworked_case_closed_unrated_keeps_its_earlier_dissatisfied(county, world, make_case,
                                                                    tmp_path):
    from openpyxl import load_workbook
    from app.figures.ledger import export_ledger
    n = make_case(CaseState.replied, now=T0)
    ops.rate_case(n, Rating.dissatisfied, now=T0 + HOUR, tags=["slow"])  # reopened (重办)
    ops.reply_to_case(n, world.handler, "重新处理完毕", now=local(18))
    ops.close_unrated(n, now=local(26))  # nobody rated the second answer
    db.session.commit()
    assert n.state is CaseState.closed and n.closed_unrated and n.rating is Rating.dissatisfied
    # Still in the satisfaction denominator as unsatisfied: 5 of 6 before, 5 of 7 now.
    assert numbers(compute_figures(*NOV, now=NOW), "satisfaction")[:2] == (5, 7)
    assert n.id in drilled("satisfaction", "denominator") - drilled("satisfaction", "numerator")
    out = tmp_path / "ledger.xlsx"
    export_ledger(out, *NOV, now=NOW)
    sheet = load_workbook(out)["台账"]
    header = [c.value for c in sheet[1]]
    assert "满意度" not in header
    row = next(r for r in sheet.iter_rows(min_row=2, values_only=True) if r[1] == n.tracking_no)
    assert row[header.index("最近一次评价")] == "不满意"
    assert row[header.index("最近一次评价时间")] == datetime(2026, 11, 17, 10, 0)
    assert row[header.index("未评价办结")] == "是" and row[header.index("状态")] == "已办结"
    closed_rated = next(r for r in sheet.iter_rows(min_row=2, values_only=True)
                        if r[1] == county["A"].tracking_no)
    assert closed_rated[header.index("未评价办结")] in (None, "")


def test_on_time_reply_closed_late_and_return_rate(county, world):
    """按期答复率 over the replies due, 逾期办结, 回退率 = returns ÷ dispatches (issue 17 item 6)."""
    result = compute_figures(*NOV, now=NOW)
    # Due: answered (A B C D H K) or with a department past the deadline (E, and M reopened
    # with its new deadline of the 24th passed); F not yet due, G back with the office.
    assert numbers(result, "on_time_reply") == (5, 8, "62.50", "62.50%")
    assert drilled("on_time_reply", "denominator") == ids(county, *"ABCDEHKM")
    assert drilled("on_time_reply", "numerator") == ids(county, *"ACDHK")  # B answered late
    assert numbers(result, "closed_late") == (1, None, None, "1")
    assert drilled("closed_late", "numerator") == ids(county, "B") == \
        drilled("on_time_closure", "denominator") - drilled("on_time_closure", "numerator")
    # Returned in November: G; dispatched in November: every case but H (answered at intake).
    assert numbers(result, "return_rate") == (1, 9, "11.11", "11.11%")
    assert drilled("return_rate", "denominator") == ids(county, *"ABCDEFGKM")
    groups = {g["key"]: g["figures"] for g in compute_figures(*NOV, by="department",
                                                               now=NOW)["groups"]}
    assert numbers({"figures": groups[world.other_dept.id]}, "return_rate")[:3] == (1, 2, "50.00")
    assert numbers({"figures": groups[world.dept.id]}, "return_rate")[:3] == (0, 7, "0.00")
    assert drilled("return_rate", "denominator", {"department": world.other_dept.id}) == \
        ids(county, "E", "G")


def test_closure_rate_denominator_is_the_offices_setting_and_says_so(county):
    from app.settings.closure_basis import CLOSURE_BASES, save_closure_basis
    closure = compute_figures(*NOV, now=NOW)["figures"]["closure"]
    assert (closure["numerator"], closure["denominator"], closure["basis"]) == (5, 10, "received")
    assert closure["note"] == CLOSURE_BASES["received"]
    save_closure_basis("due")
    db.session.commit()
    closure = compute_figures(*NOV, now=NOW)["figures"]["closure"]
    # 应办结: the closed A B C D H, and E, K, M past their handling deadline; not F, G.
    assert (closure["numerator"], closure["denominator"], closure["display"]) == (5, 8, "62.50%")
    assert closure["basis"] == "due" and "应办结" in closure["note"]
    assert drilled("closure", "denominator") == ids(county, *"ABCDEHKM")
    assert dashboard_figures(*NOV, now=NOW)["result"]["figures"]["closure"] == closure
