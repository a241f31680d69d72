"""The public pages: /q/<token> (form, uploads, receipt) and /t/<tracking_no> (status, rating).

No login: a card's token says which enterprise speaks, the access code opens a case's status.
The form's POST and the upload endpoint read their bodies with our streaming parser (so limits
cut a request off while it arrives); they check the CSRF token themselves for that reason.
"""
import logging

from flask import (Blueprint, abort, current_app, jsonify, redirect, render_template, request,
                   session, url_for)
from flask_login import current_user
from flask_wtf.csrf import ValidationError, generate_csrf, validate_csrf
from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import RequestEntityTooLarge

from app.auth.views import safe_next
from app.cases.errors import CaseActionError
from app.cases.models import Attachment, Rating
from app.cases.operations import case_by_submission_key, open_loop, rate_case
from app.cases.queries import category_choices, get_case_by_tracking_no
from app.core.refcache import cached
from app.core.views import NUL_MESSAGE, contains_nul, reads_own_body
from app.extensions import csrf, db, limiter
from app.intake import operations as ops
from app.intake.multipart import parse_streaming
from app.intake.queries import is_finished, my_cases, public_card, public_timeline
from app.media.sniff import MediaRefused
from app.rounds.queries import open_rounds
from app.media.storage import temp_dir
from app.media.views import send_attachment
from app.rating.models import RatingChannel, ReasonTag
from app.settings.limits import apply_limit
from app.workdays.calendar import WorkCalendar

bp = Blueprint("intake", __name__)
log = logging.getLogger(__name__)
UNLOCKED = "unlocked_cases"  # session: tracking numbers this browser opened with the code
RECEIPTS = "receipts"  # session: submission keys this browser submitted
FORM_FIELDS = ("category", "content", "contact_name", "contact_phone", "anonymous",
               "enterprise_name")
LARGE_COOKIE_DAYS = 365
BODY_MARGIN = 1024 * 1024  # room for the text fields and multipart framing around the files
MALFORMED_MESSAGE = "提交的内容没有完整收到（可能是网络中断），请检查后再点一次“提交”"


def _unknown_card():
    return render_template("intake/unknown_card.html"), 404


def _csrf_ok(token) -> bool:
    """Flask-WTF's own check, for the views whose body only our streaming parser may read."""
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return True
    try:
        validate_csrf(token)
    except ValidationError:
        return False
    return True


def _ip_limit():
    return current_app.config.get("INTAKE_RATELIMIT_IP", "10 per minute")


def _card_limit():
    return current_app.config.get("INTAKE_RATELIMIT_CARD", "30 per hour")


def _card_key():
    return f"card:{request.view_args.get('token', '')}"


def _render_form(card, values=None, errors=None, submission_key=None, status=200, notice=None,
                 marks=None):
    values = values or MultiDict()
    # A fresh key has no uploads yet: no query for the plain GET.
    uploads = ops.pending_uploads(card, submission_key) if submission_key else []
    submission_key = submission_key or ops.new_submission_key()
    context = dict(card=card, values=values, errors=errors or {}, submission_key=submission_key,
                   categories=category_choices(), uploads=uploads, notice=notice,
                   is_hall=card.kind.name == "hall" or card.is_revoked, limits=current_app.config)
    if not context["is_hall"]:  # a snapshot: no query while the reference version holds
        context["open_rounds"] = open_rounds()
    context.update(marks or {})  # placeholders for the per-visit values (_blank_form)
    return render_template("intake/form.html", **context), status


# --- the form -------------------------------------------------------------------------------

# The blank form is the page every scan opens. It is rendered once per card and reference
# version with two markers where its per-visit values go, and each request joins its own CSRF
# token and submission key in between (both URL-safe base64: nothing to escape).
CSRF_MARK, KEY_MARK = "\x00csrf-token\x00", "\x00submission-key\x00"


def _render_blank_form_parts(card) -> tuple[str, str, str]:
    page, _status = _render_form(
        card, marks={"submission_key": KEY_MARK, "csrf_token": lambda: CSRF_MARK})
    head, rest = page.split(CSRF_MARK)
    middle, tail = rest.split(KEY_MARK)
    return head, middle, tail


