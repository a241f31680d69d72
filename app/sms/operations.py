"""Text messages to a case's submitter: queued inside the caller's transaction, sent by the
scheduler's delivery job like e-mail (a Delivery row on channel "sms", retried with backoff).

`notify_submitter(case, kind)` is the one entry point for every message kind (see
app/sms/settings.KINDS): the case operations call it for dispatched, replied, reopened and
closed, the public form for the receipt, the office's button through `send_receipt`, and the
差评 loop for "rectified" (整改反馈)."""
from datetime import datetime

from flask import current_app

from app.auth.queries import OFFICE_ROLES
from app.cases.errors import CaseActionError
from app.cases.models import AuditEvent, Case
from app.cases.operations import MOBILE_RE
from app.cases.queries import mask_phone
from app.core.clock import utcnow
from app.extensions import db
from app.reminders.models import Delivery, Notification
from app.reminders.notify import _bulk_insert, _delivery
from app.settings.public_url import public_base_url
from app.sms.settings import KIND_PREFIX, KINDS, RECEIPT, sms_send_time, sms_settings


def submitter_phone(case: Case) -> str | None:
    """The number a message may go to: never an anonymous case's, only a mainland mobile."""
    if case.is_anonymous or not case.contact_phone:
        return None
    return case.contact_phone if MOBILE_RE.match(case.contact_phone) else None


# Sent at most once per case. A re-dispatch (after a department returned the case) is the
# office's routing: a second 已交办 would read to the enterprise as a second case.
ONCE_PER_CASE = (RECEIPT, "dispatched")


def notify_submitter(case: Case, kind: str, now: datetime | None = None) -> int | None:
    """Queue the text message `kind` (received, dispatched, replied, reopened, closed,
    rectified) to the case's submitter; return the new notification's id, or None when
    nothing is sent: SMS not configured, no template for the kind, an anonymous case or no
    mobile number, or (the receipt, the first dispatch) already queued once.

    Flushes, never commits (the caller's transaction). The receipt goes at once; the others
    wait for the end of the SMS quiet hours. One row per event: the key holds the time, so
    a second reply after a reopening is a second message."""
    if kind not in KINDS:
        raise ValueError(f"unknown SMS kind {kind!r}")
    settings = sms_settings()
    phone = submitter_phone(case)
    if settings is None or kind not in settings.templates or phone is None:
        return None
    now = now or utcnow()
    db.session.flush()  # the case needs its id
    config = current_app.config
    template = settings.templates[kind]
    text = template.render(template.values(case, public_base_url(), config),
                           settings.sign_name)
    stamp = "-" if kind in ONCE_PER_CASE else now.strftime("%Y%m%dT%H%M%S.%f")
    rows = _bulk_insert(Notification, [{
        "dedupe_key": f"{case.id}:{KIND_PREFIX}{kind}:{phone}:{stamp}", "case_id": case.id,
        "kind": KIND_PREFIX + kind, "recipient_id": None, "deadline_at": None,
        "title": f"短信·{KINDS[kind]} {case.tracking_no}", "body": text,
        "link": f"/t/{case.tracking_no}", "created_at": now}],
        returning=("id", "dedupe_key"), skip_duplicate_of="dedupe_key")
    if not rows:
        return None
    notification_id = rows[0][0]
    _bulk_insert(Delivery, [_delivery(notification_id, "sms", phone,
                                      sms_send_time(KIND_PREFIX + kind, now, config))])
    return notification_id


def receipt_delivery(case: Case) -> Delivery | None:
    """The receipt message's delivery, if one was queued (the office's case page)."""
    return db.session.execute(
        db.select(Delivery).join(Notification, Delivery.notification_id == Notification.id)
        .where(Notification.case_id == case.id, Notification.kind == KIND_PREFIX + RECEIPT,
               Delivery.channel == "sms")
        .order_by(Delivery.id).limit(1)).scalar_one_or_none()


def receipt_offer(case: Case) -> str | None:
    """Why the office cannot text the receipt of `case` (a Chinese message), or None if it can."""
    settings = sms_settings()
    if settings is None or RECEIPT not in settings.templates:
        return "未配置短信服务"
    if case.is_anonymous:
        return "匿名反映，不发送短信"
    if submitter_phone(case) is None:
        return "没有可接收短信的手机号码"
    if receipt_delivery(case) is not None:
        return "受理短信已发送过"
    return None


def send_receipt(case: Case, actor, now: datetime | None = None) -> str:
    """The office texts the 受理编号 and 查询码 to the caller (a 12345 entry) instead of reading
    them out: queue the receipt, audit it; return the masked number. CaseActionError when it
    cannot be sent. Flushes, never commits."""
    if actor is None or actor.role not in OFFICE_ROLES:
        raise CaseActionError("wrong_role", "您的角色无权发送受理短信", status=403)
    problem = receipt_offer(case)
    if problem:
        raise CaseActionError("sms_unavailable", problem, status=409)
    now = now or utcnow()
    notify_submitter(case, RECEIPT, now=now)
    shown = mask_phone(case.contact_phone)
    db.session.add(AuditEvent(case=case, actor=actor, actor_label=actor.display_name,
                              action="sms_receipt", note=f"短信发送受理编号和查询码至 {shown}",
                              department_id=actor.department_id, created_at=now))
    return shown
