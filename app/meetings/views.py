"""Meeting pages: the list, one meeting (agenda, issues, minutes) and its papers.

Thin adapters over app.meetings.operations: read the form, call one operation, commit once,
redirect; a refusal re-renders the page with the operation's message and what was typed."""
from datetime import date
from io import BytesIO

from flask import (Blueprint, abort, current_app, flash, redirect, render_template, request, send_file,
                   url_for)
from flask_login import current_user
from flask_wtf import FlaskForm

from app.auth.decorators import role_required
from app.auth.models import Role
from app.auth.queries import OFFICE_ROLES
from app.cases.errors import CaseActionError
from app.cases.models import Category, Urgency
from app.cases.queries import OVERDUE_DEFINITION, SEE_ALL_ROLES, category_choices, is_overdue
from app.core.clock import local_today, utcnow
from app.core.timeutil import parse_iso_date
from app.core.types import is_id
from app.departments.models import Department
from app.departments.queries import ordered_departments
from app.extensions import db
from app.figures.queries import DATE_RANGE_MESSAGE, date_in_range
from app.media.views import send_attachment
from app.meetings import documents, operations as ops, queries
from app.meetings.models import AttendeeKind, MeetingType

bp = Blueprint("meetings", __name__, url_prefix="/meetings")

ISSUE_ROWS = 5  # blank rows the issue list offers
ISSUE_FIELDS = ("enterprise", "content", "category", "leader", "department", "measure", "goal",
                "due")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _county() -> str:
    return current_app.config.get("COUNTY_NAME", "")


def _attendee_names(meeting, kind: AttendeeKind) -> str:
    return "\n".join(a.name for a in meeting.attendees if a.kind is kind)


@bp.get("/")
@role_required(*SEE_ALL_ROLES)
def index(error=None, status=200):
    type_id = request.args.get("type", "")
    return render_template(
        "meetings/index.html", meetings=queries.meetings(int(type_id) if is_id(type_id) else None),
        types=queries.meeting_types(), type_id=type_id, form=FlaskForm(), error=error,
        today=local_today(), typed=request.form, stuck_workdays=queries.stuck_workdays(),
        can_edit=current_user.role in OFFICE_ROLES, is_admin=current_user.role is Role.admin,
        figures=queries.meeting_figures(*_this_year())), status


def _this_year():
    today = local_today()
    return date(today.year, 1, 1), date(today.year + 1, 1, 1)


def _refused(err: CaseActionError, render):
    db.session.rollback()
    return render(error=err.message, status=err.status if err.status < 500 else 400)


@bp.post("/")
@role_required(*OFFICE_ROLES)
def create():
    if not FlaskForm().validate_on_submit():
        return index(error="页面已过期，请刷新后重试", status=400)
    form = request.form
    type_id = form.get("type", "")
    meeting_type = db.session.get(MeetingType, int(type_id)) if is_id(type_id) else None
    try:
        meeting = ops.create_meeting(
            current_user, meeting_type, parse_iso_date(form.get("held_on")),
            title=form.get("title"), chair=form.get("chair"), leaders=form.get("leaders"), departments=form.get("departments"),
            enterprises=form.get("enterprises"))
    except CaseActionError as err:
        return _refused(err, index)
    db.session.commit()
    flash("会议已创建，可生成议程", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id))


@bp.get("/mechanisms.xlsx")
@role_required(*SEE_ALL_ROLES)
def mechanisms_xlsx():
    """The mechanism sheet for [from, to) (default: this year)."""
    default_from, default_to = _this_year()
    date_from = parse_iso_date(request.args.get("from")) or default_from
    date_to = parse_iso_date(request.args.get("to")) or default_to
    if date_to <= date_from or not (date_in_range(date_from) and date_in_range(date_to)):
        return index(error=f"统计期间无效：结束日期应晚于开始日期，{DATE_RANGE_MESSAGE}", status=400)
    return _file(documents.mechanism_xlsx(date_from, date_to, _county()),
                 f"企业服务机制台账_{date_from}_{date_to}.xlsx", XLSX)


