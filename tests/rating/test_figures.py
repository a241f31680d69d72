"""The 差评 loop's figures, exactly: 满意率 without ratings set aside by an upheld appeal,
参评率, 差评回访率, 差评整改按期率, 重办率 and 申诉复核成立, each link listing its cases."""
from datetime import date, timedelta

from app.cases import operations as ops
from app.cases.models import CaseState, Rating
from app.extensions import db
from app.figures import queries
from app.figures.ledger import COLUMNS, export_ledger
from app.rating import operations as rating_ops
from app.rating.models import AppealKind
from tests.rating.test_loop import HOUR, T0

NOV = (date(2026, 11, 1), date(2026, 12, 1))
LOOP = ("satisfaction", "participation", "callback_rate", "rework_on_time", "reopen_rate",
        "appeals_upheld")


def figures(now):
    result = queries.compute_figures(*NOV, now=now, names=LOOP)["figures"]
    for name in LOOP:  # every number's drill-down lists exactly the cases it counts
        for part in ("numerator", "denominator") if result[name]["kind"] == "rate" else ("numerator",):
            ids = db.session.scalars(queries.case_ids_for(name, part, *NOV, now=now)).all()
            assert len(ids) == result[name][part], (name, part)
    return {name: (v["numerator"], v["denominator"], v["display"]) for name, v in result.items()}


def test_an_upheld_appeal_changes_satisfaction_exactly_as_defined(make_case, world, tmp_path):
    good = make_case(CaseState.closed, now=T0)  # 满意
    make_case(CaseState.replied, now=T0)  # answered, not rated
    make_case(CaseState.signed, now=T0)  # not answered: in no denominator here
    bad = make_case(CaseState.replied, now=T0)
    ops.rate_case(bad, Rating.very_dissatisfied, "态度差", now=T0 + HOUR, tags=["attitude"])
    late = make_case(CaseState.replied, now=T0)
    ops.rate_case(late, Rating.dissatisfied, now=T0 + HOUR, tags=["slow"])
    db.session.commit()
    now = T0 + 2 * HOUR  # before any 回访 or 整改 deadline
    before = figures(now)
    assert before["satisfaction"] == (1, 3, "33.33%")  # truncated, not rounded
    assert before["participation"] == (3, 4, "75.00%")
    assert before["reopen_rate"] == (2, 4, "50.00%")
    assert before["callback_rate"] == (0, 0, "—") and before["rework_on_time"] == (0, 0, "—")
    assert before["appeals_upheld"][0] == 0

    rating_ops.record_callback(bad, world.dispatcher, True, "已接通", now=T0 + 3 * HOUR)
    ops.reply_to_case(bad, world.handler, "已整改", now=T0 + 4 * HOUR)
    rating_ops.appeal_rating(late, world.handler, AppealKind.malicious, "同一企业重复差评",
                             now=T0 + 3 * HOUR)
    rating_ops.decide_appeal(late, world.dispatcher, True, "经核实为恶意差评", now=T0 + 4 * HOUR)
    db.session.commit()
    later = T0 + timedelta(days=10)  # every deadline passed: 回访 and 整改 of `late` are due
    after = figures(later)
    # `late`'s 不满意 leaves both parts of 满意率: 1 of 2, not 1 of 3.
    assert after["satisfaction"] == (1, 2, "50.00%")
    assert after["participation"] == (3, 4, "75.00%")  # it was still a rating given
    assert after["callback_rate"] == (1, 2, "50.00%")  # `late` was never called back
    assert after["rework_on_time"] == (1, 2, "50.00%")  # nor reworked in time
    assert after["appeals_upheld"][0] == 1

    path = tmp_path / "ledger.xlsx"
    export_ledger(path, *NOV, now=later)
    from openpyxl import load_workbook
    sheet = load_workbook(path)["台账"]
    header = [h for h, _w, _k in COLUMNS]
    rows = {r[1]: dict(zip(header, r)) for r in sheet.iter_rows(min_row=2, values_only=True)}
    assert rows[late.tracking_no]["申诉复核"] == "申诉成立（恶意差评）：经核实为恶意差评"
    assert rows[late.tracking_no]["计入满意率"] == "否（申诉成立）"
    assert rows[bad.tracking_no]["差评原因"] == "态度不好"
    assert rows[bad.tracking_no]["回访结果"] == "接通" and rows[bad.tracking_no]["按期整改"] == "是"
    assert rows[good.tracking_no]["计入满意率"] == "是"
    summary = {r[0]: r for r in load_workbook(path)["汇总"].iter_rows(values_only=True) if r}
    assert summary["满意率"][1] == "50.00%" and summary["申诉复核成立"][2] == 1


def test_the_drill_down_shows_the_upheld_appeal_and_its_reason(make_case, world, client,
                                                               login_as):
    case = make_case(CaseState.replied, now=T0)
    ops.rate_case(case, Rating.dissatisfied, now=T0 + HOUR, tags=["slow"])
    rating_ops.appeal_rating(case, world.handler, AppealKind.mistaken, "企业选错", now=T0 + HOUR)
    rating_ops.decide_appeal(case, world.dispatcher, True, "企业来电确认误选", now=T0 + HOUR)
    db.session.commit()
    login_as(world.dispatcher)
    page = client.get("/figures/cases?figure=appeals_upheld&part=numerator"
                      "&from=2026-11-01&to=2026-12-01").get_data(as_text=True)
    assert case.tracking_no in page and "申诉成立：不满意为误评。企业来电确认误选" in page
