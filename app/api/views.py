"""/api/v1: thin adapters from JSON to the case operations; one commit per request."""

from flask import Blueprint, g, jsonify, request
from sqlalchemy.orm import selectinload

from app.api import params
from app.api.actions import run_action
from app.api.errors import ApiError, register_error_handlers
from app.api.queries import case_list_query
from app.api.serialize import case_json, case_summary_json, department_json
from app.auth.models import User
from app.auth.operations import user_for_token
from app.cases import operations as ops
from app.cases.models import Case, CaseDepartment, CaseSource, CaseState, Urgency
from app.cases.queries import SEE_ALL_ROLES, get_visible_case
from app.core.clock import local_today, utcnow
from app.departments.queries import ordered_departments
from app.extensions import csrf, db
from app.field.queries import field_figures
from app.rounds.queries import round_figures
from app.assessments.queries import assessment_figures
from app.figures import queries as figures_queries
from app.bulletins.queries import bulletin_figures
from app.meetings.queries import meeting_figures

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)  # bearer tokens, never cookies: there is no session to forge a request with
register_error_handlers(bp)

PAGE_SIZE = 50
LIST_LOAD = (selectinload(Case.category), selectinload(Case.enterprise),
             selectinload(Case.lead_department), selectinload(Case.assignee),
             selectinload(Case.co_departments).selectinload(CaseDepartment.department))


@bp.before_request
def authenticate():
    """Every API call names its user with `Authorization: Bearer <token>`."""
    scheme, _, token = request.headers.get("Authorization", "").partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token:
        raise ApiError("unauthorized", "请在 Authorization 头中提供访问令牌（Bearer）", 401)
    user = user_for_token(token)
    if user is None:
        raise ApiError("invalid_token", "访问令牌无效、已吊销或用户已停用", 401)
    if user.must_change_password:
        # A temporary password an admin set is not yet the user's own: nothing opens with it,
        # on the pages (force_password_change) or here, until it is changed.
        raise ApiError("password_change_required",
                       "该账号仍在使用管理员设置的临时密码：请先修改密码（登录网页后按提示修改），再使用访问令牌", 403)
    db.session.commit()  # keep last_used_at; the action below is a transaction of its own
    g.api_user = user


def current_user() -> User:
    return g.api_user


def _case_or_404(tracking_no: str, *, for_update=False) -> Case:
    case = get_visible_case(current_user(), tracking_no, for_update=for_update)
    if case is None:
        raise ApiError("not_found", f"案件“{tracking_no}”不存在或您无权查看", 404)
    return case


@bp.post("/cases")
def submit():
    """Create a case; a repeated submission_key answers 200 with the first case."""
    body = params.json_body()
    user = current_user()
    case, created = ops.submit_case(
        source=params.choice(body.get("source"), CaseSource, "source", required=True),
        category=params.category(body.get("category")),
        content=params.text(body, "content", required=True),
        actor=user,
        enterprise=params.enterprise(body.get("enterprise_code")),
        enterprise_name_given=params.text(body, "enterprise_name", max_length=200),
        contact_name=params.text(body, "contact_name", max_length=64),
        contact_phone=params.text(body, "contact_phone", max_length=32),
        is_anonymous=params.boolean(body, "anonymous"),
        urgency=params.choice(body.get("urgency"), Urgency, "urgency") or Urgency.normal,
        submission_key=params.text(body, "submission_key", max_length=64) or None)
    db.session.commit()
    mine = created or case.entered_by_id == user.id
    return jsonify(case_json(case, user, include_access_code=mine)), 201 if created else 200


@bp.get("/cases/<tracking_no>")
def show(tracking_no):
    return jsonify(case_json(_case_or_404(tracking_no), current_user()))


@bp.get("/cases")
def index():
    """Visible cases, newest first, 50 a page; filters: state, department, overdue."""
    args = request.args
    page = params.page_number(args.get("page"))
    overdue = args.get("overdue", "").lower()
    if overdue not in ("", "0", "1", "true", "false"):
        raise ApiError("invalid_field", "参数“overdue”应为 1 或 0", field="overdue")
    now = utcnow()
    query = case_list_query(
        current_user(), state=params.choice(args.get("state"), CaseState, "state"),
        department=params.department(args.get("department")),
        overdue=overdue in ("1", "true"), now=now).options(*LIST_LOAD)
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    return jsonify({
        "items": [case_summary_json(case, current_user()) for case in pagination.items],
        "total": pagination.total, "page": pagination.page, "pages": pagination.pages,
        "per_page": PAGE_SIZE,
    })


@bp.post("/cases/<tracking_no>/actions")
def act(tracking_no):
    """Run one action on a visible case through its operation, then commit once."""
    case = _case_or_404(tracking_no, for_update=True)
    run_action(case, current_user(), params.json_body())
    db.session.commit()
    return jsonify(case_json(case, current_user()))


@bp.get("/departments")
def departments():
    rows = ordered_departments(active_only=True)
    return jsonify({"items": [department_json(d) for d in rows]})


@bp.get("/figures")
def figures():
    """The figures of DESIGN §5 for [from, to); `by` groups them (department, category…)."""
    if current_user().role not in SEE_ALL_ROLES:
        raise ApiError("forbidden", "您的角色无权查看统计数据", 403)
    date_from, date_to = _period_args("month")
    try:
        result = figures_queries.compute_figures(date_from, date_to, by=request.args.get("by") or None)
    except ValueError as exc:  # e.g. an unknown grouping key
        raise ApiError("invalid_field", f"统计参数无效：{exc}", field="by") from None
    result["mechanisms"] = mechanism_figures(date_from, date_to)
    return jsonify(result)


@bp.get("/summary")
def summary():
    """The work summary (工作总结) for [from, to), default this year: every number, numerator
    and denominator for each rate, and the text (app/figures/summary.py)."""
    from app.figures.summary import summary_json, work_summary
    if current_user().role not in SEE_ALL_ROLES:
        raise ApiError("forbidden", "您的角色无权查看工作总结", 403)
    date_from, date_to = _period_args("year")
    return jsonify(summary_json(work_summary(date_from, date_to)))


def _period_args(default: str):
    """[from, to) from the query string, each defaulting to this `default` period
    ("month", "year"); a period that ends before it starts is refused."""
    default_from, default_to = figures_queries.named_period(default, local_today())
    date_from = params.iso_date(request.args.get("from"), "from") or default_from
    date_to = params.iso_date(request.args.get("to"), "to") or default_to
    if date_to <= date_from:
        raise ApiError("invalid_field", "结束日期应晚于开始日期", field="to")
    return date_from, date_to


def mechanism_figures(date_from, date_to) -> dict:
    """The mechanisms' figures of the period (docs/figures.md): meetings, 代表声音 bulletins,
    the field's visits, coverage and supervision (app/field), 网络专项评议 (app/rounds) and
    the 现场测评 (app/assessments)."""
    return {"meetings": meeting_figures(date_from, date_to),
            "bulletins": bulletin_figures(date_from, date_to),
            "field": field_figures(date_from, date_to),
            "rounds": round_figures(date_from, date_to),
            "assessments": assessment_figures(date_from, date_to)}


from app.api import meetings  # noqa: E402,F401  (its routes join this blueprint)
from app.field import api as _field_api  # noqa: E402,F401  (/visits, on this blueprint)
