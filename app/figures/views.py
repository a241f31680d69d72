"""The dashboard (/figures), the drill-down lists behind each number, the ledger download."""
from datetime import date, timedelta
from io import BytesIO

from flask import (Blueprint, Response, abort, current_app, render_template, request, send_file,
                   stream_with_context, url_for)
from flask_login import current_user
from sqlalchemy import select

from app.auth.decorators import role_required
from app.auth.models import Role
from app.cases.models import AuditEvent, Case
from app.cases.queries import visible_cases
from app.core.clock import local_today, utcnow
from app.core.documents import attachment_disposition
from app.extensions import db
from app.figures import charts, queries
from app.figures.ledger import Ledger
from app.figures.scope import scope_filters, scope_note, scope_title

bp = Blueprint("figures", __name__, url_prefix="/figures")

DASHBOARD_ROLES = (Role.admin, Role.dispatcher, Role.leader, Role.supervisor,
                   Role.department_head)
# A leader reads the ledger and the monthly report of his own enterprises (scope_filters).
LEDGER_ROLES = (Role.admin, Role.dispatcher, Role.supervisor, Role.leader)
REPORT_ROLES = LEDGER_ROLES
PERIODS = {"month": "本月", "quarter": "本季度", "year": "本年", "custom": "自定义"}
LEAGUE_COLUMNS = [("received", "受理量"), ("on_time_sign", "按期签收率"),
                  ("on_time_closure", "按期办结率"), ("satisfaction", "满意率"),
                  ("overdue_now", "当前逾期"), ("returned", "退回"), ("reopened", "重办")]
LIST_LIMIT = 1000
# Where a person opens a listed case: each audience has its own case page.
CASE_PAGES = {Role.admin: "office.case", Role.dispatcher: "office.case",
              Role.leader: "oversight.case", Role.supervisor: "oversight.case",
              Role.department_head: "handling.case"}


def case_url(case) -> str | None:
    endpoint = CASE_PAGES.get(current_user.role)
    if endpoint not in current_app.view_functions:
        return None
    return url_for(endpoint, tracking_no=case.tracking_no)


def _date_arg(name):
    value = request.args.get(name, "").strip()
    if not value:
        return None
    try:
        day = date.fromisoformat(value)
    except ValueError:
        return None
    return day if queries.date_in_range(day) else None


def chosen_period():
    """(from, to, period name, error) from the query string; the returned `to` is exclusive.

    The form sends `last`, the last day included (what the person reads and types); links
    carry `to`, the day after it."""
    name = request.args.get("period", "month")
    today = local_today()
    if name == "custom":
        date_from, date_to = _date_arg("from"), _date_arg("to")
        if request.args.get("last", "").strip():
            last = _date_arg("last")
            date_to = last + timedelta(days=1) if last else None
        if date_from and date_to and date_to > date_from:
            return date_from, date_to, name, None
        start, end = queries.named_period("month", today)
        return start, end, name, (f"请选择有效的起止日期（{queries.DATE_RANGE_MESSAGE}，"
                                  "截止日期不得早于起始日期），已显示本月")
    if name not in PERIODS:
        name = "month"
    date_from, date_to = queries.named_period(name, today)
    return date_from, date_to, name, None


def _rate_value(figure):
    return -1 if figure["rate"] is None else float(figure["rate"])


@bp.get("/")
@role_required(*DASHBOARD_ROLES)
def dashboard():
    date_from, date_to, period, error = chosen_period()
    scope = scope_filters(current_user)
    now = utcnow()
    data = queries.dashboard_figures(date_from, date_to, scope, now)
    result = data["result"]
    sort = request.args.get("sort", "received")
    if sort not in dict(LEAGUE_COLUMNS):
        sort = "received"
    descending = request.args.get("dir", "desc") != "asc"
    league = sorted(result["groups"], reverse=descending,
                    key=lambda g: _rate_value(g["figures"][sort]) if g["figures"][sort]["kind"] == "rate"
                    else g["figures"][sort]["numerator"])
    by_category, by_source = data["by_category"], data["by_source"]
    overdue = db.session.execute(
        visible_cases(current_user).where(Case.id.in_(data["overdue_ids"]))
        .order_by(Case.reply_due_at).limit(50)).scalars().all()
    args = {"from": date_from.isoformat(), "to": date_to.isoformat()}

    def list_url(figure, part="numerator", **extra):
        """The drill-down list of one number; `extra` adds filters or replaces from/to."""
        return url_for("figures.cases", figure=figure, part=part, **{**args, **extra})
    trend = _trend(data["months"], data["trend_from"], data["trend_to"], list_url)
    return render_template(
        "figures/dashboard.html", case_url=case_url, result=result, figures=result["figures"], period=period,
        periods=PERIODS, date_from=date_from, date_to=date_to,
        last_day=date_to - timedelta(days=1), error=error, league=league,
        league_columns=LEAGUE_COLUMNS, sort=sort, descending=descending, args=args,
        category_chart=_received_chart(by_category, "问题类别", "category", list_url),
        source_chart=_received_chart(by_source, "来源渠道", "source", list_url),
        by_category=by_category, by_source=by_source, trend=trend, overdue=overdue, now=now,
        headline=queries.HEADLINE, loop_figures=queries.LOOP_FIGURES,
        counts=("overdue_now", "closed_late", "returned", "return_rate", "extended", "reopened"),
        median=result["figures"][queries.MEDIAN], can_export=current_user.role in LEDGER_ROLES,
        can_report=current_user.role in REPORT_ROLES, scope_note=scope_note(current_user),
        is_admin=current_user.role is Role.admin, list_url=list_url,
        no_department=queries.NO_DEPARTMENT)


