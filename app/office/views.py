"""The office desk: dispatch queue, case page, supervision board, extensions, staff entry.

Thin adapters over app.cases.operations: validate the form, call one operation, commit once,
redirect; a refusal re-renders with the operation's Chinese message and the typed input."""
from flask import (Blueprint, current_app, flash, jsonify, redirect, render_template, request,
                   url_for)
from flask_login import current_user

from app.auth.decorators import role_required
from app.auth.queries import OFFICE_ROLES
from app.cases import operations as ops
from app.cases.errors import CaseActionError
from app.cases.models import CaseSource, CaseState, Category, Complexity, Rating, Urgency
from app.cases.queries import (case_label, category_choices, get_visible_case_or_404, mask_phone,
                               urge_counts)
from app.cases.web import first_error, run_case_action
from app.core.types import is_id
from app.departments.models import Department
from app.enterprises.models import Enterprise
from app.enterprises.queries import search_enterprises
from app.extensions import db
from app.handling.queries import due_at
from app.media.operations import staged_uploads, store_case_media
from app.media.views import staged_for, staged_remove_response, staged_upload_response
from app.office import queries
from app.office.forms import (AnswerNowForm, DispatchForm, FollowUpForm, InvalidForm, NoteForm,
                              RefuseForm, SmsReceiptForm, StaffCaseForm)
from app.sms import operations as sms_ops
from app.sms.settings import sms_settings
from app.rating import operations as rating_ops, queries as rating_queries
from app.rating.forms import AppealDecisionForm, CallbackForm
from app.rating.models import ReasonTag

bp = Blueprint("office", __name__, url_prefix="/office")


def _dispatch_form(case=None, suggestion=None, departments=None, **kw):
    """The dispatch form; on a GET of `case`, its suggested department preselected."""
    form = DispatchForm(**kw)
    form.set_departments(departments or queries.active_departments())
    if case is not None and request.method == "GET":
        form.department.data = suggestion.department.id if suggestion else 0
    return form


@bp.get("/")
@role_required(*OFFICE_ROLES)
def queue():
    cases, departments = queries.queue_cases(), queries.active_departments()
    rows = []
    for case in cases:
        suggestion = queries.suggest_department(case, departments=departments)
        form = _dispatch_form(case, suggestion, departments, prefix=f"d{case.id}")
        rows.append((case, suggestion, form))
    return render_template("office/queue.html", rows=rows,
                           callbacks=rating_queries.callbacks_due(),
                           appeals=rating_queries.appeals_pending())


def _forms(case, suggestion=None, **overrides):
    forms = {"dispatch": _dispatch_form(case, suggestion, prefix="dispatch"),
             "answer": AnswerNowForm(prefix="answer"), "invalid": InvalidForm(prefix="invalid"),
             "urge": NoteForm(prefix="urge"), "supervise": NoteForm(prefix="supervise"),
             "approve": NoteForm(prefix="approve"), "refuse": RefuseForm(prefix="refuse"),
             "rate": FollowUpForm(prefix="rate"), "sms_receipt": SmsReceiptForm(prefix="sms"),
             "callback": CallbackForm(prefix="callback"),
             "appeal_decision": AppealDecisionForm(prefix="decide")}
    forms.update(overrides)
    return forms


def _render_case(case, status=200, *, error=None, error_form=None, **forms):
    pending = next((r for r in case.extension_requests if r.status.name == "pending"), None)
    suggestion = queries.suggest_department(case)
    return render_template(
        "office/case.html", case=case, forms=_forms(case, suggestion, **forms),
        phone=case.contact_phone or "", revealed=True, suggestion=suggestion, due_at=due_at(case),
        pending_extension=pending, error=error, error_form=error_form,
        sms_receipt=sms_ops.receipt_delivery(case), sms_problem=sms_ops.receipt_offer(case),
        sms_on=sms_settings() is not None,
        open_complaint=ops.open_loop(case), pending_appeal=rating_ops.pending_appeal(case),
        reason_tags=list(ReasonTag)), status


@bp.get("/cases/<tracking_no>")
@role_required(*OFFICE_ROLES)
def case(tracking_no):
    return _render_case(get_visible_case_or_404(current_user, tracking_no))


def _act(tracking_no, name, form, perform, done_message, next_url=None, confirm=None):
    return run_case_action(tracking_no, name, form, perform, done_message, render=_render_case,
                           success_url=next_url or url_for("office.case", tracking_no=tracking_no),
                           confirm=confirm)


@bp.post("/cases/<tracking_no>/dispatch")
@role_required(*OFFICE_ROLES)
def dispatch(tracking_no):
    # The queue's one-click forms carry a per-row prefix; the case page uses "dispatch".
    prefix = request.form.get("prefix", "dispatch")
    form = _dispatch_form(prefix=prefix)

    def perform(case):
        department = db.session.get(Department, form.department.data or 0)
        co = [db.session.get(Department, i) for i in form.co_departments.data or []]
        complexity = Complexity[form.complexity.data] if form.complexity.data else None
        ops.dispatch_case(case, current_user, department, co_departments=co,
                          complexity=complexity, note=form.note.data)
    next_url = url_for("office.queue") if prefix != "dispatch" else None
    return _act(tracking_no, "dispatch", form, perform, f"{tracking_no} 已派发", next_url)


