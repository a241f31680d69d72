"""The field pages: visits on the phone, 包联 and teams for the admin, help measures,
纪委监委 supervision. Thin adapters: validate the form, call one operation, commit once,
redirect; a refusal re-renders with the operation's Chinese message and what was typed."""
from datetime import date

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from app.auth.decorators import role_required
from app.auth.models import Role, User
from app.auth.queries import HANDLING_ROLES, OFFICE_ROLES, users_with_role
from app.cases.errors import CaseActionError
from app.cases.models import AttachmentKind, Category
from app.cases.queries import category_choices
from app.cases.web import first_error
from app.core.clock import local_today
from app.core.types import is_id
from app.departments.models import Department
from app.departments.queries import ordered_departments
from app.enterprises.imports import ImportRejected
from app.enterprises.models import Enterprise
from app.extensions import db
from app.field import operations as ops, queries
from app.field.forms import (AssignmentForm, EndForm, ImportForm, MeasureForm, MemberForm,
                             NoteForm, SupervisionForm, TeamForm, VisitForm)
from app.field.imports import import_assignments
from app.field.models import (FindingOutcome, HelpMeasure, ServiceAssignment, ServiceTeam,
                              SupervisionFinding, SupervisionKind, SupervisionVisit,
                              TeamMembership, Visit,
                              VisitLevel, VisitPhoto)
from app.figures.queries import add_months
from app.media.operations import pixel_budget, prepare_media, spool_to_temp, staged_uploads
from app.media.sniff import MediaRefused
from app.media.views import send_attachment, staged_for, staged_remove_response, \
    staged_upload_response

bp = Blueprint("field", __name__, url_prefix="/field")
VISIT_ROLES = OFFICE_ROLES + (Role.leader,) + HANDLING_ROLES
PLAN_ROLES = OFFICE_ROLES + (Role.leader,) + HANDLING_ROLES
ISSUE_ROWS = 3  # blank issue rows the form shows (a script adds more)


def _get(model, ident):
    row = db.session.get(model, int(ident)) if is_id(ident) else None
    if row is None:
        abort(404)
    return row


def _user(ident):
    return db.session.get(User, ident) if ident else None


def _department(ident):
    return db.session.get(Department, ident) if ident else None


@bp.get("/")
@role_required(*VISIT_ROLES, Role.supervisor, Role.discipline)
def index():
    if current_user.role is Role.discipline:
        return redirect(url_for("field.supervision"))
    today = local_today()
    month = today.replace(day=1)
    figures = queries.field_figures(month, add_months(month, 1), today)
    return render_template("field/index.html", figures=figures, today=today,
                           week=queries.office_week(today.year, today.month),
                           mine=queries.my_enterprises(current_user, today),
                           visits=queries.recent_visits(
                               None if current_user.role in OFFICE_ROLES + (Role.supervisor,)
                               else current_user, limit=30))


# --- visits ----------------------------------------------------------------------------------

def _visit_choices(form: VisitForm, today):
    mine = queries.my_enterprises(current_user, today)
    others = [e for e in queries.key_enterprises() if e not in mine]
    form.enterprise.choices = [(0, "请选择")] + [(e.id, e.name) for e in mine + others]
    teams = (queries.teams() if current_user.role in OFFICE_ROLES
             else ops.teams_of(current_user, today))
    form.team.choices = [(0, "不以服务团名义")] + [(t.id, t.name) for t in teams
                                                 if t.is_active_on(today)]


def issues_from_form() -> list:
    """The issue rows of a visit or assessment form as `Issue`s (empty rows are the operation's
    to skip or refuse)."""
    categories = request.form.getlist("issue_category")
    contents = request.form.getlist("issue_content")
    issues = []
    for code, content in zip(categories, contents):
        category = db.session.get(Category, int(code)) if is_id(code) else None
        issues.append(ops.Issue(category, content))
    return issues