def _received_chart(groups, title, key, list_url):
    """A bar per group of 受理量, each linked to the cases of that group."""
    return charts.bar_list_chart(
        [(g["label"], g["figures"]["received"]["numerator"]) for g in groups], title,
        [list_url("received", **{key: g["key"]}) for g in groups])


def _trend(groups, trend_from, trend_to, list_url):
    by_month = {g["key"]: g["figures"] for g in groups}
    labels, received, closed, rates, links = [], [], [], [], []
    month = trend_from
    while month < trend_to:
        key = f"{month:%Y-%m}"
        figures = by_month.get(key)
        labels.append(key)
        received.append(figures["received"]["numerator"] if figures else 0)
        closed.append(figures["closure"]["numerator"] if figures else 0)
        rates.append(figures["on_time_closure"]["rate"] if figures else None)
        bounds = {"from": month.isoformat(), "to": queries.add_months(month, 1).isoformat()}
        links.append({"received": (list_url("received", **bounds), received[-1]),
                      "closed": (list_url("closure", **bounds), closed[-1]),
                      "rate": (list_url("on_time_closure", **bounds),
                               figures["on_time_closure"]["numerator"] if figures else 0)})
        month = queries.add_months(month, 1)
    return charts.trend_charts(labels, received, closed, rates, "按期办结率", links)


FILTER_KEYS = ("department", "category", "source", "channel", "enterprise", "township", "month",
               "area")


@bp.get("/cases")
@role_required(*DASHBOARD_ROLES)
def cases():
    """The exact list of cases behind one figure's numerator or denominator."""
    figure = request.args.get("figure", "")
    part = request.args.get("part", "numerator")
    date_from, date_to = _date_arg("from"), _date_arg("to")
    if date_from is None or date_to is None or date_to <= date_from:
        abort(400)
    filters = {k: request.args[k] for k in FILTER_KEYS if request.args.get(k)}
    if not all(queries.is_id(v) for k, v in filters.items() if k not in ("source", "channel", "month")
               and (k, v) not in (("department", queries.NO_DEPARTMENT), ("area", "none"))):
        abort(400)
    filters.update(scope_filters(current_user))  # a person's scope always wins
    try:
        ids = queries.case_ids_for(figure, part, date_from, date_to, filters)
    except (ValueError, KeyError):
        abort(404)
    statement = listed_cases(current_user, figure, ids)
    total = db.session.execute(
        select(db.func.count()).select_from(statement.subquery())).scalar_one()
    page = list_page(total)
    rows = db.session.execute(statement.order_by(Case.submitted_at.desc(), Case.id.desc())
                              .offset((page - 1) * LIST_LIMIT).limit(LIST_LIMIT)).scalars().all()
    openable = _openable(rows)
    spec = queries.FIGURES.get(figure)
    label = spec.label if spec else queries.MEDIAN_LABEL
    part_label = {"numerator": "计入分子", "denominator": "计入分母"}[part] if spec and spec.is_rate \
        else "计入"
    return render_template("figures/cases.html", rows=rows, total=total, label=label,
                           part_label=part_label, date_from=date_from,
                           pages=page_links(page, total),
                           last_day=date_to - timedelta(days=1), limit=LIST_LIMIT,
                           explanation=_explanation(figure),
                           case_url=lambda case: case_url(case) if case.id in openable else None,
                           back=url_for("figures.dashboard", period="custom",
                                        **{"from": date_from.isoformat(),
                                           "to": date_to.isoformat()}))


