"""Handler pages, phone first: the to-do list, the case page and its actions, notifications.

Every POST is a thin adapter: validate the form (CSRF), call one case operation, commit once
and redirect; a refusal re-renders the page with the operation's Chinese message next to the
form and what was typed kept."""
from flask import (Blueprint, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_login import current_user
from sqlalchemy.exc import SQLAlchemyError

from app.auth.decorators import role_required
from app.auth.models import Role
from app.auth.queries import HANDLING_ROLES, OFFICE_ROLES, users_of_department
from app.cases import operations as ops
from app.cases.models import AttachmentKind
from app.cases.queries import get_visible_case, get_visible_case_or_404, mask_phone
from app.cases.web import run_case_action
from app.core.clock import utcnow
from app.core.types import is_id
from app.extensions import db
from app.handling import operations as handling_ops
from app.handling.forms import (ActionForm, CoOpinionForm, ExtensionForm, ReassignForm,
                                ReplyForm, ReturnForm)
from app.handling.queries import (available_actions, due_at, is_rework, notification_groups,
                                  todo_cases, unread_count)
from app.media.operations import staged_uploads, store_case_media
from app.media.views import staged_for, staged_remove_response, staged_upload_response
from app.rating import operations as rating_ops
from app.rating.forms import AppealForm
from app.rating.models import AppealKind
from app.reminders.models import Notification

bp = Blueprint("handling", __name__, url_prefix="/handling")

STAFF_ROLES = tuple(Role)


@bp.app_context_processor
def notification_badge():
    """The unread count every page's top bar shows."""
    try:
        if current_user.is_authenticated and not current_user.must_change_password:
            return {"unread_notifications": unread_count(current_user)}
    except SQLAlchemyError:  # an error page must still render when the database failed
        db.session.rollback()
        current_app.logger.exception("unread count failed")
    return {"unread_notifications": 0}


@bp.get("/")
@role_required(*HANDLING_ROLES)
def todo():
    cases = todo_cases(current_user)
    from app.areas.queries import open_requests
    from app.core.clock import local_today
    return render_template("handling/todo.html", cases=cases, due_at=due_at,
                           is_rework=is_rework, analyses=open_requests(current_user.department_id),
                           today=local_today())


def _forms(case, **overrides):
    forms = {"sign": ActionForm(prefix="sign"), "reveal": ActionForm(prefix="reveal"),
             "return": ReturnForm(prefix="return"), "extension": ExtensionForm(prefix="ext"),
             "reply": ReplyForm(prefix="reply"), "co_opinion": CoOpinionForm(prefix="co"),
             "reassign": ReassignForm(prefix="reassign"), "appeal": AppealForm(prefix="appeal")}
    forms.update(overrides)
    if current_user.role is Role.department_head:
        forms["reassign"].assignee.choices = [
            (u.id, u.display_name) for u in users_of_department(current_user.department_id,
                                                                *HANDLING_ROLES)]
    return forms


def _render(case, status=200, *, error=None, error_form=None, revealed_phone=None, **forms):
    return render_template(
        "handling/case.html", case=case, forms=_forms(case, **forms),
        actions=available_actions(case, current_user), due_at=due_at(case),
        phone=revealed_phone or _shown_phone(case), revealed=bool(revealed_phone),
        error=error, error_form=error_form, staged=staged_for(forms.get("reply")),
        rework=is_rework(case)), status


def _shown_phone(case):
    if current_user.role in OFFICE_ROLES:
        return case.contact_phone or ""
    return mask_phone(case.contact_phone)


@bp.get("/cases/<tracking_no>")
@role_required(*STAFF_ROLES)
def case(tracking_no):
    """The case page notifications link to; the office and the overseers have their own."""
    if current_user.role in OFFICE_ROLES:
        return redirect(url_for("office.case", tracking_no=tracking_no))
    if current_user.role not in HANDLING_ROLES:
        return redirect(url_for("oversight.case", tracking_no=tracking_no))
    case = get_visible_case_or_404(current_user, tracking_no)
    return _render(case)


def _act(tracking_no, name, form, perform, done_message):
    return run_case_action(tracking_no, name, form, perform, done_message, render=_render,
                           success_url=url_for("handling.case", tracking_no=tracking_no))


@bp.post("/cases/<tracking_no>/sign")
@role_required(*HANDLING_ROLES)
def sign(tracking_no):
    return _act(tracking_no, "sign", ActionForm(prefix="sign"),
                lambda case: ops.sign_case(case, current_user), "已签收，请在办理时限内答复")


@bp.post("/cases/<tracking_no>/return")
@role_required(*HANDLING_ROLES)
def return_(tracking_no):
    form = ReturnForm(prefix="return")
    return _act(tracking_no, "return", form,
                lambda case: ops.return_case(case, current_user, form.reason.data),
                "已退回营商办")


@bp.post("/cases/<tracking_no>/extension")
@role_required(*HANDLING_ROLES)
def extension(tracking_no):
    form = ExtensionForm(prefix="ext")
    return _act(tracking_no, "extension", form,
                lambda case: ops.request_extension(case, current_user, form.days.data,
                                                   form.reason.data),
                "延期申请已提交，等待营商办审批")


@bp.post("/cases/<tracking_no>/reply")
@role_required(*HANDLING_ROLES)
def reply(tracking_no):
    form = ReplyForm(prefix="reply")

    def perform(case):
        reply = ops.reply_to_case(case, current_user, form.content.data)
        store_case_media(case, form.photos.data, reply=reply, kind=AttachmentKind.photo,
                         field="photos", staged=staged_uploads(
                             current_user, form.upload_key.data, request.form.getlist("upload_id")))
    return _act(tracking_no, "reply", form, perform, "已答复，提交人可在查询页看到")


@bp.post("/cases/<tracking_no>/appeal")
@role_required(*HANDLING_ROLES)
def appeal(tracking_no):
    """申诉: the lead department says the latest 差评 is 误评 or 恶意差评, with its evidence."""
    form = AppealForm(prefix="appeal")
    return _act(tracking_no, "appeal", form,
                lambda case: rating_ops.appeal_rating(
                    case, current_user, AppealKind.__members__.get(form.kind.data or ""),
                    form.evidence.data),
                "申诉已提交，等待营商办复核")


def _led_case_or_404(tracking_no):
    """Reply photos go only to a case the user's department leads."""
    case = get_visible_case(current_user, tracking_no)
    if case is None or case.lead_department_id != current_user.department_id:
        return None
    return case


@bp.post("/cases/<tracking_no>/uploads")
@role_required(*HANDLING_ROLES)
def upload(tracking_no):
    if _led_case_or_404(tracking_no) is None:
        return jsonify(error="not_found", message="案件不存在或不由本部门主办"), 404
    return staged_upload_response(AttachmentKind.photo)


@bp.delete("/cases/<tracking_no>/uploads/<public_id>")
@role_required(*HANDLING_ROLES)
def remove_upload(tracking_no, public_id):
    if _led_case_or_404(tracking_no) is None:
        return jsonify(error="not_found", message="案件不存在或不由本部门主办"), 404
    return staged_remove_response(public_id)


@bp.post("/cases/<tracking_no>/co-opinion")
@role_required(*HANDLING_ROLES)
def co_opinion(tracking_no):
    form = CoOpinionForm(prefix="co")
    return _act(tracking_no, "co_opinion", form,
                lambda case: ops.add_co_opinion(case, current_user, form.content.data),
                "协办意见已提交主办部门")


@bp.post("/cases/<tracking_no>/reassign")
@role_required(Role.department_head)
def reassign(tracking_no):
    form = ReassignForm(prefix="reassign")
    form.assignee.choices = [(u.id, u.display_name) for u in users_of_department(
        current_user.department_id, *HANDLING_ROLES)]

    def perform(case):
        from app.auth.models import User
        ops.reassign_case(case, current_user, db.session.get(User, form.assignee.data))
    return _act(tracking_no, "reassign", form, perform, "已改派")


@bp.post("/cases/<tracking_no>/reveal")
@role_required(*HANDLING_ROLES)
def reveal(tracking_no):
    """Show the full phone number once; the look is audited (PIPL), so this is a POST."""
    case = get_visible_case_or_404(current_user, tracking_no)
    form = ActionForm(prefix="reveal")
    if not form.validate_on_submit():
        return _render(case, 400, error="页面已过期，请刷新后重试", error_form="reveal")
    phone = ops.reveal_contact(case, current_user)
    db.session.commit()
    current_app.logger.info("reveal_contact case=%s user=%s", tracking_no, current_user.username)
    return _render(case, revealed_phone=phone or "（未留电话）")  # no-store: app/core/views.py


@bp.get("/notifications")
@role_required(*STAFF_ROLES)
def notifications():
    """The list of messages; reading them is a POST (a GET never writes)."""
    groups = notification_groups(current_user)
    return render_template("handling/notifications.html", groups=groups, form=ActionForm(),
                           any_unread=any(n.read_at is None for g in groups for n in g.items))


@bp.post("/notifications/read")
@role_required(*STAFF_ROLES)
def notifications_read():
    """全部标为已读, or 本案已读 (`case` in the form)."""
    if ActionForm().validate_on_submit():
        case_id = request.form.get("case")
        count = handling_ops.mark_notifications_read(
            current_user, case_id=int(case_id) if is_id(case_id) else None)
        db.session.commit()
        flash(f"已将{count}条消息标为已读", "info")
    return redirect(url_for("handling.notifications"), 303)


@bp.post("/notifications/<int:notification_id>/open")
@role_required(*STAFF_ROLES)
def open_notification(notification_id):
    """Mark one message read and follow its link (only ever a path on this site)."""
    if not ActionForm().validate_on_submit():
        return redirect(url_for("handling.notifications"), 303)
    handling_ops.mark_notifications_read(current_user, notification_id=notification_id)
    db.session.commit()
    link = db.session.scalar(db.select(Notification.link).where(
        Notification.id == notification_id, Notification.recipient_id == current_user.id))
    if not link or not link.startswith("/") or link.startswith("//"):
        link = url_for("handling.notifications")
    return redirect(link, 303)


# --- template helpers shared by every staff page -----------------------------------------

@bp.app_template_filter("iso")
def iso(value):
    return value.isoformat() if value else ""


@bp.app_template_filter("action_label")
def action_label_filter(action):
    from app.cases.labels import action_label
    return action_label(action)


@bp.app_template_filter("remaining")
def remaining(deadline):
    """Server-rendered countdown text (countdown.js keeps it live)."""
    if deadline is None:
        return ""
    seconds = int((deadline - utcnow()).total_seconds())
    late, seconds = seconds < 0, abs(seconds)
    days, hours, minutes = seconds // 86400, seconds % 86400 // 3600, seconds % 3600 // 60
    text = f"{days}天{hours}小时" if days else (f"{hours}小时{minutes:02d}分" if hours
                                               else f"{minutes}分")
    return ("已超时" if late else "剩余") + text


@bp.app_template_global()
def attachment_url(attachment, poster=False):
    """The authorised media route of the media domain."""
    if poster:
        return url_for("media.attachment", attachment_id=attachment.id, poster=1)
    return url_for("media.attachment", attachment_id=attachment.id)


@bp.app_template_global()
def deadline_passed(deadline):
    """For the to-do list's red marks (a case-level rule is app.cases.queries.is_overdue)."""
    return deadline is not None and deadline < utcnow()


@bp.app_template_filter("state_label")
def state_label(name):
    from app.cases.models import CaseState
    return CaseState[name].label if name in CaseState.__members__ else name


@bp.app_template_global()
def now_utc():
    return utcnow()
