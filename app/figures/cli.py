"""`flask metrics show|report` and `flask ledger export`: the figures from a terminal."""
import json
from datetime import timedelta

import click
from flask import current_app
from flask.cli import AppGroup

from app.core.clock import local_today, utcnow
from app.extensions import db
from app.figures import queries
from app.settings.closure_basis import (CLOSURE_BASES, ClosureBasisError, closure_basis,
                                        save_closure_basis)

metrics_cli = AppGroup("metrics", help="Figures of DESIGN §5 (受理量、办结率…).")
ledger_cli = AppGroup("ledger", help="The 企业服务工作进展台账 export.")

DATE = click.DateTime(formats=["%Y-%m-%d"])


def _period(date_from, date_to):
    default_from, default_to = queries.named_period("month", local_today())
    date_from = date_from.date() if date_from else default_from
    date_to = date_to.date() if date_to else default_to
    if date_to <= date_from:
        raise click.BadParameter("--to 必须晚于 --from（区间为 [from, to)）", param_hint="--to")
    return date_from, date_to


def _figure_line(value) -> str:
    if value["kind"] == "rate":
        return f"{value['display']:>8}  ({value['numerator']}/{value['denominator']})"
    if value["kind"] == "duration":
        return f"{value['display']}  (n={value['numerator']})"
    return f"{value['display']:>8}"


@metrics_cli.command("show")
@click.option("--from", "date_from", type=DATE, help="first local day, inclusive (YYYY-MM-DD)")
@click.option("--to", "date_to", type=DATE, help="last local day, EXCLUSIVE (YYYY-MM-DD)")
@click.option("--by", type=click.Choice(queries.GROUP_KEYS), help="group the figures")
@click.option("--json", "as_json", is_flag=True, help="print compute_figures' JSON")
def show(date_from, date_to, by, as_json):
    """Print the figures for [from, to) (default: this month)."""
    date_from, date_to = _period(date_from, date_to)
    result = queries.compute_figures(date_from, date_to, by=by)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False, indent=2))
        return
    click.echo(f"统计期间 {date_from} 至 {date_to}（不含），北京时间")
    for value in result["figures"].values():
        click.echo(f"  {value['label']:<14}{_figure_line(value)}")
        if value.get("note"):
            click.echo(f"  {'':<14}{value['note']}")
    for group in result.get("groups", []):
        f = group["figures"]
        click.echo(f"{group['label']}: 受理 {f['received']['numerator']}  "
                   f"办结率 {_figure_line(f['closure']).strip()}  "
                   f"按期签收率 {_figure_line(f['on_time_sign']).strip()}  "
                   f"按期办结率 {_figure_line(f['on_time_closure']).strip()}  "
                   f"满意率 {_figure_line(f['satisfaction']).strip()}  "
                   f"逾期 {f['overdue_now']['numerator']}  退回 {f['returned']['numerator']}  "
                   f"重办 {f['reopened']['numerator']}")


@metrics_cli.command("closure-basis")
@click.argument("basis", required=False)
def closure_basis_command(basis):
    """Show, or set, 办结率's denominator: received (受理量) or due (应办结)."""
    from app.cases.models import AuditEvent
    if basis:
        before = closure_basis()
        try:
            save_closure_basis(basis)
        except ClosureBasisError as error:
            raise click.BadParameter(str(error), param_hint="BASIS") from None
        db.session.add(AuditEvent(case_id=None, actor_label="命令行", action="set_closure_basis",
                                  data={"from": before, "to": basis}, created_at=utcnow()))
        db.session.commit()
    current = closure_basis()
    click.echo(f"办结率{CLOSURE_BASES[current]}（{current}）")


@metrics_cli.command("snapshot")
@click.option("--month", help="YYYY-MM (default: the month just ended)")
@click.option("--replace", is_flag=True, help="replace an existing snapshot (audited)")
def snapshot(month, replace):
    """Freeze a month's figures now, as the scheduler does on the first working day."""
    from app.core.timeutil import format_local
    from app.figures.snapshots import SnapshotError, previous_month, take_snapshot
    month = month or previous_month(local_today())
    try:
        taken = take_snapshot(month, taken_by="命令行", replace=replace)
    except SnapshotError as error:
        raise click.BadParameter(str(error), param_hint="--month") from None
    db.session.commit()
    click.echo(f"已冻结 {month} 的统计数据，快照时点 {format_local(taken.taken_at)}")