def _index_act(perform, done: str):
    """A form of the list page: check it, run one operation, commit, back to the list."""
    if not FlaskForm().validate_on_submit():
        return index(error="页面已过期，请刷新后重试", status=400)
    try:
        perform()
    except CaseActionError as err:
        return _refused(err, index)
    db.session.commit()
    flash(done, "success")
    return redirect(url_for("meetings.index"))


@bp.post("/types")
@role_required(Role.admin)
def add_type():
    return _index_act(lambda: ops.add_meeting_type(current_user, request.form.get("name")),
                      "会议类型已添加")


@bp.post("/settings")
@role_required(Role.admin)
def settings():
    return _index_act(lambda: ops.set_stuck_workdays(current_user,
                                                     request.form.get("stuck_workdays")),
                      "设置已保存")


def _blank_rows(count=ISSUE_ROWS):
    return [dict.fromkeys(ISSUE_FIELDS, "") for _ in range(count)]


def _render(meeting, *, error=None, status=200, rows=None, error_row=None):
    now = utcnow()
    previous, earlier = queries.previous_issues(meeting)
    return render_template(
        "meetings/meeting.html", meeting=meeting, now=now, form=FlaskForm(), error=error,
        previous=previous, earlier=earlier, figures=queries.department_figures(meeting, now),
        items=meeting.agenda_items, is_overdue=is_overdue, rows=rows or _blank_rows(),
        error_row=error_row, departments=ordered_departments(active_only=True),
        categories=category_choices(), can_edit=current_user.role in OFFICE_ROLES,
        leaders=_attendee_names(meeting, AttendeeKind.leader),
        attendee_departments=_attendee_names(meeting, AttendeeKind.department),
        enterprises=_attendee_names(meeting, AttendeeKind.enterprise),
        stuck_workdays=queries.stuck_workdays(), overdue_definition=OVERDUE_DEFINITION), status


@bp.get("/<meeting_id>")
@role_required(*SEE_ALL_ROLES)
def show(meeting_id):
    return _render(queries.get_meeting_or_404(meeting_id))


