"""Administration: enterprises (and their import), departments, users, categories, time limits,
holiday overrides, branding. Admins only; every change goes through an operation, is
committed once and redirects; a refusal re-renders with the Chinese message by its field."""
import hashlib
import io

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request,
                   send_file, url_for)
from flask_login import current_user

from app.admin import queries
from app.admin.forms import (ActionForm, BrandingForm, CategoryForm, DepartmentForm,
                             EnterpriseForm, HolidayForm, ImportForm, NoticeForm, RequeueForm,
                             TimeLimitForm, UserForm)
from app.auth import operations as auth_ops
from app.auth.decorators import role_required
from app.auth.models import Role, User
from app.cases import queries as case_queries
from app.core.clock import local_today, utcnow
from app.core.timeutil import format_local, local_datetime
from app.core.types import is_id
from app.departments.models import Department, DepartmentKind
from app.departments.operations import DepartmentError, save_department
from app.enterprises.imports import ImportRejected, import_enterprises, template_xlsx
from app.enterprises.models import Enterprise
from app.enterprises.operations import EnterpriseError, save_enterprise
from app.extensions import db
from app.reminders import queries as reminder_queries
from app.reminders.channels import shown_target
from app.reminders.delivery import requeue_failed
from app.settings.branding import BRANDING_FIELDS, BrandingError, get_branding, save_branding
from app.settings.public_url import (PublicUrlError, is_public_base_url_set, public_base_url,
                                     save_public_base_url)
from app.settings.models import LimitUnit
from app.settings.operations import SettingErrors, set_category_departments, set_time_limits
from app.workdays.models import HolidayOverride
from app.workdays.notice import NoticeError, parse_notice, year_calendar
from app.workdays.operations import OverrideError, delete_override, save_notice, set_override
from app.workdays.queries import years_without_calendar

bp = Blueprint("admin", __name__, url_prefix="/admin")
NONE = 0  # the "not set" choice of optional selects


@bp.before_request
@role_required(Role.admin)
def admins_only():
    """Every page here is for admins (the decorator answers 403 or the login page)."""


@bp.get("/")
def index():
    return render_template("admin/index.html", admin_endpoints=current_app.view_functions,
                           missing_years=years_without_calendar(local_today()))


def _get_or_404(model, ident):
    row = db.session.get(model, int(ident)) if is_id(ident) else None  # checked before SQL
    if row is None:
        abort(404)
    return row


def _done(message, endpoint, **kw):
    db.session.commit()
    current_app.logger.info("admin user=%s: %s", current_user.username, message)
    flash(message, "info")
    return redirect(url_for(endpoint, **kw))


# --- enterprises -----------------------------------------------------------------------------

@bp.get("/enterprises")
def enterprises():
    q = request.args.get("q", "")
    return render_template("admin/enterprises.html", enterprises=queries.search_enterprises(q), q=q)


def _enterprise_choices(form):
    form.township.choices = [(NONE, "—")] + [(d.id, d.name) for d in queries.townships()]
    form.responsible_department.choices = [(NONE, "—")] + [
        (d.id, d.name) for d in queries.all_departments() if d.is_active]
    form.package_leader.choices = [(NONE, "—")] + [(u.id, u.display_name) for u in queries.leaders()]


@bp.route("/enterprises/new", methods=["GET", "POST"], defaults={"enterprise_id": None})
@bp.route("/enterprises/<int:enterprise_id>", methods=["GET", "POST"])
def enterprise(enterprise_id):
    existing = _get_or_404(Enterprise, enterprise_id) if enterprise_id else None
    form = EnterpriseForm(obj=existing if request.method == "GET" else None)
    _enterprise_choices(form)
    if request.method == "GET" and existing is not None:
        form.township.data = existing.township_id or NONE
        form.responsible_department.data = existing.responsible_department_id or NONE
        form.package_leader.data = existing.package_leader_id or NONE
    errors = {}
    if form.validate_on_submit():
        values = {name: getattr(form, name).data for name in (
            "name", "credit_code", "industry", "address", "contact_name", "contact_phone",
            "is_monitoring_point", "is_key_enterprise")}
        values["township"] = db.session.get(Department, form.township.data or 0)
        values["responsible_department"] = db.session.get(Department, form.responsible_department.data or 0)
        values["package_leader"] = db.session.get(User, form.package_leader.data or 0)
        try:
            saved = save_enterprise(values, existing)
        except EnterpriseError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            return _done(f"已保存企业“{saved.name}”", "admin.enterprises")
    elif form.is_submitted():
        errors = {k: v[0] for k, v in form.errors.items()}
    return render_template("admin/enterprise.html", form=form, errors=errors,
                           enterprise=existing), 400 if errors else 200