def _blank_form(card):
    if "_flashes" in session:  # a message to show once: render it in full
        return _render_form(card)
    head, middle, tail = cached(("blank-form", card.token, large_text_on()),
                                lambda: _render_blank_form_parts(card))
    return "".join((head, generate_csrf(), middle, ops.new_submission_key(), tail))


@bp.get("/q/<token>")
def form(token):
    card = public_card(token)
    if card is None:
        return _unknown_card()
    return _blank_form(card)


@bp.post("/q/<token>")
@reads_own_body
@csrf.exempt  # checked below, after our streaming parser has read the token from the body
@limiter.limit(_ip_limit, methods=["POST"])
@limiter.limit(_card_limit, key_func=_card_key, methods=["POST"])
def submit(token):
    card = public_card(token)
    if card is None:
        return _unknown_card()
    config = current_app.config
    request.max_content_length = config["MAX_CASE_BYTES"] + BODY_MARGIN
    body = parse_streaming(request.stream, request.content_type, ops.upload_budget([], config),
                           temp_dir())
    values = body.fields
    errors = {}
    if contains_nul(values):  # PostgreSQL cannot take it; the core hook cannot see this body
        body.discard_files()
        return _render_form(card, values, {"form": NUL_MESSAGE},
                            ops.valid_submission_key(values.get("submission_key")), status=400)
    if not _csrf_ok(values.get("csrf_token")):
        body.discard_files()
        return _render_form(card, values, {"form": "页面已过期或来源无法验证，请再点一次“提交”"},
                            ops.valid_submission_key(values.get("submission_key")), status=400)
    key = ops.valid_submission_key(values.get("submission_key")) or ops.new_submission_key()
    existing = case_by_submission_key(key)
    if existing is not None:  # a double tap, or a resend after the receipt: one case
        body.discard_files()
        return _to_receipt(token, existing.tracking_no, key)
    for public_id in values.getlist("remove_upload"):
        ops.remove_upload(card, key, public_id)
    pending = ops.pending_uploads(card, key)
    budget = ops.upload_budget(pending, config)
    file_errors = []
    arrived = []  # stored and checked; rows only once we know whether the case is created
    for incoming in body.files:
        if incoming.error is not None:
            file_errors.append(incoming.error.message)
            continue
        if incoming.path is None:
            continue
        try:
            if incoming.size > budget.case_bytes:
                raise MediaRefused("case_too_large", "附件合计超过上限，请减少照片或视频", incoming.filename)
            budget.case_bytes -= incoming.size
            arrived.append(ops.prepare_incoming(incoming, budget))
        except MediaRefused as refused:
            file_errors.append(refused.message)
    if body.cut_off is not None:
        file_errors.append("文件过大，上传已中止：之后选择的文件未收到，请重新选择")
    if file_errors:
        errors["files"] = "；".join(dict.fromkeys(file_errors))
    errors.update(ops.submission_errors(values))  # all at once, not one per try
    if body.malformed:
        errors["form"] = MALFORMED_MESSAGE
    if not errors:
        try:  # a refusal comes before the case's first write: the files that arrived stay
            case, created = ops.submit_from_card(card, values, key, arrived=arrived,
                                                 pending=pending)
        except CaseActionError as refused:
            errors[refused.field or "form"] = refused.message
        else:
            if not created:  # a concurrent double tap won: its stale-upload sweep frees these
                ops.keep_uploads(card, key, arrived)
            tracking_no, serial = case.tracking_no, card.serial  # before the commit expires them
            db.session.commit()
            if created:
                log.info("case %s submitted via card %s", tracking_no, serial)
            return _to_receipt(token, tracking_no, key)
    # Keep the files that did arrive, so they need not be chosen again.
    ops.keep_uploads(card, key, arrived)
    db.session.commit()
    response, status = _render_form(card, values, errors, key,
                                    status=413 if body.cut_off is not None else 400)
    response = current_app.make_response((response, status))
    if body.left_unread:
        response.headers["Connection"] = "close"
    return response


