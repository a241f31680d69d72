"""Cases, events and replies as JSON: every instant in UTC (ISO 8601, "Z") and local time."""
from datetime import datetime, timezone

from app.auth.models import Role, User
from app.cases.models import Case
from app.cases.queries import is_overdue, mask_name, mask_phone
from app.core.clock import utcnow
from app.core.timeutil import to_local

CASE_TIMES = ("submitted_at", "dispatched_at", "signed_at", "returned_at", "first_replied_at",
              "replied_at", "rated_at", "closed_at", "invalidated_at", "last_urged_at")
CASE_DEADLINES = ("sign_due_at", "reply_due_at", "original_reply_due_at", "return_due_at")
# Who hears the submitter's number and access code on the phone (DESIGN §1, PIPL).
SEES_CONTACT = (Role.dispatcher,)
SEES_ACCESS_CODE = (Role.dispatcher, Role.admin)


def instant(value: datetime | None):
    """{"utc": "2026-11-17T01:00:00Z", "local": "2026-11-17T09:00:00+08:00"} or None."""
    if value is None:
        return None
    utc = value.astimezone(timezone.utc).replace(microsecond=0)
    return {"utc": utc.isoformat().replace("+00:00", "Z"),
            "local": to_local(utc).isoformat()}


def department_json(department):
    if department is None:
        return None
    return {"code": department.code, "name": department.name, "kind": department.kind.name}


def case_summary_json(case: Case, viewer: User) -> dict:
    """What a list row needs: identity, state, where it is and when it is due."""
    return {
        "tracking_no": case.tracking_no,
        "state": case.state.name,
        "state_label": case.state.label,
        "source": case.source.name,
        "category": {"code": case.category.code, "name": case.category.name},
        "urgency": case.urgency.name,
        "complexity": case.complexity.name if case.complexity else None,
        "content": case.content,
        "enterprise": (None if case.enterprise is None else
                       {"credit_code": case.enterprise.credit_code, "name": case.enterprise.name}),
        "departments": {
            "lead": department_json(case.lead_department),
            "co": [department_json(cd.department) for cd in case.co_departments],
        },
        "assignee": case.assignee.username if case.assignee else None,
        "escalation_level": case.escalation_level,
        "overdue": is_overdue(case, utcnow()),
        "deadlines": {name.removesuffix("_at"): instant(getattr(case, name))
                      for name in CASE_DEADLINES},
        "times": {name.removesuffix("_at"): instant(getattr(case, name)) for name in CASE_TIMES},
    }


def case_json(case: Case, viewer: User, *, include_access_code=False) -> dict:
    """The whole case as `viewer` may see it; the caller has checked that they may see it."""
    body = case_summary_json(case, viewer)
    sees_contact = viewer.role in SEES_CONTACT
    phone = case.contact_phone if sees_contact else mask_phone(case.contact_phone)
    name = case.contact_name if sees_contact else mask_name(case.contact_name)
    body.update({
        "enterprise_name_given": case.enterprise_name_given,
        "contact": {"name": name or None, "phone": phone or None,
                    "anonymous": case.is_anonymous},
        "counts": {"returns": case.return_count, "extensions": case.extension_count,
                   "reopens": case.reopen_count},
        "rating": None if case.rating is None else {
            "level": case.rating.name, "label": case.rating.label,
            "comment": case.rating_comment, "time": instant(case.rated_at),
            "set_aside": case.rating_excluded},
        # The 好差评 history and the 差评 loop (docs/rating.md): never who rated.
        "ratings": [rating_json(r) for r in case.rating_history],
        "closed_unrated": case.closed_unrated,
        "invalid_reason": case.invalid_reason,
        "extension_requests": [{
            "days": r.days, "reason": r.reason, "status": r.status.name,
            "requested_by": r.requested_by.username, "requested_at": instant(r.requested_at),
            "decision_note": r.decision_note, "decided_at": instant(r.decided_at),
        } for r in case.extension_requests],
        # Co-department opinions are internal: a viewer who got this far can see the case,
        # so they are staff entitled to them; the submitter's status page never uses this.
        "replies": [reply_json(r) for r in case.replies],
        "events": [event_json(e) for e in case.events],
    })
    if include_access_code or viewer.role in SEES_ACCESS_CODE:
        body["access_code"] = case.access_code
    return body


def rating_json(row) -> dict:
    return {
        "level": row.level.name, "label": row.level.label, "tags": row.tags or [],
        "comment": row.comment, "channel": row.channel.name, "time": instant(row.rated_at),
        "follow_up": row.is_follow_up,
        "callback": None if row.callback_due_at is None else {
            "due": instant(row.callback_due_at), "done": instant(row.callback_at),
            "reached": row.callback_reached, "note": row.callback_note},
        "rework": None if row.rework_due_at is None else {
            "due": instant(row.rework_due_at), "feedback": instant(row.rework_feedback_at)},
        "appeal": None if row.appeal_state.name == "none" else {
            "state": row.appeal_state.name, "kind": row.appeal_kind.name,
            "evidence": row.appeal_evidence, "decided_at": instant(row.appeal_decided_at),
            "reason": row.appeal_decision_reason},
    }


def reply_json(reply) -> dict:
    return {
        "kind": "reply" if reply.is_public else "co_opinion",
        "is_public": reply.is_public,
        "content": reply.content,
        "department": department_json(reply.department),
        "author": reply.author.display_name if reply.author else None,
        "time": instant(reply.created_at),
    }


def event_json(event) -> dict:
    return {
        "actor": event.actor_label,
        "actor_username": event.actor.username if event.actor else None,
        "action": event.action,
        "from_state": event.from_state,
        "to_state": event.to_state,
        "note": event.note,
        "data": event.data,
        "time": instant(event.created_at),
    }
