"""The monthly area analysis pages: the office's months (request, read, download the report)
and monitoring points; a department's requests and the analysis form (phone or desk).
Thin adapters: validate, call one operation, commit once, redirect; a refusal re-renders
what was typed."""
from io import BytesIO

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_login import current_user
from sqlalchemy import select

from app.areas import operations as ops, queries
from app.areas.forms import AnalysisForm, PointForm, RequestForm
from app.handling.forms import ActionForm
from app.areas.models import STATE_LABELS, AreaAnalysis, MonitoringPoint
from app.areas.report import report_pdf
from app.auth.decorators import role_required
from app.auth.queries import HANDLING_ROLES, OFFICE_ROLES
from app.cases.errors import CaseActionError
from app.core.clock import local_today, utcnow
from app.enterprises.models import Enterprise
from app.enterprises.queries import enterprise_by_credit_code, search_enterprises
from app.extensions import db
from app.field.views import _get
from app.figures.queries import add_months, month_bounds

bp = Blueprint("areas", __name__, url_prefix="/areas")


def _month_or_404(month: str) -> str:
    found = queries.valid_month(month)
    if found is None:
        abort(404)
    return found


@bp.get("/")
@role_required(*OFFICE_ROLES, *HANDLING_ROLES)
def index():
    today = local_today()
    if current_user.role in HANDLING_ROLES:
        return render_template("areas/mine.html", analyses=queries.department_requests(
            current_user.department_id) if current_user.department_id else [],
            today=today, labels=STATE_LABELS)
    form = RequestForm()
    form.month.data = f"{add_months(today.replace(day=1), -1):%Y-%m}"  # last month, by default
    return _office_index(form, today)


def _office_index(form, today, error=None, field=None):
    return render_template("areas/index.html", months=queries.requested_months(today),
                           form=form, error=error, error_field=field, today=today,
                           areas=queries.areas(active_only=True)), 400 if error else 200


@bp.post("/requests")
@role_required(*OFFICE_ROLES)
def request_month():
    form = RequestForm()
    today = local_today()
    if not form.validate_on_submit():
        return _office_index(form, today, "页面已过期，请刷新后重试")
    text = (form.workdays.data or "").strip()
    try:
        created, skipped = ops.request_analyses(
            current_user, form.month.data, int(text) if text.isdigit() else None)
    except CaseActionError as exc:
        db.session.rollback()
        return _office_index(form, today, exc.message, exc.field)
    db.session.commit()
    flash(f"已向{len(created)}个领域的责任部门发起{form.month.data}月分析填报" + (
        "；未设责任部门、未发起：" + "、".join(a.name for a in skipped) if skipped else ""), "info")
    return redirect(url_for("areas.month", month=created[0].month))


@bp.get("/months/<month>")
@role_required(*OFFICE_ROLES)
def month(month):
    month = _month_or_404(month)
    date_from, date_to = month_bounds(month)
    return render_template("areas/month.html", month=month, rows=queries.month_rows(month),
                           today=local_today(), labels=STATE_LABELS,
                           date_from=date_from, date_to=date_to)


@bp.get("/months/<month>/report.pdf")
@role_required(*OFFICE_ROLES)
def report(month):
    month = _month_or_404(month)
    data = report_pdf(month, current_app.config.get("COUNTY_NAME", ""), utcnow())
    return send_file(BytesIO(data), as_attachment=True, mimetype="application/pdf",
                     download_name=f"营商环境月分析报告_{month}.pdf")


def _visible(analysis_id) -> AreaAnalysis:
    """The office reads every analysis; a department only its own (others: 404)."""
    analysis = _get(AreaAnalysis, analysis_id)
    if current_user.role in OFFICE_ROLES:
        return analysis
    if current_user.role in HANDLING_ROLES and current_user.department_id == analysis.department_id:
        return analysis
    abort(404)


@bp.route("/analyses/<analysis_id>", methods=["GET", "POST"])
@role_required(*OFFICE_ROLES, *HANDLING_ROLES)
def analysis(analysis_id):
    analysis = _visible(analysis_id)
    editable = ops.may_answer(current_user, analysis)
    if request.method == "POST" and not editable:
        abort(403)
    form = AnalysisForm()
    if request.method == "GET":
        form.weaknesses.data, form.measures.data = analysis.weaknesses, analysis.measures
    error = field = None
    if form.validate_on_submit():
        try:
            ops.submit_analysis(current_user, analysis, form.weaknesses.data, form.measures.data)
        except CaseActionError as exc:
            db.session.rollback()
            error, field = exc.message, exc.field
        else:
            db.session.commit()
            flash(f"已提交{analysis.area.name}领域分析", "info")
            return redirect(url_for("areas.analysis", analysis_id=analysis.id))
    elif form.is_submitted():
        error = "页面已过期，请刷新后重试"
    rows = queries.month_rows(analysis.month, only_area=analysis.area_id)
    return render_template("areas/analysis.html", analysis=analysis, form=form, error=error,
                           error_field=field, editable=editable, row=rows[0] if rows else None,
                           today=local_today(), labels=STATE_LABELS), 400 if error else 200


# --- monitoring points ------------------------------------------------------------------------

def _enterprise(text: str | None):
    """The enterprise typed: its credit code, exact name, or the only one matching."""
    text = (text or "").strip()
    if not text:
        raise CaseActionError("no_enterprise", "请输入企业名称或统一社会信用代码", field="enterprise")
    found = enterprise_by_credit_code(text) or db.session.execute(
        select(Enterprise).where(Enterprise.name == text)).scalar_one_or_none()
    if found is not None:
        return found
    matches = search_enterprises(text, limit=2)
    if len(matches) == 1:
        return matches[0]
    raise CaseActionError("ambiguous_enterprise", f"找到{len(matches)}家企业与“{text}”相符，"
                          "请输入完整名称或统一社会信用代码" if matches
                          else f"没有找到企业“{text}”", field="enterprise")


@bp.route("/points", methods=["GET", "POST"])
@role_required(*OFFICE_ROLES)
def points():
    form = PointForm()
    error = field = None
    if form.validate_on_submit():
        try:
            point = ops.flag_monitoring_point(current_user, _enterprise(form.enterprise.data),
                                              form.note.data)
        except CaseActionError as exc:
            db.session.rollback()
            error, field = exc.message, exc.field
        else:
            db.session.commit()
            flash(f"已将“{point.enterprise.name}”设为监测点企业", "info")
            return redirect(url_for("areas.points"))
    elif form.is_submitted():
        error = "页面已过期，请刷新后重试"
    return render_template("areas/points.html", form=form, error=error, error_field=field,
                           points=queries.monitoring_points(), remove=ActionForm(prefix="rm")), \
        400 if error else 200


@bp.post("/points/<point_id>/remove")
@role_required(*OFFICE_ROLES)
def remove_point(point_id):
    point = _get(MonitoringPoint, point_id)
    if not ActionForm(prefix="rm").validate_on_submit():
        abort(400)
    name = point.enterprise.name
    ops.unflag_monitoring_point(point)
    db.session.commit()
    flash(f"已取消“{name}”的监测点企业标记", "info")
    return redirect(url_for("areas.points"))