@metrics_cli.command("rollup")
def rollup_command():
    """Pre-aggregate the closed months without valid counts (as the scheduler's job does)."""
    from app.figures.rollup import refresh
    click.echo(f"已预汇总 {refresh()} 个已结束月份的统计数据")


@metrics_cli.command("report")
@click.option("--month", required=True, help="YYYY-MM")
@click.option("--out", required=True, type=click.Path(dir_okay=False),
              help="FILE.pdf or FILE.xlsx")
def report(month, out):
    """Write the monthly report (headline figures, league table, overdue list)."""
    from app.figures import report as monthly
    try:
        queries.month_bounds(month)
    except ValueError:
        raise click.BadParameter("月份格式应为 YYYY-MM", param_hint="--month")
    if out.lower().endswith(".pdf"):
        data = monthly.report_pdf(month, county=current_app.config.get("COUNTY_NAME", ""))
    elif out.lower().endswith(".xlsx"):
        data = monthly.report_xlsx(month, county=current_app.config.get("COUNTY_NAME", ""))
    else:
        raise click.BadParameter("输出文件须为 .pdf 或 .xlsx", param_hint="--out")
    with open(out, "wb") as handle:
        handle.write(data)
    click.echo(f"已生成 {month} 月报：{out}")


@ledger_cli.command("export")
@click.option("--out", required=True, type=click.Path(dir_okay=False))
@click.option("--from", "date_from", type=DATE, help="first local day, inclusive")
@click.option("--to", "date_to", type=DATE, help="last local day, EXCLUSIVE")
@click.option("--full", is_flag=True, help="unmasked names and phones (audited)")
def export(out, date_from, date_to, full):
    """Export the ledger (one row per case, plus the summary sheet) to an .xlsx file."""
    from app.cases.models import AuditEvent
    from app.figures.ledger import export_ledger
    if date_to and date_from and date_to <= date_from:
        raise click.BadParameter("--to 必须晚于 --from", param_hint="--to")
    now = utcnow()
    rows = export_ledger(out, date_from.date() if date_from else None,
                         date_to.date() if date_to else None, full=full, now=now,
                         county=current_app.config.get("COUNTY_NAME", ""))
    db.session.add(AuditEvent(case_id=None, actor_label="命令行",
                              action="export_ledger_full" if full else "export_ledger",
                              data={"rows": rows, "from": date_from and f"{date_from:%Y-%m-%d}",
                                    "to": date_to and f"{date_to:%Y-%m-%d}", "out": out},
                              created_at=now))
    db.session.commit()
    click.echo(f"已导出 {rows} 条台账记录：{out}")


@metrics_cli.command("summary")
@click.option("--from", "date_from", type=DATE, help="first local day, inclusive (YYYY-MM-DD)")
@click.option("--to", "date_to", type=DATE, help="last local day, EXCLUSIVE (YYYY-MM-DD)")
@click.option("--json", "as_json", is_flag=True, help="every number with numerator and denominator")
def summary_command(date_from, date_to, as_json):
    """Print the work summary (工作总结) for [from, to) (default: this year)."""
    from app.figures.summary import summary_json, summary_text, work_summary
    default_from, default_to = queries.named_period("year", local_today())
    date_from = date_from.date() if date_from else default_from
    date_to = date_to.date() if date_to else default_to
    if date_to <= date_from:
        raise click.BadParameter("--to 必须晚于 --from（区间为 [from, to)）", param_hint="--to")
    try:
        summary = work_summary(date_from, date_to)
    except ValueError as error:  # a date outside DATE_MIN..DATE_MAX
        raise click.BadParameter(str(error), param_hint="--from/--to") from None
    if as_json:
        click.echo(json.dumps(summary_json(summary), ensure_ascii=False, indent=2))
        return
    last_day = date_to - timedelta(days=1)
    click.echo(f"工作总结 {date_from} 至 {last_day}（含），北京时间")
    click.echo(summary_text(summary))
    if summary["closure_basis"]:
        click.echo(f"（办结率{summary['closure_basis']}）")