@bp.post("/cases/<tracking_no>/sms-receipt")
@role_required(*OFFICE_ROLES)
def sms_receipt(tracking_no):
    """Text the 受理编号 and 查询码 to the caller instead of reading them out (a 12345 entry)."""
    form = SmsReceiptForm(prefix="sms")
    return _act(tracking_no, "sms_receipt", form,
                lambda case: sms_ops.send_receipt(case, current_user),
                lambda case: f"已排队发送受理短信至 {mask_phone(case.contact_phone)}")


@bp.post("/cases/<tracking_no>/answer")
@role_required(*OFFICE_ROLES)
def answer(tracking_no):
    form = AnswerNowForm(prefix="answer")
    return _act(tracking_no, "answer", form,
                lambda case: ops.answer_now(case, current_user, form.content.data), "已当即答复",
                confirm=lambda case: dict(
                    title="确认当即答复", button="确认答复",
                    message=f"将以下内容作为 {case.tracking_no} 的答复发给提交人，案件不再派发部门，"
                            "提交后不能修改。",
                    details=[("答复内容", form.content.data.strip())]))


@bp.post("/cases/<tracking_no>/invalid")
@role_required(*OFFICE_ROLES)
def invalid(tracking_no):
    form = InvalidForm(prefix="invalid")
    return _act(tracking_no, "invalid", form,
                lambda case: ops.mark_invalid(case, current_user, form.reason.data),
                "已标记为无效", url_for("office.queue"),
                confirm=lambda case: dict(
                    title="确认标记无效", button="确认标记无效",
                    message=f"{case.tracking_no} 将标记为无效，不再办理，不能恢复。",
                    details=[("反映内容", case.content), ("无效原因", form.reason.data.strip())]))


@bp.post("/cases/<tracking_no>/urge")
@role_required(*OFFICE_ROLES)
def urge(tracking_no):
    form = NoteForm(prefix="urge")
    return _act(tracking_no, "urge", form,
                lambda case: ops.urge_case(case, current_user, note=form.note.data or None),
                lambda case: f"已催办案件 {case_label(case)}，累计催办{urge_counts([case.id])[case.id]}次",
                request.form.get("back") == "board" and url_for("office.board") or None)


@bp.post("/cases/<tracking_no>/supervise")
@role_required(*OFFICE_ROLES)
def supervise(tracking_no):
    form = NoteForm(prefix="supervise")
    return _act(tracking_no, "supervise", form,
                lambda case: ops.supervise_case(case, current_user, note=form.note.data or None),
                "已挂牌督办", request.form.get("back") == "board" and url_for("office.board") or None)


@bp.post("/cases/<tracking_no>/extension/approve")
@role_required(*OFFICE_ROLES)
def approve(tracking_no):
    form = NoteForm(prefix="approve")
    return _act(tracking_no, "approve", form,
                lambda case: ops.approve_extension(case, current_user, note=form.note.data),
                "已批准延期", url_for("office.extensions"))


@bp.post("/cases/<tracking_no>/extension/refuse")
@role_required(*OFFICE_ROLES)
def refuse(tracking_no):
    form = RefuseForm(prefix="refuse")
    return _act(tracking_no, "refuse", form,
                lambda case: ops.refuse_extension(case, current_user, form.reason.data),
                "已驳回延期申请", url_for("office.extensions"))


@bp.post("/cases/<tracking_no>/rate")
@role_required(*OFFICE_ROLES)
def rate(tracking_no):
    """Record the rating taken on a follow-up call (回访)."""
    form = FollowUpForm(prefix="rate")

    def perform(case):
        rating = Rating[form.rating.data] if form.rating.data in Rating.__members__ else None
        ops.rate_case(case, rating, form.comment.data, actor=current_user,
                      tags=request.form.getlist("rate-tags"))
    return _act(tracking_no, "rate", form, perform, "企业的电话评价已记录")


@bp.post("/cases/<tracking_no>/callback")
@role_required(*OFFICE_ROLES)
def callback(tracking_no):
    """Record the 差评 回访: the call to the enterprise, reached or not, and what was said."""
    form = CallbackForm(prefix="callback")
    return _act(tracking_no, "callback", form,
                lambda case: rating_ops.record_callback(case, current_user,
                                                        form.reached.data == "yes",
                                                        form.note.data),
                "差评回访已登记")


@bp.post("/cases/<tracking_no>/appeal-decision")
@role_required(*OFFICE_ROLES)
def decide_appeal(tracking_no):
    """申诉复核: uphold or reject the department's appeal against a 差评, with the reason."""
    form = AppealDecisionForm(prefix="decide")
    return _act(tracking_no, "appeal_decision", form,
                lambda case: rating_ops.decide_appeal(case, current_user,
                                                      form.decision.data == "uphold",
                                                      form.reason.data),
                "申诉复核已完成")