def issue_rows(rows: int) -> list[tuple[str, str]]:
    """The issue rows to show again: what was typed, padded with empty rows up to `rows`."""
    typed = list(zip(request.form.getlist("issue_category"), request.form.getlist("issue_content")))
    return typed + [("", "")] * max(rows - len(typed), 0)


def cases_made_note(done: str, cases) -> str:
    """The flash after a visit or assessment: what was recorded, and the cases its issues became."""
    if not cases:
        return done
    return f"{done}，{len(cases)}个问题已转为案件：" + "、".join(c.tracking_no for c in cases)


@bp.route("/visits/new", methods=["GET", "POST"])
@role_required(*VISIT_ROLES)
def new_visit():
    today = local_today()
    form = VisitForm()
    _visit_choices(form, today)
    if request.method == "GET":
        form.visited_on.data = today
        if len(form.enterprise.choices) > 1 and request.args.get("enterprise"):
            form.enterprise.data = int(request.args["enterprise"]) if is_id(request.args["enterprise"]) else 0
    error = field = None
    if form.validate_on_submit():
        enterprise = db.session.get(Enterprise, form.enterprise.data)
        try:
            photos = form_photos(form)
            visit, cases = ops.record_visit(
                current_user, enterprise=enterprise, visited_on=form.visited_on.data,
                level=VisitLevel[form.level.data],
                team=db.session.get(ServiceTeam, form.team.data) if form.team.data else None,
                companions=form.companions.data, with_leader=form.with_leader.data,
                heard=form.heard.data, issues=issues_from_form(),
                contact_name=form.contact_name.data, contact_phone=form.contact_phone.data,
                photos=photos)
        except CaseActionError as exc:
            db.session.rollback()
            error, field = exc.message, exc.field
        else:
            db.session.commit()
            flash(cases_made_note(f"已登记走访{visit.enterprise.name}", cases), "info")
            return redirect(url_for("field.visit", visit_id=visit.id))
    elif form.is_submitted():
        error = first_error(form)
    issues = issue_rows(ISSUE_ROWS)
    return render_template("field/visit_form.html", form=form, error=error, error_field=field,
                           issues=issues, categories=category_choices(),
                           staged=staged_for(form)), 400 if error else 200


def form_photos(form) -> list:
    """The photos of a staff form with the upload widget: those uploaded ahead (pending
    uploads), and those sent with the form itself (no script)."""
    photos = staged_uploads(current_user, form.upload_key.data, request.form.getlist("upload_id"))
    return photos + [_prepared(f) for f in form.attachments.data or [] if f and f.filename]


def _prepared(file):
    """A photo sent with the form itself (no script): checked and stored like a staged one."""
    try:
        return prepare_media(spool_to_temp(file), file.filename, expect=AttachmentKind.photo,
                             pixels=pixel_budget())
    except MediaRefused as refused:
        raise CaseActionError(refused.code, refused.message, status=400, field="attachments")


@bp.post("/visits/uploads")
@role_required(*VISIT_ROLES)
def upload():
    """A photo for the visit form, ahead of the form (static/js/uploads.js)."""
    return staged_upload_response(AttachmentKind.photo)


@bp.delete("/visits/uploads/<public_id>")
@role_required(*VISIT_ROLES)
def remove_upload(public_id):
    return staged_remove_response(public_id)


@bp.get("/visits")
@role_required(*VISIT_ROLES, Role.supervisor)
def visits():
    mine = current_user.role not in OFFICE_ROLES + (Role.supervisor,)
    return render_template("field/visits.html", visits=queries.recent_visits(
        current_user if mine else None, limit=300), mine=mine)


@bp.get("/visits/<visit_id>")
@role_required(*VISIT_ROLES, Role.supervisor, Role.discipline)
def visit(visit_id):
    return render_template("field/visit.html", visit=_visible_visit(visit_id))


def _visible_visit(visit_id) -> Visit:
    """A visit the user may see (queries.may_see_visit); any other is a 404."""
    found = _get(Visit, visit_id)
    if not queries.may_see_visit(current_user, found):
        abort(404)
    return found


