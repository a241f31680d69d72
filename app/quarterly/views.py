"""The office's 季测评 pages: a quarter's evaluation per department (each number a link to what
it counts), the sheet as .xlsx and PDF, the weights form, and the drill-downs of the round,
现场测评 and 交办事项 components. Office roles only (管理员, 派单员, 督查人员); the weights are
changed by 管理员 and 派单员, as the rounds are opened."""
from io import BytesIO

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_login import current_user
from flask_wtf import FlaskForm

from app.assessments import queries as assessment_queries
from app.assessments.models import DIMENSIONS, SCORES
from app.auth.decorators import role_required
from app.auth.models import Role
from app.auth.queries import OFFICE_ROLES
from app.core.clock import local_today, utcnow
from app.core.documents import attachment_disposition
from app.core.types import is_id
from app.departments.models import Department
from app.extensions import db
from app.figures.views import XLSX_MIMETYPE, case_url
from app.quarterly import documents, operations as ops, queries
from app.quarterly.queries import COMPONENTS, Quarter
from app.rounds import queries as round_queries
from app.rounds.queries import LEVEL_SCORES

bp = Blueprint("quarterly", __name__, url_prefix="/quarterly")

READ_ROLES = OFFICE_ROLES + (Role.supervisor,)
DRILLS = ("round", "assessment", "items")


def chosen_quarter() -> tuple[Quarter, str | None]:
    """(quarter, error): the asked quarter, or the current one with why."""
    current = Quarter.containing(local_today())
    value = request.args.get("quarter", "").strip()
    if not value:
        return current, None
    try:
        return Quarter.parse(value), None
    except ValueError:
        return current, "季度格式不正确，请选择季度（如 2026Q4，2000年至2100年之间），已显示本季度"


def component_links(quarter: Quarter, department_id: int, key: str) -> dict:
    """{part: url} of one component's numbers: the figures' drill-down for a case figure
    (numerator and denominator), this blueprint's list for the others."""
    component = queries.BY_KEY[key]
    if component.figure:
        args = {"figure": component.figure, "from": quarter.date_from.isoformat(),
                "to": quarter.date_to.isoformat(), "department": department_id}
        return {part: url_for("figures.cases", part=part, **args)
                for part in ("numerator", "denominator")}
    return {"list": url_for("quarterly.drill", key=key, quarter=quarter.key,
                            department=department_id)}


@bp.get("/")
@role_required(*READ_ROLES)
def index():
    quarter, error = chosen_quarter()
    evaluation = queries.evaluate(quarter, utcnow())
    return render_template(
        "quarterly/index.html", evaluation=evaluation, quarter=quarter, error=error,
        components=COMPONENTS, choices=queries.quarter_choices(local_today()),
        links=lambda row, key: component_links(quarter, row.department.id, key),
        no_data_rule=queries.NO_DATA_RULE, order_note=queries.ORDER_NOTE,
        can_edit=current_user.role in OFFICE_ROLES, show=queries.show), 400 if error else 200


@bp.get("/sheet.<kind>")
@role_required(*READ_ROLES)
def sheet(kind):
    if kind not in ("xlsx", "pdf"):
        abort(404)
    quarter, error = chosen_quarter()
    if error or not request.args.get("quarter"):
        return index()
    county = current_app.config.get("COUNTY_NAME", "")
    evaluation = queries.evaluate(quarter, utcnow())
    if kind == "xlsx":
        data, mimetype = documents.sheet_xlsx(evaluation, county), XLSX_MIMETYPE
    else:
        data, mimetype = documents.sheet_pdf(evaluation, county), "application/pdf"
    response = send_file(BytesIO(data), mimetype=mimetype)
    response.headers["Content-Disposition"] = attachment_disposition(
        f"部门季度测评表_{quarter.key}.{kind}")
    return response


@bp.route("/weights", methods=["GET", "POST"])
@role_required(*READ_ROLES)
def weights():
    form = FlaskForm()
    error = field = None
    typed = request.form if request.method == "POST" else None
    if request.method == "POST":
        if current_user.role not in OFFICE_ROLES:
            abort(403)
        if not form.validate_on_submit():
            error = "页面已过期，请刷新后重试"
        else:
            try:
                ops.set_weights(current_user, request.form, request.form.get("note"))
            except ops.WeightsError as exc:
                db.session.rollback()
                error, field = exc.message, exc.field
            else:
                db.session.commit()
                flash("季度测评权重已保存，所有季度按新权重计算", "info")
                return redirect(url_for("quarterly.weights"))
    current = queries.current_weights()
    return render_template(
        "quarterly/weights.html", form=form, current=current, components=COMPONENTS,
        history=queries.weight_history(), error=error, error_field=field,
        typed=typed, can_edit=current_user.role in OFFICE_ROLES), 400 if error else 200


@bp.get("/drill/<key>")
@role_required(*READ_ROLES)
def drill(key):
    """What the round, 现场测评 and 交办事项 components of one department and quarter count."""
    if key not in DRILLS:
        abort(404)
    quarter, error = chosen_quarter()
    department_id = request.args.get("department", "")
    if error or not is_id(department_id):
        abort(400)
    department = db.session.get(Department, int(department_id))
    if department is None:
        abort(404)
    date_from, date_to = quarter.date_from, quarter.date_to
    context = {"key": key, "component": queries.BY_KEY[key], "quarter": quarter,
               "department": department,
               "back": url_for("quarterly.index", quarter=quarter.key)}
    if key == "round":
        context["ratings"] = round_queries.department_ratings(date_from, date_to, department.id)
        context["level_scores"] = LEVEL_SCORES
        context["total"] = sum(LEVEL_SCORES[score.rating] for _r, _a, score in context["ratings"])
        context["average"] = queries.show(queries.hundredths(context["total"],
                                                             100 * len(context["ratings"])))
    elif key == "assessment":
        context["assessments"] = assessment_queries.department_assessments(
            date_from, date_to, department.id)
        context.update(dimensions=DIMENSIONS, scores=SCORES)
    else:
        items = queries.owned_items(quarter, department.id, utcnow())
        context["items"] = items
        context["due_count"] = sum(item.due for item in items)
        context["on_time_count"] = sum(item.on_time for item in items if item.due)
        context["case_url"] = case_url
    return render_template("quarterly/drill.html", **context)