@bp.get("/board")
@role_required(*OFFICE_ROLES)
def board():
    groups = queries.board()
    return render_template("office/board.html", groups=groups,
                           reopened=queries.reopened_by_department(),
                           urges=urge_counts(case.id for _d, items in groups for case, *_ in items),
                           urge_form=NoteForm(prefix="urge"),
                           supervise_form=NoteForm(prefix="supervise"))


@bp.get("/extensions")
@role_required(*OFFICE_ROLES)
def extensions():
    return render_template("office/extensions.html", requests=queries.pending_extensions(),
                           approve_form=NoteForm(prefix="approve"),
                           refuse_form=RefuseForm(prefix="refuse"))


@bp.get("/cases")
@role_required(*OFFICE_ROLES)
def cases():
    state = request.args.get("state")
    state = CaseState[state] if state in CaseState.__members__ else None
    return render_template("office/cases.html", cases=queries.recent_cases(state, request.args.get("q")),
                           state=state, states=list(CaseState), q=request.args.get("q", ""))


@bp.route("/cases/new", methods=["GET", "POST"])
@role_required(*OFFICE_ROLES)
def new_case():
    """Staff entry of a case from the hotline, a visit, a meeting, a deputy, a supervisor…"""
    form = StaffCaseForm()
    form.category.choices = [(0, "请选择")] + [(c.id, c.name) for c in category_choices()]
    error = field = None
    if request.method == "POST" and "lookup" in request.form:
        # 查找企业 without JS: show the matches to pick from, submit nothing (CSRF was checked).
        enterprise, candidates = _entered_enterprise(form.enterprise.data, None)
        return _render_new_case(form, candidates=[enterprise] if enterprise else candidates,
                                looked_up=True)
    if form.validate_on_submit():
        enterprise, candidates = _entered_enterprise(form.enterprise.data,
                                                     request.form.get("enterprise_id"))
        if candidates:
            lost = " 照片/视频需重新选择。" if any(f.filename for f in form.attachments.data or []) else ""
            return _render_new_case(
                form, 400, candidates=candidates, error=f"“{form.enterprise.data.strip()}”不是系统中"
                f"企业的全称，请在下方选择企业，或选择“不关联企业”。{lost}", field="enterprise")
        try:
            case, _created = ops.submit_case(
                source=CaseSource[form.source.data], category=db.session.get(Category, form.category.data),
                content=form.content.data, actor=current_user, enterprise=enterprise,
                enterprise_name_given=None if enterprise else form.enterprise.data,
                contact_name=form.contact_name.data, contact_phone=form.contact_phone.data,
                is_anonymous=form.is_anonymous.data, urgency=Urgency[form.urgency.data])
            store_case_media(case, form.attachments.data, staged=staged_uploads(
                current_user, form.upload_key.data, request.form.getlist("upload_id")))
        except CaseActionError as exc:
            db.session.rollback()
            error, field = exc.message, exc.field
        else:
            db.session.commit()
            current_app.logger.info("staff entry case=%s user=%s", case.tracking_no,
                                    current_user.username)
            flash(f"已录入 {case.tracking_no}（查询码 {case.access_code}），请派发", "info")
            return redirect(url_for("office.case", tracking_no=case.tracking_no))
    elif form.is_submitted():
        error = first_error(form)
    return _render_new_case(form, 400 if error else 200, error=error, field=field)


@bp.post("/uploads")
@role_required(*OFFICE_ROLES)
def upload():
    """A file for the staff entry form, ahead of the form (static/js/uploads.js)."""
    return staged_upload_response()


@bp.delete("/uploads/<public_id>")
@role_required(*OFFICE_ROLES)
def remove_upload(public_id):
    return staged_remove_response(public_id)


def _render_new_case(form, status=200, *, candidates=(), error=None, field=None, looked_up=False):
    return render_template("office/new_case.html", form=form, error=error, error_field=field,
                           candidates=candidates, looked_up=looked_up, staged=staged_for(form),
                           chosen=request.form.get("enterprise_id", "")), status


def _entered_enterprise(text, chosen_id):
    """The enterprise a staff entry names: the one picked (autocomplete or the list), else an
    exact name or credit code; otherwise the matches to choose from ("不关联企业" keeps the
    text as the given name)."""
    if chosen_id == "none":
        return None, []
    if is_id(chosen_id):
        picked = db.session.get(Enterprise, int(chosen_id))
        if picked is not None:
            return picked, []
    exact = queries.find_enterprise(text)
    if exact is not None:
        return exact, []
    return None, search_enterprises(text)


@bp.get("/enterprises/search")
@role_required(*OFFICE_ROLES)
def enterprise_search():
    """The entry form's autocomplete: short name, pinyin initials or credit code → up to ten."""
    return jsonify([{"id": e.id, "name": e.name, "credit_code": e.credit_code,
                     "township": e.township.name if e.township else ""}
                    for e in search_enterprises(request.args.get("q", ""))])