@bp.get("/photos/<photo_id>")
@role_required(*VISIT_ROLES, Role.supervisor, Role.discipline)
def photo(photo_id):
    found = _get(VisitPhoto, photo_id)
    _visible_visit(found.visit_id)
    return send_attachment(found)


# --- 包联 and teams (the admin) ------------------------------------------------------------

def _assignment_form(form=None):
    form = form or AssignmentForm(prefix="a")
    form.enterprise.choices = [(0, "请选择")] + [
        (e.id, e.name) for e in db.session.execute(db.select(Enterprise).order_by(Enterprise.name)).scalars()]
    form.leader.choices = [(0, "请选择")] + [(u.id, u.display_name) for u in users_with_role(Role.leader)]
    departments = ordered_departments(active_only=True)
    form.department.choices = [(0, "（不设）")] + [(d.id, d.name) for d in departments]
    people = users_with_role(*HANDLING_ROLES, Role.leader)
    form.liaison.choices = [(0, "（不设）")] + [
        (u.id, f"{u.display_name}（{u.department.name if u.department else u.role.label}）") for u in people]
    if not form.starts_on.data:
        form.starts_on.data = local_today()
    return form


def _render_assignments(status=200, **kw):
    kw.setdefault("form", _assignment_form())
    return render_template("field/assignments.html", assignments=queries.all_assignments(),
                           today=local_today(), end_form=EndForm(prefix="end"),
                           import_form=ImportForm(prefix="imp"), **kw), status


@bp.get("/assignments")
@role_required(Role.admin)
def assignments():
    return _render_assignments()


def _run(form, perform, done: str, render, endpoint: str, **kw):
    """Validate `form`, run `perform()`; commit, flash `done` and go to `endpoint`, or
    re-render with the refusal (and `kw`, e.g. the form as typed)."""
    if not form.validate_on_submit():
        return render(400, error=first_error(form) or "请检查填写的内容", **kw)
    try:
        perform()
    except CaseActionError as exc:
        db.session.rollback()
        return render(exc.status, error=exc.message, **kw)
    db.session.commit()
    flash(done, "info")
    return redirect(url_for(endpoint))


@bp.post("/assignments")
@role_required(Role.admin)
def create_assignment():
    form = _assignment_form(AssignmentForm(prefix="a"))
    return _run(form, lambda: ops.assign_enterprise(
        current_user, db.session.get(Enterprise, form.enterprise.data), _user(form.leader.data),
        _department(form.department.data), _user(form.liaison.data), form.starts_on.data),
        "已设置包联关系", _render_assignments, "field.assignments", form=form)


@bp.post("/assignments/<assignment_id>/end")
@role_required(Role.admin)
def end_assignment(assignment_id):
    assignment = _get(ServiceAssignment, assignment_id)
    form = EndForm(prefix="end")
    return _run(form, lambda: ops.end_assignment(current_user, assignment, form.ends_on.data),
                "已结束该包联关系（保留历史记录）", _render_assignments, "field.assignments")


@bp.post("/assignments/import")
@role_required(Role.admin)
def import_file():
    form = ImportForm(prefix="imp")
    file = form.file.data
    if not form.validate_on_submit() or not file or not file.filename:
        return _render_assignments(400, error="请选择要导入的文件")
    try:
        changed = import_assignments(current_user, file.filename, file.read())
    except ImportRejected as rejected:
        db.session.rollback()
        return _render_assignments(400, error="导入失败，文件中没有任何内容被导入",
                                   import_errors=rejected.errors)
    db.session.commit()
    flash(f"已导入，{changed}家企业的包联关系有变化", "info")
    return redirect(url_for("field.assignments"))


def _team_form(form=None):
    form = form or TeamForm(prefix="t")
    form.department.choices = [(0, "请选择")] + [(d.id, d.name) for d in ordered_departments(active_only=True)]
    if not form.starts_on.data:
        form.starts_on.data = local_today()
    return form


