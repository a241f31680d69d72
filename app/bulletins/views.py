"""《代表声音》 pages: compile a bulletin, record each 批示, print it."""
from io import BytesIO

from flask import Blueprint, current_app, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from flask_wtf import FlaskForm

from app.auth.decorators import role_required
from app.auth.queries import OFFICE_ROLES
from app.bulletins import documents, operations as ops, queries
from app.cases.errors import CaseActionError
from app.cases.models import Case
from app.cases.queries import SEE_ALL_ROLES, is_overdue
from app.core.clock import local_today, utcnow
from app.core.timeutil import parse_iso_date
from app.core.types import is_id
from app.departments.models import Department
from app.departments.queries import ordered_departments
from app.extensions import db

bp = Blueprint("bulletins", __name__, url_prefix="/bulletins")


@bp.get("/")
@role_required(*SEE_ALL_ROLES)
def index(error=None, status=200):
    return render_template(
        "bulletins/index.html", bulletins=queries.bulletins(), form=FlaskForm(), error=error,
        candidates=queries.candidate_suggestions(), next_no=queries.next_issue_no(),
        today=local_today(), typed=request.form, chosen=request.form.getlist("case"),
        can_edit=current_user.role in OFFICE_ROLES), status


@bp.post("/")
@role_required(*OFFICE_ROLES)
def create():
    form = request.form
    if not FlaskForm().validate_on_submit():
        return index(error="页面已过期，请刷新后重试", status=400)
    issue_no = form.get("issue_no", "").strip()
    cases = [db.session.get(Case, int(i)) for i in form.getlist("case") if is_id(i)]
    try:
        bulletin = ops.create_bulletin(current_user, int(issue_no) if issue_no.isdecimal() else None,
                                       form.get("title"), parse_iso_date(form.get("issued_on")), cases)
    except CaseActionError as err:
        db.session.rollback()
        return index(error=err.message, status=err.status)
    db.session.commit()
    flash(f"第{bulletin.issue_no}期已编发", "success")
    return redirect(url_for("bulletins.show", bulletin_id=bulletin.id))


def _render(bulletin, error=None, status=200, error_item=None):
    return render_template(
        "bulletins/bulletin.html", bulletin=bulletin, form=FlaskForm(), error=error,
        error_item=error_item, typed=request.form, now=utcnow(), is_overdue=is_overdue,
        latest_answer=queries.latest_answer, today=local_today(),
        departments=ordered_departments(active_only=True),
        can_edit=current_user.role in OFFICE_ROLES), status


@bp.get("/<bulletin_id>")
@role_required(*SEE_ALL_ROLES)
def show(bulletin_id):
    return _render(queries.get_bulletin_or_404(bulletin_id))


@bp.post("/<bulletin_id>/items/<item_id>")
@role_required(*OFFICE_ROLES)
def instruct(bulletin_id, item_id):
    bulletin = queries.get_bulletin_or_404(bulletin_id)
    item = next((i for i in bulletin.items if str(i.id) == item_id), None)
    if item is None:
        return _render(bulletin, error="该建议不在本期中", status=404)
    if not FlaskForm().validate_on_submit():
        return _render(bulletin, error="页面已过期，请刷新后重试", status=400, error_item=item.id)
    form = request.form
    department = db.session.get(Department, int(form["department"])) \
        if is_id(form.get("department", "")) else None
    try:
        ops.record_instruction(item, current_user, form.get("instruction"), form.get("leader"),
                               parse_iso_date(form.get("on")), department=department)
    except CaseActionError as err:
        db.session.rollback()
        return _render(queries.get_bulletin_or_404(bulletin_id), error=err.message,
                       status=err.status, error_item=item.id)
    db.session.commit()
    flash("批示已录入", "success")
    return redirect(url_for("bulletins.show", bulletin_id=bulletin.id, _anchor=f"item-{item.id}"))


@bp.get("/<bulletin_id>/bulletin.pdf")
@role_required(*SEE_ALL_ROLES)
def pdf(bulletin_id):
    bulletin = queries.get_bulletin_or_404(bulletin_id)
    data = documents.bulletin_pdf(bulletin, current_app.config.get("COUNTY_NAME", ""))
    return send_file(BytesIO(data), as_attachment=True, download_name=f"{bulletin.title}.pdf",
                     mimetype="application/pdf")
