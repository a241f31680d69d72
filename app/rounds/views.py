"""The office's and the departments' pages of the rounds: the list, opening and closing a
round, its results and its link's QR code.

Thin adapters over app.rounds.operations: read the form, call one operation, commit once,
redirect; a refusal re-renders the page with the operation's message and what was typed."""
from io import BytesIO

import qrcode
import qrcode.image.svg
from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from app.auth.decorators import role_required
from app.auth.models import Role
from app.auth.queries import HANDLING_ROLES, OFFICE_ROLES
from app.cases.errors import CaseActionError
from app.core.clock import local_today
from app.core.timeutil import parse_iso_date
from app.core.types import is_id
from app.departments.models import Department
from app.departments.queries import ordered_departments
from app.extensions import db
from app.rounds import operations as ops, queries
from app.rounds.models import EvaluationRound

bp = Blueprint("rounds", __name__, url_prefix="/rounds")

# Who sees every department's results; the departments' own roles see their own aggregates.
FULL_RESULT_ROLES = (Role.admin, Role.dispatcher, Role.supervisor, Role.discipline, Role.leader)
DEFAULT_DIMENSIONS = "服务效率\n服务态度\n政策落实"


def _round(round_id) -> EvaluationRound:
    round_ = db.session.get(EvaluationRound, round_id)
    if round_ is None:
        abort(404)
    return round_


@bp.get("/")
@role_required(*FULL_RESULT_ROLES, *HANDLING_ROLES)
def index(error=None, status=200):
    return render_template(
        "rounds/index.html", form=FlaskForm(),
        rounds=queries.rounds(current_user.department_id
                              if current_user.role in HANDLING_ROLES else None), error=error,
        typed=request.form, today=local_today(), can_edit=current_user.role in OFFICE_ROLES,
        departments=ordered_departments(active_only=True),
        default_dimensions=DEFAULT_DIMENSIONS), status


@bp.post("/")
@role_required(*OFFICE_ROLES)
def create():
    if not FlaskForm().validate_on_submit():
        return index(error="页面已过期，请刷新后重试", status=400)
    form = request.form
    ids = [int(i) for i in form.getlist("departments") if is_id(i)]
    departments = [db.session.get(Department, i) for i in ids]
    try:
        round_ = ops.open_round(current_user, title=form.get("title"),
                                starts_on=parse_iso_date(form.get("starts_on")),
                                ends_on=parse_iso_date(form.get("ends_on")),
                                departments=departments, dimensions=form.get("dimensions"))
    except CaseActionError as err:
        db.session.rollback()
        return index(error=err.message, status=err.status if err.status < 500 else 400)
    round_id = round_.id
    db.session.commit()
    flash("评议已发起：企业扫企业码即可看到评议入口，无企业码的企业可使用评议链接或二维码")
    return redirect(url_for(".show", round_id=round_id))


@bp.get("/<int:round_id>")
@role_required(*FULL_RESULT_ROLES, *HANDLING_ROLES)
def show(round_id, error=None, status=200):
    round_ = _round(round_id)
    own = None
    if current_user.role in HANDLING_ROLES:
        # A department sees its own aggregates, once the round is closed (docs/mechanisms.md).
        if round_.is_open or current_user.department_id not in {
                d.department_id for d in round_.departments}:
            abort(403)
        own = current_user.department_id
    return render_template(
        "rounds/show.html", round=round_, form=FlaskForm(), error=error,
        results=queries.results(round_, department_id=own), is_department_view=own is not None,
        participation=queries.participation(round_) if own is None else None,
        suggestions=queries.suggestions(round_) if own is None else None,
        min_answers=queries.DEPARTMENT_MIN_ANSWERS, can_edit=current_user.role in OFFICE_ROLES,
        link=url_for("rounds_public.link_form", token=round_.public_token, _external=True)), status


@bp.post("/<int:round_id>/close")
@role_required(*OFFICE_ROLES)
def close(round_id):
    round_ = _round(round_id)
    if not FlaskForm().validate_on_submit():
        return show(round_id, error="页面已过期，请刷新后重试", status=400)
    try:
        ops.close_round(round_, current_user)
    except CaseActionError as err:
        db.session.rollback()
        return show(round_id, error=err.message, status=err.status)
    db.session.commit()
    flash("本轮评议已结束，结果如下")
    return redirect(url_for(".show", round_id=round_id))


@bp.get("/<int:round_id>/qr.svg")
@role_required(*OFFICE_ROLES)
def qr(round_id):
    """The round link as a QR code to print or post for enterprises without a card."""
    round_ = _round(round_id)
    link = url_for("rounds_public.link_form", token=round_.public_token, _external=True)
    image = qrcode.make(link, image_factory=qrcode.image.svg.SvgPathImage, box_size=10)
    out = BytesIO()
    image.save(out)
    out.seek(0)
    return send_file(out, mimetype="image/svg+xml", download_name=f"评议二维码-{round_.id}.svg")