def _member_form(team):
    form = MemberForm(prefix=f"m{team.id}")
    form.user.choices = [(0, "请选择")] + [
        (u.id, f"{u.display_name}（{u.department.name if u.department else u.role.label}）")
        for u in users_with_role(*HANDLING_ROLES, Role.leader)]
    if not form.starts_on.data:
        form.starts_on.data = local_today()
    return form


def _render_teams(status=200, **kw):
    teams = queries.teams()
    kw.setdefault("form", _team_form())
    return render_template("field/teams.html", teams=teams, today=local_today(),
                           member_forms={t.id: _member_form(t) for t in teams},
                           end_form=EndForm(prefix="end"), **kw), status


@bp.get("/teams")
@role_required(Role.admin)
def teams():
    return _render_teams()


@bp.post("/teams")
@role_required(Role.admin)
def create_team():
    form = _team_form(TeamForm(prefix="t"))
    return _run(form, lambda: ops.create_team(
        current_user, form.name.data, _department(form.department.data), form.is_lead.data,
        form.starts_on.data), "已新建服务团", _render_teams, "field.teams", form=form)


@bp.post("/teams/<team_id>/members")
@role_required(Role.admin)
def add_member(team_id):
    team = _get(ServiceTeam, team_id)
    form = _member_form(team)
    return _run(form, lambda: ops.add_team_member(current_user, team, _user(form.user.data),
                                                  form.starts_on.data),
                "已加入成员", _render_teams, "field.teams")


@bp.post("/teams/<team_id>/end")
@role_required(Role.admin)
def end_team(team_id):
    team, form = _get(ServiceTeam, team_id), EndForm(prefix="end")
    return _run(form, lambda: ops.end_team(current_user, team, form.ends_on.data),
                "已撤销服务团", _render_teams, "field.teams")


@bp.post("/members/<membership_id>/end")
@role_required(Role.admin)
def end_member(membership_id):
    membership, form = _get(TeamMembership, membership_id), EndForm(prefix="end")
    return _run(form, lambda: ops.end_team_member(current_user, membership, form.ends_on.data),
                "成员已离开服务团", _render_teams, "field.teams")


# --- 一企一策 -----------------------------------------------------------------------------------

def _plan_enterprises(today):
    if current_user.role in OFFICE_ROLES:
        return queries.key_enterprises()
    if current_user.role is Role.leader:
        return queries.my_enterprises(current_user, today)
    return []


def _measures():
    if current_user.role in OFFICE_ROLES:
        return queries.help_measures()
    if current_user.role is Role.leader:
        return queries.help_measures([e.id for e in queries.my_enterprises(current_user, local_today())])
    return [m for m in queries.help_measures() if m.owner_department_id == current_user.department_id]


def _measure_form(form=None):
    form = form or MeasureForm(prefix="p")
    form.enterprise.choices = [(0, "请选择")] + [(e.id, e.name)
                                              for e in _plan_enterprises(local_today())]
    form.owner_department.choices = [(0, "请选择")] + [
        (d.id, d.name) for d in ordered_departments(active_only=True)]
    return form


def _render_plans(status=200, **kw):
    form = _measure_form(kw.pop("form", None))
    return render_template("field/plans.html", measures=_measures(), today=local_today(),
                           form=form, may_plan=len(form.enterprise.choices) > 1,
                           note_form=NoteForm(prefix="done"), **kw), status


@bp.get("/plans")
@role_required(*PLAN_ROLES)
def plans():
    return _render_plans()


@bp.post("/plans")
@role_required(*PLAN_ROLES)
def add_measure():
    form = _measure_form()
    return _run(form, lambda: ops.add_help_measure(
        current_user, db.session.get(Enterprise, form.enterprise.data), form.content.data,
        _department(form.owner_department.data), form.due_on.data),
        "已添加帮扶措施", _render_plans, "field.plans", form=form)


