"""Month-end snapshots: a past month's figures frozen on the first working day after it."""
from datetime import date, datetime, time, timezone
from io import BytesIO

import flask_migrate
from openpyxl import load_workbook
from sqlalchemy import inspect

from app.cases import operations as ops
from app.cases.models import AuditEvent, CaseState, Rating
from app.core.timeutil import local_datetime
from app.extensions import db
from app.figures.ledger import export_ledger
from app.figures.models import FigureSnapshot
from app.figures.queries import compute_figures
from app.figures.report import report_xlsx
from app.figures.snapshots import get_snapshot
from app.reminders.tasks import tick
from tests.figures.timeline import NOW, local

OCTOBER = (date(2026, 10, 1), date(2026, 11, 1))


def at_local(month, day, hour, minute=0):
    """An instant of 2026 at a Shanghai wall-clock time."""
    return local_datetime(date(2026, month, day), time(hour, minute))


def test_the_scheduler_freezes_the_month_just_ended_on_its_first_working_day(
        county, world, make_case, tmp_path):
    october_case = make_case(CaseState.signed, now=datetime(2026, 10, 20, 1, tzinfo=timezone.utc))
    # Sunday 1 November 10:00 local is not a working day: October is not frozen yet.
    assert tick(at_local(11, 1, 10), deliver=False)["take_due_snapshot"] == 0
    assert get_snapshot("2026-10") is None
    # Monday 2 November 00:30 local, the first working day: the scheduler's tick freezes it.
    monday = at_local(11, 2, 0, 30)
    assert tick(monday, deliver=False)["take_due_snapshot"] == 1
    assert tick(monday, deliver=False)["take_due_snapshot"] == 0  # once
    snapshot = get_snapshot("2026-10")
    assert snapshot.taken_at == monday and snapshot.taken_by == "系统"
    frozen = snapshot.data["figures"]["closure"]
    assert (frozen["numerator"], frozen["denominator"], frozen["display"]) == (1, 2, "50.00%")

    # October's signed case closes in November: the live figure moves, the frozen one not.
    ops.reply_to_case(october_case, world.handler, "已处理", now=local(20))
    ops.rate_case(october_case, Rating.satisfied, now=local(20, 10))
    db.session.commit()
    assert compute_figures(*OCTOBER, now=NOW)["figures"]["closure"]["display"] == "100.00%"
    db.session.expire_all()
    assert get_snapshot("2026-10").data["figures"]["closure"]["display"] == "50.00%"

    # The monthly report prints the frozen figure, the live one beside it, and when it froze.
    book = load_workbook(BytesIO(report_xlsx("2026-10", now=NOW)))
    headline = {r[0]: r for r in book["主要指标"].iter_rows(min_row=4, values_only=True)}
    assert headline["办结率"][1] == "50.00%" and headline["办结率"][4] == "100.00%"
    assert "月末快照（2026-11-02 00:30 冻结）" in book["主要指标"]["A2"].value
    # The ledger's summary of October: live, and the snapshot's columns and league beside.
    out = tmp_path / "october.xlsx"
    export_ledger(out, *OCTOBER, now=NOW)
    sheet = load_workbook(out)["汇总"]
    assert "月末快照：2026-11-02 00:30 冻结" in sheet["A3"].value
    rows = {r[0]: r for r in sheet.iter_rows(min_row=5, values_only=True) if r and r[0]}
    assert rows["办结率"][1] == "100.00%" and rows["办结率"][5:8] == ("50.00%", 1, 2)
    assert any(str(label).startswith("部门（月末快照") for label in rows)
    # A period that is not one calendar month has no snapshot columns.
    export_ledger(out, OCTOBER[0], date(2026, 10, 31), now=NOW)
    assert load_workbook(out)["汇总"]["F4"].value is None


def test_a_snapshot_by_hand_from_the_cli(county, runner):
    taken = runner.invoke(args=["metrics", "snapshot", "--month", "2026-10"])
    assert taken.exit_code == 0 and "已冻结 2026-10" in taken.output
    assert get_snapshot("2026-10").taken_by == "命令行" and get_snapshot("2026-10").taken_at == NOW
    again = runner.invoke(args=["metrics", "snapshot", "--month", "2026-10"])
    assert again.exit_code != 0 and "已于 2026-11-27 09:00 生成" in again.output
    assert runner.invoke(args=["metrics", "snapshot", "--month", "2026-10",
                               "--replace"]).exit_code == 0
    assert db.session.execute(db.select(db.func.count()).select_from(FigureSnapshot)).scalar() == 1
    events = db.session.execute(db.select(AuditEvent.data).filter_by(
        action="snapshot_figures")).scalars().all()
    assert events == [{"month": "2026-10", "replace": False}, {"month": "2026-10", "replace": True}]
    running = runner.invoke(args=["metrics", "snapshot", "--month", "2026-11"])
    assert running.exit_code != 0 and "2026-11 尚未结束" in running.output
    bad = runner.invoke(args=["metrics", "snapshot", "--month", "2026-13"])
    assert bad.exit_code != 0 and "月份格式应为 YYYY-MM" in bad.output
    # Without --month: the month just ended (the clock stands in November).
    db.session.remove()
    default = runner.invoke(args=["metrics", "snapshot", "--replace"])
    assert default.exit_code == 0 and "2026-10" in default.output


def test_migration_0013_adds_and_drops_the_snapshot_table(app):
    db.session.remove()
    flask_migrate.downgrade(revision="0010")
    assert "figure_snapshots" not in inspect(db.engine).get_table_names()
    flask_migrate.upgrade()
    db.session.remove()
    assert "figure_snapshots" in inspect(db.engine).get_table_names()
