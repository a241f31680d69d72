"""The 现场测评 pages: the supervisors' phone form and their own records; the office's
campaigns (supervisor × department matrix) and every assessment; per-department results,
which a department sees for itself only (aggregates, never who scored what). Thin adapters:
validate, call one operation, commit once, redirect; a refusal re-renders what was typed."""
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.assessments import operations as ops, queries
from app.assessments.forms import AssessmentForm, CampaignForm
from app.assessments.models import DIMENSIONS, SCORES, Assessment, AssessmentCampaign, AssessmentPhoto
from app.auth.decorators import role_required
from app.auth.models import Role
from app.auth.queries import HANDLING_ROLES, OFFICE_ROLES
from app.cases.errors import CaseActionError
from app.cases.models import AttachmentKind, Rating
from app.cases.queries import category_choices
from app.cases.web import first_error
from app.core.clock import local_today
from app.departments.models import Department
from app.departments.queries import ordered_departments
from app.extensions import db
from app.field.views import ISSUE_ROWS, _get, cases_made_note, form_photos, issue_rows, issues_from_form
from app.figures.views import PERIODS, chosen_period
from app.media.views import (send_attachment, staged_for, staged_remove_response,
                             staged_upload_response)

bp = Blueprint("assessments", __name__, url_prefix="/assessments")
SUPERVISOR = (Role.social_supervisor,)
READ_ALL = OFFICE_ROLES + (Role.supervisor,)  # every assessment, who made it, the campaigns
RESULT_ROLES = READ_ALL + HANDLING_ROLES  # a department: its own aggregates only


@bp.get("/")
@role_required(*SUPERVISOR, *RESULT_ROLES)
def index():
    today = local_today()
    if current_user.role in HANDLING_ROLES:
        return redirect(url_for("assessments.results"))
    running = queries.running_campaigns(today)
    if current_user.role is Role.social_supervisor:
        mine = [(c, next((r for r in queries.campaign_matrix(c).rows
                          if r.supervisor.id == current_user.id), None)) for c in running]
        return render_template("assessments/mine.html", campaigns=mine,
                               assessments=queries.assessments(current_user), today=today)
    year = today.replace(month=1, day=1)
    return render_template("assessments/index.html", campaigns=queries.campaigns(),
                           assessments=queries.assessments(limit=50), today=today,
                           figures=queries.assessment_figures(year, year.replace(year=year.year + 1)),
                           dimensions=DIMENSIONS, scores=SCORES)


# --- the supervisor's form -----------------------------------------------------------------

def _assessment_form():
    form = AssessmentForm()
    departments = queries.functional_departments()
    others = [d for d in ordered_departments(active_only=True) if d not in departments]
    form.department.choices = [(0, "请选择")] + [(d.id, d.name) for d in departments + others]
    return form


def _rating(value):
    return Rating[value] if value in Rating.__members__ else None


@bp.route("/new", methods=["GET", "POST"])
@role_required(*SUPERVISOR)
def new():
    form = _assessment_form()
    if request.method == "GET":
        form.assessed_on.data = local_today()
        wanted = request.args.get("department", "")
        if wanted.isdigit() and int(wanted) in dict(form.department.choices):
            form.department.data = int(wanted)
    error = field = None
    if form.validate_on_submit():
        try:
            photos = form_photos(form)
            assessment, cases = ops.record_assessment(
                current_user, department=db.session.get(Department, form.department.data),
                assessed_on=form.assessed_on.data, matter=form.matter.data,
                efficiency=_rating(form.efficiency.data), process=_rating(form.procedure.data),
                attitude=_rating(form.attitude.data), notes=form.notes.data,
                findings=issues_from_form(), photos=photos)
        except CaseActionError as exc:
            db.session.rollback()
            error, field = exc.message, exc.field
        else:
            db.session.commit()
            flash(cases_made_note(f"已登记对{assessment.department.name}的现场测评", cases), "info")
            return redirect(url_for("assessments.show", assessment_id=assessment.id))
    elif form.is_submitted():
        error = first_error(form)
    issues = issue_rows(ISSUE_ROWS - 2)
    return render_template("assessments/form.html", form=form, error=error, error_field=field,
                           issues=issues, categories=category_choices(),
                           staged=staged_for(form)), 400 if error else 200


@bp.post("/uploads")
@role_required(*SUPERVISOR)
def upload():
    """A photo for the assessment form, ahead of the form (static/js/uploads.js)."""
    return staged_upload_response(AttachmentKind.photo)


@bp.delete("/uploads/<public_id>")
@role_required(*SUPERVISOR)
def remove_upload(public_id):
    return staged_remove_response(public_id)


def _visible(assessment_id) -> Assessment:
    """An assessment its supervisor or the office may see; anyone else gets a 404."""
    found = _get(Assessment, assessment_id)
    if current_user.role not in READ_ALL and found.supervisor_id != current_user.id:
        abort(404)
    return found


@bp.get("/<assessment_id>")
@role_required(*SUPERVISOR, *READ_ALL)
def show(assessment_id):
    return render_template("assessments/show.html", assessment=_visible(assessment_id),
                           dimensions=DIMENSIONS, scores=SCORES)


@bp.get("/photos/<photo_id>")
@role_required(*SUPERVISOR, *READ_ALL)
def photo(photo_id):
    found = _get(AssessmentPhoto, photo_id)
    _visible(found.assessment_id)
    return send_attachment(found)


# --- campaigns (the office) ------------------------------------------------------------------

def _render_campaign_form(form, status=200, error=None):
    return render_template("assessments/campaign_form.html", form=form, error=error,
                           departments=queries.functional_departments()), status


@bp.route("/campaigns/new", methods=["GET", "POST"])
@role_required(*OFFICE_ROLES)
def new_campaign():
    form = CampaignForm()
    if request.method == "GET":
        form.starts_on.data = local_today()
        return _render_campaign_form(form)
    if not form.validate_on_submit():
        return _render_campaign_form(form, 400, first_error(form) or "请检查填写的内容")
    try:
        campaign = ops.open_campaign(current_user, form.title.data, form.starts_on.data,
                                     form.ends_on.data)
    except CaseActionError as exc:
        db.session.rollback()
        return _render_campaign_form(form, exc.status, exc.message)
    db.session.commit()
    flash(f"已发起“{campaign.title}”，共{len(campaign.targets)}个职能部门", "info")
    return redirect(url_for("assessments.campaign", campaign_id=campaign.id))


@bp.get("/campaigns/<campaign_id>")
@role_required(*READ_ALL)
def campaign(campaign_id):
    found = _get(AssessmentCampaign, campaign_id)
    return render_template("assessments/campaign.html", campaign=found, today=local_today(),
                           matrix=queries.campaign_matrix(found),
                           results=queries.department_results(campaign=found),
                           dimensions=DIMENSIONS)


# --- results ---------------------------------------------------------------------------------

@bp.get("/results")
@role_required(*RESULT_ROLES)
def results():
    """Per department over a period: the count and the average of each dimension. A
    department's people see their own row only."""
    date_from, date_to, period, error = chosen_period()
    own = current_user.department_id if current_user.role in HANDLING_ROLES else None
    if current_user.role in HANDLING_ROLES and own is None:
        abort(403)
    rows = queries.department_results(date_from, date_to, department_id=own)
    return render_template("assessments/results.html", rows=rows, dimensions=DIMENSIONS,
                           date_from=date_from, date_to=date_to, period=period, periods=PERIODS,
                           error=error, own=own)