@bp.post("/plans/<measure_id>/done")
@role_required(*PLAN_ROLES)
def complete_measure(measure_id):
    measure, form = _get(HelpMeasure, measure_id), NoteForm(prefix="done")
    return _run(form, lambda: ops.complete_help_measure(current_user, measure, form.note.data),
                "已销号", _render_plans, "field.plans")


# --- 纪委监委 ------------------------------------------------------------------------------------

@bp.get("/supervision")
@role_required(Role.discipline)
def supervision():
    return render_template("field/supervision.html", visits=queries.supervision_visits(),
                           clues=queries.open_clues(), cases=queries.supervised_cases(),
                           today=local_today(), close_form=NoteForm(prefix="close"))


def _supervision_form(form=None):
    form = form or SupervisionForm()
    form.department.choices = [(0, "请选择")] + [(d.id, d.name) for d in ordered_departments(active_only=True)]
    if not form.visited_on.data and request.method == "GET":
        form.visited_on.data = local_today()
    return form


def _findings_from_form():
    rows = zip(request.form.getlist("finding_content"), request.form.getlist("finding_outcome"),
               request.form.getlist("finding_category"), request.form.getlist("finding_department"),
               request.form.getlist("finding_due"))
    findings = []
    for content, outcome, category, department, due in rows:
        try:
            due_on = date.fromisoformat(due) if due else None
        except ValueError:
            raise CaseActionError("invalid_input", "问题线索的办理时限格式应为YYYY-MM-DD", 400,
                                  field="findings")
        findings.append(ops.Finding(
            content=content, outcome=FindingOutcome[outcome] if outcome in FindingOutcome.__members__
            else FindingOutcome.noted,
            category=db.session.get(Category, int(category)) if is_id(category) else None,
            owner_department=db.session.get(Department, int(department)) if is_id(department) else None,
            due_on=due_on))
    return findings


@bp.route("/supervision/new", methods=["GET", "POST"])
@role_required(Role.discipline)
def new_supervision():
    form = _supervision_form()
    error = None
    if form.validate_on_submit():
        try:
            visit = ops.record_supervision_visit(
                current_user, kind=SupervisionKind[form.kind.data],
                department=_department(form.department.data), visited_on=form.visited_on.data,
                summary=form.summary.data, findings=_findings_from_form())
        except CaseActionError as exc:
            db.session.rollback()
            error = exc.message
        else:
            db.session.commit()
            flash("已登记监督走访", "info")
            return redirect(url_for("field.supervision_visit", visit_id=visit.id))
    elif form.is_submitted():
        error = first_error(form)
    rows = list(zip(*(request.form.getlist(n) for n in (
        "finding_content", "finding_outcome", "finding_category", "finding_department", "finding_due"))))
    rows += [("", "noted", "", "", "")] * max(ISSUE_ROWS - len(rows), 0)
    return render_template("field/supervision_form.html", form=form, error=error, rows=rows,
                           categories=category_choices(), outcomes=list(FindingOutcome),
                           departments=ordered_departments(active_only=True)), 400 if error else 200


@bp.get("/supervision/<visit_id>")
@role_required(Role.discipline)
def supervision_visit(visit_id):
    return render_template("field/supervision_visit.html", visit=_get(SupervisionVisit, visit_id),
                           today=local_today(), close_form=NoteForm(prefix="close"))


@bp.post("/clues/<finding_id>/close")
@role_required(Role.discipline)
def close_clue(finding_id):
    finding, form = _get(SupervisionFinding, finding_id), NoteForm(prefix="close")
    try:
        if not form.validate_on_submit():
            raise CaseActionError("invalid_input", first_error(form) or "请填写核查处理情况", 400)
        ops.close_clue(current_user, finding, form.note.data)
    except CaseActionError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("field.supervision_visit", visit_id=finding.visit_id))
    db.session.commit()
    flash("问题线索已办结", "info")
    return redirect(url_for("field.supervision_visit", visit_id=finding.visit_id))