def _to_receipt(token, tracking_no, key):
    receipts = session.get(RECEIPTS, [])[-9:]
    session[RECEIPTS] = receipts + [key]
    _unlock(tracking_no)
    # No "Redirecting…" page under the Location: browsers never show it, and without a body
    # gunicorn answers in one send instead of two.
    return current_app.response_class(
        status=303, headers={"Location": url_for("intake.receipt", token=token, key=key)})


@bp.get("/q/<token>/receipt/<key>")
def receipt(token, key):
    card = public_card(token)
    case = case_by_submission_key(key)
    if card is None or case is None or key not in session.get(RECEIPTS, []):
        return _unknown_card()
    calendar = WorkCalendar.from_database()
    dispatch_by = apply_limit(case.submitted_at, "sign", calendar)
    reply_by = apply_limit(dispatch_by, "handle_general", calendar)
    return render_template("intake/receipt.html", card=card, case=case, key=key,
                           dispatch_by=dispatch_by, reply_by=reply_by)


@bp.errorhandler(RequestEntityTooLarge)
def too_large(exc):
    limits = current_app.config
    if request.path.endswith("/uploads"):
        return jsonify(error="too_large", message=_too_large_message(limits)), 413
    response = current_app.make_response(
        (render_template("intake/too_large.html", limits=limits,
                         back=request.path), 413))
    response.headers["Connection"] = "close"
    return response


def _too_large_message(limits):
    mb = 1024 * 1024
    return (f"文件太大：照片每张不超过{limits['MAX_PHOTO_BYTES'] // mb}MB，"
            f"视频每段不超过{limits['MAX_VIDEO_BYTES'] // mb}MB，"
            f"合计不超过{limits['MAX_CASE_BYTES'] // mb}MB")


# --- one file at a time (the page's JavaScript) --------------------------------------------

@bp.post("/q/<token>/uploads")
@reads_own_body
@csrf.exempt  # checked below from the header, before a byte of the body is read
@limiter.limit(lambda: current_app.config.get("INTAKE_RATELIMIT_UPLOADS", "60 per minute"),
               methods=["POST"])
def upload(token):
    card = public_card(token)
    if card is None:
        return jsonify(error="unknown_card", message="二维码无效"), 404
    if not _csrf_ok(request.headers.get("X-CSRFToken")):
        return jsonify(error="csrf", message="页面已过期，请刷新页面后重试（已填写的内容会保留）"), 400
    key = ops.valid_submission_key(request.args.get("key"))
    if key is None:
        return jsonify(error="bad_request", message="请求有误，请刷新页面后重试"), 400
    if case_by_submission_key(key) is not None:
        return jsonify(error="already_submitted", message="这份反映已经提交"), 409
    config = current_app.config
    pending = ops.pending_uploads(card, key)
    budget = ops.upload_budget(pending, config)
    # One file per request: its announced length alone can refuse it before it is read.
    request.max_content_length = max(0, min(
        max(config["MAX_PHOTO_BYTES"], config["MAX_VIDEO_BYTES"]), budget.case_bytes)) + 64 * 1024
    body = parse_streaming(request.stream, request.content_type, budget, temp_dir(), max_parts=4)
    incoming = body.files[0] if body.files else None
    refusal = body.cut_off or (incoming.error if incoming else None)
    if refusal is None and body.malformed:
        refusal = MediaRefused("malformed", "文件没有完整收到，请重试")
    if refusal is None and (incoming is None or incoming.path is None):
        refusal = MediaRefused("no_file", "没有收到文件，请重试")
    if refusal is None:
        try:
            upload = ops.accept_upload(card, key, incoming, budget=budget)
        except MediaRefused as refused:
            refusal = refused
    body.discard_files()
    if refusal is not None:
        db.session.rollback()
        response = jsonify(error=refusal.code, message=refusal.message)
        response.status_code = 413 if body.cut_off is not None else 400
        if body.left_unread:
            response.headers["Connection"] = "close"
        return response
    db.session.commit()
    return jsonify(id=upload.public_id, kind=upload.kind.name, name=upload.original_name,
                   size=upload.byte_size, width=upload.width, height=upload.height), 201