def _act(meeting_id, perform, done: str, anchor: str):
    """Check the form, run one operation, commit, go back to the meeting (at `anchor`)."""
    meeting = queries.get_meeting_or_404(meeting_id)
    if not FlaskForm().validate_on_submit():
        return _render(meeting, error="页面已过期，请刷新后重试", status=400)
    try:
        message = perform(meeting)
    except CaseActionError as err:
        db.session.rollback()
        return _render(queries.get_meeting_or_404(meeting_id), error=err.message,
                       status=err.status if err.status < 500 else 400)
    db.session.commit()
    flash(message or done, "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor=anchor))


@bp.post("/<meeting_id>/details")
@role_required(*OFFICE_ROLES)
def details(meeting_id):
    form = request.form
    return _act(meeting_id, lambda m: ops.update_meeting(
        m, current_user, title=form.get("title"), chair=form.get("chair"),
        leaders=form.get("leaders"), departments=form.get("departments"),
        enterprises=form.get("enterprises"), minutes=form.get("minutes")) and None,
        "会议信息已保存", "details")


@bp.post("/<meeting_id>/agenda/build")
@role_required(*OFFICE_ROLES)
def build(meeting_id):
    return _act(meeting_id, lambda m: f"议程已生成，新增{ops.build_agenda(m, current_user)}项",
                "", "agenda")


@bp.post("/<meeting_id>/agenda/add")
@role_required(*OFFICE_ROLES)
def add_item(meeting_id):
    form = request.form
    return _act(meeting_id, lambda m: ops.add_agenda_item(
        m, current_user, tracking_no=form.get("tracking_no"), text=form.get("text"),
        note=form.get("note")) and None, "已加入议程", "agenda")


@bp.post("/<meeting_id>/agenda/<item_id>")
@role_required(*OFFICE_ROLES)
def edit_item(meeting_id, item_id):
    form = request.form
    action = form.get("action")
    dropped = {"drop": True, "restore": False}.get(action)
    return _act(meeting_id, lambda m: ops.edit_agenda_item(
        m, current_user, item_id, note=form.get("note"), dropped=dropped) and None,
        {"drop": "已移出议程", "restore": "已恢复到议程"}.get(action, "备注已保存"), "agenda")


def _typed_rows():
    form = request.form
    count = min(int(form.get("rows", ISSUE_ROWS)) if is_id(form.get("rows", "")) else ISSUE_ROWS, 50)
    return [{name: form.get(f"{name}-{n}", "") for name in ISSUE_FIELDS} for n in range(count)]


def _row_is_blank(row) -> bool:
    return not any((row[name] or "").strip() for name in ("enterprise", "content", "leader",
                                                          "measure", "goal", "due"))


@bp.post("/<meeting_id>/issues")
@role_required(*OFFICE_ROLES)
def issues(meeting_id):
    """The issue list as typed: every filled row becomes a case, all or none."""
    meeting = queries.get_meeting_or_404(meeting_id)
    rows = _typed_rows()
    if not FlaskForm().validate_on_submit():
        return _render(meeting, error="页面已过期，请刷新后重试", status=400, rows=rows)
    filled = [(n, row) for n, row in enumerate(rows) if not _row_is_blank(row)]
    if not filled:
        return _render(meeting, error="请至少填写一行问题", status=400, rows=rows)
    categories = {str(c.id): c for c in category_choices()}
    try:
        for n, row in filled:
            try:
                enterprise, name = ops.issue_enterprise(row["enterprise"])
                category = categories.get(row["category"])
                department = db.session.get(Department, int(row["department"])) \
                    if is_id(row["department"]) else None
                ops.raise_issue(
                    meeting, current_user, content=row["content"], leader_name=row["leader"],
                    category=db.session.get(Category, category.id) if category else None,
                    department=department, due_on=parse_iso_date(row["due"]), measure=row["measure"],
                    goal=row["goal"], enterprise=enterprise, enterprise_name=name,
                    urgency=Urgency.normal)
            except CaseActionError as err:
                err.message = f"第{n + 1}行：{err.message}"
                err.row = n
                raise
    except CaseActionError as err:
        db.session.rollback()
        return _render(queries.get_meeting_or_404(meeting_id), error=err.message, status=400,
                       rows=rows, error_row=getattr(err, "row", None))
    db.session.commit()
    flash(f"已交办{len(filled)}个问题，均已派发责任单位", "success")
    return redirect(url_for("meetings.show", meeting_id=meeting.id, _anchor="issues"))


def _file(data: bytes, name: str, mimetype: str):
    return send_file(BytesIO(data), as_attachment=True, download_name=name, mimetype=mimetype)


@bp.post("/<meeting_id>/attachments")
@role_required(*OFFICE_ROLES)
def attachments(meeting_id):
    files = request.files.getlist("attachments")
    return _act(meeting_id, lambda m: f"已上传{len(ops.attach_to_minutes(m, current_user, files))}个附件",
                "", "details")


@bp.get("/<meeting_id>/files/<attachment_id>")
@role_required(*SEE_ALL_ROLES)
def attachment(meeting_id, attachment_id):
    """A file kept with the minutes (its video poster with ?poster=1)."""
    meeting = queries.get_meeting_or_404(meeting_id)
    item = next((a for a in meeting.attachments if str(a.id) == attachment_id), None)
    if item is None:
        abort(404)
    return send_attachment(item, poster=request.args.get("poster") == "1")


# The meeting's papers: URL file name → (builder, download name suffix, MIME type).
PAPERS = {
    "agenda.pdf": (documents.agenda_pdf, "议程.pdf", "application/pdf"),
    "issues.pdf": (documents.issues_pdf, "问题建议清单.pdf", "application/pdf"),
    "issues.xlsx": (documents.issues_xlsx, "问题建议清单.xlsx", XLSX),
}


@bp.get("/<meeting_id>/<any(agenda.pdf, issues.pdf, issues.xlsx):paper>")
@role_required(*SEE_ALL_ROLES)
def paper(meeting_id, paper):
    """The printed agenda, or the 问题建议清单 as PDF or workbook."""
    meeting = queries.get_meeting_or_404(meeting_id)
    build, suffix, mimetype = PAPERS[paper]
    return _file(build(meeting, _county()), f"{meeting.title}{suffix}", mimetype)