def _openable(cases) -> set[int]:
    """Ids of those of `cases` the current user may open (a drill-down lists more than that)."""
    return set(db.session.execute(visible_cases(current_user).with_only_columns(Case.id)
                                  .where(Case.id.in_([c.id for c in cases]))).scalars())


def _page_count(total: int) -> int:
    return max(1, -(-total // LIST_LIMIT))


def list_page(total: int) -> int:
    """The page of a drill-down list asked for (`page`, 1 when absent or out of range)."""
    value = request.args.get("page", "1")
    return int(value) if value.isdecimal() and 1 <= int(value) <= _page_count(total) else 1


def page_links(page: int, total: int) -> dict:
    """The page shown, the page count and the previous/next pages' URLs (same arguments)."""
    last = _page_count(total)
    args = {k: v for k, v in request.args.items() if k != "page"}
    link = lambda n: url_for(request.endpoint, **args, page=n)  # noqa: E731
    return {"page": page, "last": last, "limit": LIST_LIMIT,
            "previous": link(page - 1) if page > 1 else None,
            "next": link(page + 1) if page < last else None}


def listed_cases(user, figure, ids):
    """The cases a drill-down lists: `ids` (already narrowed to the person's scope by
    scope_filters) within the cases he may see. 退回 is the exception: a head's 退回 are the
    cases his department returned, usually led by another department since; he is shown those
    rows (he handled them) though their case page no longer opens for him (case_url)."""
    statement = select(Case).where(Case.id.in_(ids))
    if figure in queries.EVENT_FIGURES:
        return statement
    return statement.where(Case.id.in_(visible_cases(user).with_only_columns(Case.id)))


def _explanation(figure):
    from app.figures.ledger import explanation
    return explanation(figure)


@bp.get("/ledger.xlsx")
@role_required(*LEDGER_ROLES)
def ledger():
    """Download the ledger for a period; phones masked unless an admin asks for the full export."""
    date_from, date_to = _date_arg("from"), _date_arg("to")
    given = [request.args.get(name, "").strip() for name in ("from", "to")]
    if (given[0] and not date_from) or (given[1] and not date_to) \
            or (date_from and date_to and date_to <= date_from):
        abort(400)  # a bad bound must not silently widen the export to everything
    full = request.args.get("full") == "1"
    if full and current_user.role is not Role.admin:
        abort(403)
    now = utcnow()
    # Built before the response starts (see Ledger): a failure here is still a clean error.
    ledger = Ledger(date_from, date_to, full=full, now=now,
                    county=current_app.config.get("COUNTY_NAME", ""),
                    scope=scope_filters(current_user), scope_note=scope_note(current_user))
    # Audited when the download starts: the rows may leave even if the transfer is cut.
    db.session.add(AuditEvent(
        case_id=None, actor_id=current_user.id, actor_label=current_user.display_name,
        action="export_ledger_full" if full else "export_ledger", created_at=now,
        data={"rows": ledger.rows, "from": date_from and date_from.isoformat(),
              "to": date_to and date_to.isoformat()}))
    db.session.commit()
    last_day = date_to - timedelta(days=1) if date_to else None  # the name says the last day
    name = f"企业服务工作进展台账_{date_from or ''}_{last_day or ''}.xlsx"
    response = Response(stream_with_context(ledger.chunks()), mimetype=XLSX_MIMETYPE)
    response.headers["Content-Disposition"] = attachment_disposition(name)
    response.headers["X-Accel-Buffering"] = "no"  # a reverse proxy passes it on as written
    return response


XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _chosen_month():
    """(month 'YYYY-MM', error): the asked month, or the month just ended with why."""
    from app.figures.snapshots import previous_month
    default = previous_month(local_today())
    value = request.args.get("month", "").strip()
    if not value:
        return default, None
    try:
        start, _end = queries.month_bounds(value)
    except ValueError:
        return default, "月份格式不正确，请选择年月（如 2026-11），已显示上月"
    if not queries.date_in_range(start):
        return default, f"月份超出范围（{queries.DATE_RANGE_MESSAGE}），已显示上月"
    return f"{start:%Y-%m}", None


def _report_scope():
    return {"scope": scope_filters(current_user), "scope_note": scope_note(current_user),
            "scope_title": scope_title(current_user)}


@bp.get("/report")
@role_required(*REPORT_ROLES)
def report_page():
    """The monthly report on screen: pick a month, read its headline figures, download it."""
    from app.figures.report import build_report, headline_rows
    month, error = _chosen_month()
    report = build_report(month, current_app.config.get("COUNTY_NAME", ""), utcnow(),
                          **_report_scope())
    return render_template("figures/report.html", report=report, month=month, error=error,
                           rows=headline_rows(report), scope_note=scope_note(current_user)), \
        400 if error else 200


@bp.get("/report.<kind>")
@role_required(*REPORT_ROLES)
def report_download(kind):
    from app.figures.report import report_pdf, report_xlsx
    if kind not in ("pdf", "xlsx"):
        abort(404)
    month, error = _chosen_month()
    if error or not request.args.get("month"):
        return report_page()
    build = report_pdf if kind == "pdf" else report_xlsx
    data = build(month, current_app.config.get("COUNTY_NAME", ""), utcnow(), **_report_scope())
    mimetype = "application/pdf" if kind == "pdf" else XLSX_MIMETYPE
    return send_file(BytesIO(data), as_attachment=True, mimetype=mimetype,
                     download_name=f"企业服务工作月报_{month}{scope_title(current_user)}.{kind}")


# --- the work summary (工作总结) ---------------------------------------------------------------

# County-wide roles only: the summary is the county's account, never a narrowed scope.
SUMMARY_ROLES = (Role.admin, Role.dispatcher, Role.supervisor)


def _summary_period():
    """(from, to exclusive, error): the period picker's dates, default this year."""
    default_from, default_to = queries.named_period("year", local_today())
    given = [request.args.get(name, "").strip() for name in ("from", "last")]
    if not any(given):
        return default_from, default_to, None
    date_from, last = _date_arg("from"), _date_arg("last")
    if date_from and last and last >= date_from:
        return date_from, last + timedelta(days=1), None
    return default_from, default_to, (f"请选择有效的起止日期（{queries.DATE_RANGE_MESSAGE}，"
                                      "截止日期不得早于起始日期），已显示本年")


def summary_link(number, date_from, date_to, which="link"):
    """The drill-down URL of one summary number (None when it has none)."""
    spec = number.get(which)
    if not spec:
        return None
    bounds = {"from": date_from.isoformat(), "to": date_to.isoformat()}
    spec = dict(spec)
    view = spec.pop("view")
    if view == "cases":
        return url_for("figures.cases", **spec, **bounds)
    if view == "ledger":
        return url_for("figures.ledger", **bounds)
    return url_for("figures.summary_list", **spec, **bounds)


@bp.get("/summary")
@role_required(*SUMMARY_ROLES)
def summary_page():
    from app.figures.summary import work_summary
    date_from, date_to, error = _summary_period()
    summary = work_summary(date_from, date_to)
    links = {key: (summary_link(n, date_from, date_to),
                   summary_link(n, date_from, date_to, "denominator_link"))
             for key, n in summary["numbers"].items()}
    return render_template(
        "figures/summary.html", summary=summary, links=links, date_from=date_from,
        last_day=date_to - timedelta(days=1), error=error,
        given={k: request.args.get(k, "") for k in ("from", "last")}), 400 if error else 200


@bp.get("/summary/list")
@role_required(*SUMMARY_ROLES)
def summary_list():
    """The records (or cases) behind one of the summary's mechanism numbers."""
    from app.figures.summary import list_query
    date_from, date_to = _date_arg("from"), _date_arg("to")
    if date_from is None or date_to is None or date_to <= date_from:
        abort(400)
    type_code = request.args.get("type") or None
    try:
        title, query, kind = list_query(request.args.get("list", ""), date_from, date_to,
                                        type_code)
    except KeyError:
        abort(404)
    total = db.session.execute(select(db.func.count()).select_from(query.subquery())).scalar_one()
    page = list_page(total)
    entity = query.column_descriptions[0]["entity"]
    order = (entity.submitted_at.desc(), entity.id.desc()) if kind == "cases" else (entity.id,)
    rows = db.session.execute(query.order_by(*order).offset((page - 1) * LIST_LIMIT)
                              .limit(LIST_LIMIT)).scalars().all()
    openable = _openable(rows) if kind == "cases" else set()
    if type_code:
        from app.meetings.queries import meeting_type_by_code
        meeting_type = meeting_type_by_code(type_code)
        if meeting_type is None:
            abort(404)
        title = f"{title}（{meeting_type.name}）"
    return render_template(
        "figures/summary_list.html", rows=rows, total=total, title=title, kind=kind,
        pages=page_links(page, total), date_from=date_from, last_day=date_to - timedelta(days=1),
        case_url=lambda case: case_url(case) if case.id in openable else None,
        back=url_for("figures.summary_page", **{"from": date_from.isoformat(),
                                                 "last": (date_to - timedelta(days=1)).isoformat()}))