@bp.get("/q/<token>/uploads/<public_id>")
def upload_preview(token, public_id):
    """A pending file of this submission (?key=), for a restored draft's thumbnail."""
    card = public_card(token)
    key = ops.valid_submission_key(request.args.get("key"))
    upload = ops.pending_upload(card, key, public_id) if card and key else None
    if upload is None:
        abort(404)
    return send_attachment(upload, poster=upload.kind.name == "video")


@bp.delete("/q/<token>/uploads/<public_id>")
def remove_upload(token, public_id):
    card = public_card(token)
    key = ops.valid_submission_key(request.args.get("key"))
    if card is None or key is None or not ops.remove_upload(card, key, public_id):
        return jsonify(error="not_found", message="文件不存在或已删除"), 404
    db.session.commit()
    return jsonify(status="removed")


# --- large text (大字), remembered in a cookie so it works without JavaScript ------------------

LARGE_COOKIE = "msb-large"


@bp.app_template_global()
def large_text_on() -> bool:
    return request.cookies.get(LARGE_COOKIE) == "1"


@bp.get("/large-text")
def large_text():
    """Switch large text on (?on=1) or off and go back to the page (?next=, a local path)."""
    on = request.args.get("on") == "1"
    response = redirect(safe_next(request.args.get("next")) or url_for("intake.lookup"), 303)
    response.set_cookie(LARGE_COOKIE, "1" if on else "0", max_age=LARGE_COOKIE_DAYS * 86400,
                        samesite="Lax", secure=request.is_secure)
    return response


# --- the status page ------------------------------------------------------------------------

def _unlock(tracking_no):
    unlocked = [n for n in session.get(UNLOCKED, []) if n != tracking_no][-19:]
    session[UNLOCKED] = unlocked + [tracking_no]
    if not current_user.is_authenticated:  # a staff login keeps its browser-session cookie
        session.permanent = True  # 我的反馈 still knows the case when the phone comes back


@bp.get("/t/mine.json")
def mine():
    """The state of each case this browser has opened (我的反馈 on the form asks)."""
    return jsonify(cases=my_cases(session.get(UNLOCKED, [])))


def _is_unlocked(tracking_no):
    return tracking_no in session.get(UNLOCKED, [])


def _lookup_page(tracking_no=None, errors=None, status=200):
    """The page that finds a case again: 受理编号 (fixed when the URL names it) + 查询码."""
    page = render_template("intake/lookup.html", tracking_no=tracking_no, errors=errors or {})
    return page, status


def public_not_found():
    """The 404 of a public URL (/q/…, /t/…): the lookup page, not a dead end."""
    return _lookup_page(errors={"form": "没有找到这个页面。可以凭受理编号和查询码查看办理进度，"
                                        "或重新扫描企业码"}, status=404)


def _access_limit():
    return current_app.config.get("ACCESS_CODE_RATELIMIT", "30 per hour")


def _code_missing():
    """An empty submit (a slip of the thumb) is no guess: it uses no try and no rate budget."""
    return not ops.normalize_code(request.form.get("code"))


# Both forms that take a code share one budget per IP (scope "access-code").
access_code_limit = limiter.shared_limit(_access_limit, scope="access-code",
                                         exempt_when=_code_missing)


@bp.get("/t/")
def lookup():
    return _lookup_page()


@bp.post("/t/")
@access_code_limit
def lookup_submit():
    tracking_no = ops.normalize_tracking_no(request.form.get("tracking_no"))
    return _try_code(tracking_no, request.form.get("code"), typed_number=True)


@bp.get("/t/<tracking_no>")
def status(tracking_no):
    case = get_case_by_tracking_no(tracking_no) if _is_unlocked(tracking_no) else None
    if case is None:
        return _lookup_page(tracking_no)
    return _status_page(case)