@bp.get("/enterprises/import/template.xlsx")
def import_template():
    return send_file(io.BytesIO(template_xlsx()), as_attachment=True,
                     download_name="企业名录导入模板.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@bp.route("/enterprises/import", methods=["GET", "POST"])
def import_page():
    form = ImportForm()
    report = None
    if form.validate_on_submit():
        upload = form.file.data
        if not upload or not upload.filename:
            report = ["请选择要导入的文件"]
        else:
            try:
                result = import_enterprises(upload.filename, upload.read())
            except ImportRejected as exc:
                db.session.rollback()
                report = [str(e) for e in exc.errors]
            else:
                return _done(f"导入成功：新增{result.created}家，更新{result.updated}家",
                             "admin.enterprises")
    return render_template("admin/import.html", form=form, report=report), 400 if report else 200


# --- departments -----------------------------------------------------------------------------

@bp.get("/departments")
def departments():
    return render_template("admin/departments.html", departments=queries.all_departments())


@bp.route("/departments/new", methods=["GET", "POST"], defaults={"department_id": None})
@bp.route("/departments/<int:department_id>", methods=["GET", "POST"])
def department(department_id):
    existing = _get_or_404(Department, department_id) if department_id else None
    form = DepartmentForm(obj=existing if request.method == "GET" else None)
    if request.method == "GET" and existing is not None:
        form.kind.data = existing.kind.name
    errors = {}
    if form.validate_on_submit():
        try:
            saved = save_department({"code": form.code.data, "name": form.name.data,
                                     "kind": DepartmentKind[form.kind.data], "phone": form.phone.data,
                                     "sort_order": form.sort_order.data,
                                     "is_active": form.is_active.data}, existing)
        except DepartmentError as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            return _done(f"已保存部门“{saved.name}”", "admin.departments")
    return render_template("admin/department.html", form=form, errors=errors,
                           department=existing), 400 if errors else 200


# --- users -----------------------------------------------------------------------------------

@bp.get("/users")
def users():
    return render_template("admin/users.html", users=queries.all_users())


@bp.route("/users/new", methods=["GET", "POST"], defaults={"user_id": None})
@bp.route("/users/<int:user_id>", methods=["GET", "POST"])
def user(user_id):
    existing = _get_or_404(User, user_id) if user_id else None
    form = UserForm(obj=existing if request.method == "GET" else None)
    form.department.choices = [(NONE, "—")] + [(d.id, d.name) for d in queries.all_departments()]
    if request.method == "GET" and existing is not None:
        form.role.data = existing.role.name
        form.department.data = existing.department_id or NONE
    error = None
    if form.validate_on_submit():
        role = Role[form.role.data]
        department = db.session.get(Department, form.department.data or 0)
        try:
            if existing is None:
                saved = auth_ops.create_user(
                    form.username.data, form.password.data, role, display_name=form.display_name.data,
                    department=department, email=form.email.data, phone=form.phone.data)
                saved.is_active = form.is_active.data
            else:
                saved = auth_ops.update_user(
                    existing, display_name=form.display_name.data, role=role,
                    department=department, is_active=form.is_active.data,
                    email=form.email.data, phone=form.phone.data)
                if form.password.data:
                    auth_ops.reset_password(existing, form.password.data)
        except auth_ops.UserError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            return _done(f"已保存用户“{saved.display_name}”", "admin.users")
    return render_template("admin/user.html", form=form, error=error, user=existing,
                           tokens=auth_ops.api_tokens_of(existing) if existing else [],
                           revoke_form=ActionForm(prefix="revoke"), format_local=format_local), \
        400 if error or form.errors else 200


@bp.post("/users/<int:user_id>/tokens/revoke")
@bp.post("/users/<int:user_id>/tokens/<int:token_id>/revoke")
def revoke_tokens(user_id, token_id=None):
    """Revoke one API token of the user, or all of them."""
    target = _get_or_404(User, user_id)
    if not ActionForm(prefix="revoke").validate_on_submit():
        abort(400)
    count = auth_ops.revoke_api_tokens(target, token_id=token_id, actor=current_user)
    return _done(f"已撤销“{target.display_name}”的 {count} 个 API 令牌", "admin.user",
                 user_id=target.id)


# --- categories, time limits, holidays, branding ----------------------------------------------

@bp.route("/categories", methods=["GET", "POST"])
def categories():
    """One form for the whole table: one CSRF token, one 保存."""
    rows = case_queries.categories()
    choices = [(NONE, "—（派单时人工选择）")] + [
        (d.id, d.name) for d in queries.all_departments() if d.is_active]
    forms = {}
    for category in rows:
        form = CategoryForm(prefix=f"c{category.id}", meta={"csrf": False})
        form.department.choices = choices
        if request.method == "GET":
            form.department.data = category.default_department_id or NONE
        forms[category.id] = form

    def save():
        sent = [c for c in rows if forms[c.id].department.name in request.form]  # others: unchanged
        # Checked against the choices before any id reaches SQL.
        errors = {c.id: "请选择有效的部门" for c in sent if not forms[c.id].validate()}
        if errors:
            raise SettingErrors(errors)
        return set_category_departments(
            [(c, db.session.get(Department, forms[c.id].department.data or 0)) for c in sent])
    return _table_page("admin/categories.html", rows, forms, save,
                       "已保存类别默认部门（{}项有改动）", "admin.categories")


@bp.route("/time-limits", methods=["GET", "POST"])
def time_limits():
    """One form for the whole table: one CSRF token, one 保存; a refused row keeps what was typed."""
    rows = queries.all_time_limits()
    forms = {}
    for limit in rows:
        form = TimeLimitForm(prefix=f"t{limit.id}", meta={"csrf": False})
        if request.method == "GET":
            form.amount.data, form.unit.data = str(limit.amount), limit.unit.name
        forms[limit.id] = form

    def save():
        return set_time_limits([
            (t, forms[t.id].amount.data, LimitUnit.__members__.get(forms[t.id].unit.data or ""))
            for t in rows if forms[t.id].amount.name in request.form])  # left out: unchanged
    return _table_page("admin/time_limits.html", rows, forms, save,
                       "办理时限已保存（{}项有改动）", "admin.time_limits")


def _table_page(template, rows, forms, save, message, endpoint, **context):
    """A settings table posted as one form (one CSRF token, one 保存): `save()` changes every
    row sent and says how many changed, or raises `SettingErrors` by row; then nothing is
    saved and the page shows each refusal by its row, with what was typed. `context`: the
    template's other values."""
    table, errors = ActionForm(), {}
    if table.validate_on_submit():
        try:
            changed = save()
        except SettingErrors as exc:
            db.session.rollback()
            errors = exc.errors
        else:
            return _done(message.format(changed), endpoint)
    return render_template(template, rows=rows, forms=forms, table=table, errors=errors,
                           **context), 400 if errors else 200


@bp.route("/holidays", methods=["GET", "POST"])
def holidays():
    form = HolidayForm()
    error = None
    if form.validate_on_submit():
        try:
            row = set_override(form.day.data, form.is_workday.data == "1", form.note.data)
        except OverrideError as exc:
            db.session.rollback()
            error = str(exc)
        else:
            return _done(f"{row.day:%Y-%m-%d} 已设为{'工作日' if row.is_workday else '非工作日'}",
                         "admin.holidays")
    elif form.is_submitted():
        error = "日期格式不正确"
    return render_template("admin/holidays.html", form=form, rows=queries.all_overrides(),
                           delete_form=ActionForm(prefix="del"), error=error,
                           unknown_years=years_without_calendar(local_today())), \
        400 if error else 200


@bp.route("/holidays/notice", methods=["GET", "POST"])
def holiday_notice():
    """Paste the State Council's notice → see it as a calendar → 确认保存."""
    form = NoticeForm()
    errors, schedule, notice = [], None, None
    if form.validate_on_submit():
        text = form.text.data or ""
        fingerprint = hashlib.sha256(text.encode()).hexdigest()
        try:
            schedule = parse_notice(text)
        except NoticeError as exc:
            errors = exc.errors
        else:
            if "save" in request.form and form.checked.data == fingerprint:
                notice = save_notice(schedule)
                days = schedule.days()
                off = sum(1 for is_workday, _ in days.values() if not is_workday)
                return _done(f"已保存《{notice.title}》：放假{off}天，调休上班{len(days) - off}天",
                             "admin.holidays")
            if "save" in request.form:
                errors = ["通知文字在核对后有改动，请核对下方日历后再保存"]
            form.checked.data = fingerprint
    elif form.is_submitted():
        errors = ["页面已过期，请重新提交"]
    marked = schedule.days() if schedule else {}
    return render_template("admin/holiday_notice.html", form=form, errors=errors,
                           schedule=schedule, months=year_calendar(schedule.year, marked)
                           if schedule else []), 400 if errors else 200


@bp.post("/holidays/<int:override_id>/delete")
def delete_holiday(override_id):
    row = _get_or_404(HolidayOverride, override_id)
    if not ActionForm(prefix="del").validate_on_submit():
        abort(400)
    delete_override(row)
    return _done(f"已删除 {row.day:%Y-%m-%d} 的调整", "admin.holidays")


@bp.route("/branding", methods=["GET", "POST"])
def branding():
    form = BrandingForm(data=get_branding() | {"base_url": public_base_url()}
                        if request.method == "GET" else None)
    errors = {}
    if form.validate_on_submit():
        try:
            save_branding({key: getattr(form, key).data for key in BRANDING_FIELDS})
        except BrandingError as exc:
            errors = exc.errors
        try:
            save_public_base_url(form.base_url.data)
        except PublicUrlError as exc:
            errors["base_url"] = str(exc)
        if errors:
            db.session.rollback()
        else:
            return _done("品牌设置已保存", "admin.branding")
    return render_template("admin/branding.html", form=form, errors=errors,
                           base_url_set=is_public_base_url_set(),
                           env_base_url=current_app.config["BASE_URL"]), 400 if errors else 200


# --- deliveries that failed ------------------------------------------------------------------

@bp.get("/deliveries")
def deliveries():
    return render_template("admin/deliveries.html", rows=reminder_queries.failed_deliveries(),
                           counts=reminder_queries.delivery_counts(), form=RequeueForm(),
                           shown_target=shown_target)


@bp.post("/deliveries/requeue")
def requeue_deliveries():
    form = RequeueForm()
    if not form.validate_on_submit():
        abort(400)
    since = form.since.data
    count = requeue_failed(utcnow(), delivery_id=form.delivery.data,
                           channel=form.channel.data or None,
                           since=local_datetime(since.date(), since.time()) if since else None)
    return _done(f"已重新排队 {count} 条发送失败的消息", "admin.deliveries")


# --- 营商环境月分析: the areas and the category → area mapping ----------------------------------

def _department_choices():
    return [(NONE, "—（未设）")] + [(d.id, d.name) for d in queries.all_departments()
                                   if d.is_active]


@bp.route("/areas", methods=["GET", "POST"])
def areas():
    """The areas table (name, responsible department, in use) as one form, and a new area."""
    from app.areas import operations as area_ops, queries as area_queries
    from app.areas.forms import AreaRowForm, NewAreaForm
    from app.cases.errors import CaseActionError
    rows = area_queries.areas()
    choices = _department_choices()
    forms = {}
    for area in rows:
        form = AreaRowForm(prefix=f"a{area.id}", meta={"csrf": False})
        form.department.choices = choices
        if request.method == "GET":
            form.name.data, form.is_active.data = area.name, area.is_active
            form.department.data = area.department_id or NONE
        forms[area.id] = form
    new = NewAreaForm(prefix="new")
    new.department.choices = choices
    new_error = None
    if request.method == "POST" and request.form.get("new-name") is not None:
        if new.validate_on_submit():
            try:
                area = area_ops.add_area(new.name.data,
                                         db.session.get(Department, new.department.data or 0))
            except CaseActionError as exc:
                db.session.rollback()
                new_error = exc.message
            else:
                return _done(f"已新增领域“{area.name}”", "admin.areas")
        else:
            new_error = "请选择有效的部门"
        return render_template("admin/areas.html", rows=rows, forms=forms, table=ActionForm(),
                               errors={}, new=new, new_error=new_error), 400

    def save():
        sent = [a for a in rows if forms[a.id].name.name in request.form]  # others: unchanged
        errors = {a.id: "请选择有效的部门" for a in sent if not forms[a.id].validate()}
        if errors:
            raise SettingErrors(errors)
        return area_ops.set_areas([
            (a, forms[a.id].name.data, db.session.get(Department, forms[a.id].department.data or 0),
             forms[a.id].is_active.data) for a in sent])
    return _table_page("admin/areas.html", rows, forms, save, "已保存营商环境领域（{}项有改动）",
                       "admin.areas", new=new, new_error=None)


@bp.route("/area-categories", methods=["GET", "POST"])
def area_categories():
    """Which area each case category counts in (none: 未归类), as one form."""
    from app.areas import operations as area_ops, queries as area_queries
    from app.areas.forms import CategoryAreaForm
    from app.areas.models import AnalysisArea, UNMAPPED_LABEL
    rows = case_queries.categories()
    mapped = area_queries.mapping()
    all_areas = area_queries.areas()
    choices = [(NONE, f"—（{UNMAPPED_LABEL}）")] + [
        (a.id, a.name if a.is_active else f"{a.name}（已停用）") for a in all_areas]
    forms = {}
    for category in rows:
        form = CategoryAreaForm(prefix=f"c{category.id}", meta={"csrf": False})
        form.area.choices = choices
        if request.method == "GET":
            form.area.data = mapped.get(category.id, NONE)
        forms[category.id] = form

    def save():
        sent = [c for c in rows if forms[c.id].area.name in request.form]
        errors = {c.id: "请选择有效的领域" for c in sent if not forms[c.id].validate()}
        if errors:
            raise SettingErrors(errors)
        return area_ops.set_category_areas(
            [(c, db.session.get(AnalysisArea, forms[c.id].area.data or 0)) for c in sent])
    return _table_page("admin/area_categories.html", rows, forms, save,
                       "已保存问题类别的领域归属（{}项有改动）", "admin.area_categories")