def _status_page(case, errors=None, values=None, status=200):
    return render_template("intake/status.html", case=case, steps=public_timeline(case),
                           ratings=list(Rating), tags=list(ReasonTag),
                           follow_up=open_loop(case) is not None, finished=is_finished(case),
                           errors=errors or {}, values=values), status


@bp.post("/t/<tracking_no>")
@access_code_limit
def unlock(tracking_no):
    return _try_code(tracking_no, request.form.get("code"))


def _try_code(tracking_no, typed_code, typed_number=False):
    """Check the code; an unknown number is answered exactly like a wrong code, after the same
    work (see try_access_code). A missing field is said at once and costs no try."""
    shown_no = None if typed_number else tracking_no  # a typed number stays in its field
    code = ops.normalize_code(typed_code)
    errors = {}
    if typed_number and not tracking_no:
        errors["tracking_no"] = "请输入受理编号（提交成功页上的“MS”开头的编号）"
    if not code:
        errors["code"] = "请输入6位查询码"
    if errors:
        return _lookup_page(shown_no, errors, 400)
    locked_message = f"错误次数过多，请{current_app.config['ACCESS_CODE_LOCK_MINUTES']}分钟后再试"
    case, attempt = ops.try_access_code(tracking_no, code)
    db.session.commit()
    if attempt.opened:
        _unlock(case.tracking_no)
        return redirect(url_for("intake.status", tracking_no=case.tracking_no), 303)
    if attempt.locked:
        return _lookup_page(shown_no, {"code": locked_message}, 429)
    log.info("wrong access code for %s (%d)", tracking_no, attempt.failures)
    return _lookup_page(shown_no, {"code": _wrong_code_message(attempt.left, locked_message)},
                        400)


def _wrong_code_message(left, locked_message):
    if left <= 0:
        return "受理编号或查询码不正确。" + locked_message
    return f"受理编号或查询码不正确，还可尝试{left}次"


@bp.post("/t/<tracking_no>/rate")
def rate(tracking_no):
    case = get_case_by_tracking_no(tracking_no) if _is_unlocked(tracking_no) else None
    if case is None:
        return _lookup_page(tracking_no)
    rating = Rating.__members__.get(request.form.get("rating", ""))
    comment = (request.form.get("comment") or "").strip()
    # The phone that submitted the case from its card rates through the card; anyone else
    # opened the status page with the number and the code.
    channel = (RatingChannel.card if case.submission_key
               and case.submission_key in session.get(RECEIPTS, []) else RatingChannel.status_page)
    try:
        rate_case(case, rating, comment=comment, tags=request.form.getlist("tags"),
                  channel=channel)
    except CaseActionError as refused:
        db.session.rollback()
        return _status_page(case, {refused.field or "form": refused.message}, request.form,
                            refused.status)
    db.session.commit()
    return redirect(url_for("intake.rated", tracking_no=tracking_no), 303)


@bp.get("/t/<tracking_no>/thanks")
def rated(tracking_no):
    """The thank-you page after a rating: what happens next, in the enterprise's words."""
    case = get_case_by_tracking_no(tracking_no) if _is_unlocked(tracking_no) else None
    if case is None:
        return _code_page(tracking_no)
    if not case.rating_history:
        return redirect(url_for("intake.status", tracking_no=tracking_no), 303)
    return render_template("intake/thanks.html", case=case, rating=case.rating_history[-1])


@bp.get("/t/<tracking_no>/media/<int:attachment_id>")
def status_media(tracking_no, attachment_id):
    """The submitter's own files and a public reply's photos, for the browser that opened the
    case with the code (?poster=1: a video's poster frame)."""
    case = get_case_by_tracking_no(tracking_no) if _is_unlocked(tracking_no) else None
    attachment = db.session.get(Attachment, attachment_id)
    if (case is None or attachment is None or attachment.case_id != case.id
            or (attachment.reply is not None and not attachment.reply.is_public)):
        abort(404)
    return send_attachment(attachment, poster=request.args.get("poster") == "1")
