"""/api/v1/meetings: meetings and the issues they assign, as JSON (docs/api.md).

Registered on the API blueprint (same token check, errors and one commit per request)."""
from flask import jsonify, request
from sqlalchemy import select

from app.api import params
from app.api.errors import ApiError
from app.api.serialize import case_summary_json, department_json, instant
from app.api.views import bp, current_user
from app.cases.models import CaseSource, Urgency
from app.cases.operations import case_by_submission_key
from app.cases.queries import SEE_ALL_ROLES
from app.extensions import db
from app.meetings import operations as ops, queries
from app.meetings.models import AttendeeKind, Meeting

PAGE_SIZE = 50


def _require_reader():
    if current_user().role not in SEE_ALL_ROLES:
        raise ApiError("forbidden", "您的角色无权查看会议", 403)


def _meeting_or_404(meeting_id) -> Meeting:
    meeting = queries.get_meeting(meeting_id)
    if meeting is None:
        raise ApiError("not_found", f"会议“{meeting_id}”不存在", 404)
    return meeting


def issue_json(issue, viewer) -> dict:
    return {"position": issue.position, "leader": issue.leader_name,
            "department": department_json(issue.department), "measure": issue.measure,
            "goal": issue.goal, "due": issue.due_on.isoformat(),
            "case": case_summary_json(issue.case, viewer)}


def meeting_summary_json(meeting: Meeting) -> dict:
    return {"id": meeting.id, "type": meeting.type.code, "type_label": meeting.type.name,
            "held_on": meeting.held_on.isoformat(), "title": meeting.title,
            "chair": meeting.chair, "issues": len(meeting.issues),
            "agenda_items": len(queries.active_items(meeting))}


def meeting_json(meeting: Meeting, viewer) -> dict:
    body = meeting_summary_json(meeting)
    body.update(
        attendees={kind.name: [a.name for a in meeting.attendees if a.kind is kind]
                   for kind in AttendeeKind},
        minutes=meeting.minutes, agenda_built_at=instant(meeting.agenda_built_at),
        agenda=[{"position": item.position, "reasons": (item.reasons or item.reason.name).split(","),
                 "text": item.text, "note": item.note, "dropped": item.is_dropped,
                 "case": case_summary_json(item.case, viewer) if item.case else None}
                for item in meeting.agenda_items],
        issues=[issue_json(issue, viewer) for issue in meeting.issues])
    return body


def _names(body, name) -> list[str]:
    value = body.get(name)
    if value is None:
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ApiError("invalid_field", f"字段“{name}”必须是文本的列表", field=name)
    return value


@bp.get("/meetings")
def meetings_index():
    """Meetings, latest first, 50 a page; `type` filters by the type's code."""
    _require_reader()
    query = select(Meeting).order_by(Meeting.held_on.desc(), Meeting.id.desc())
    type_code = request.args.get("type")
    if type_code:
        meeting_type = queries.meeting_type_by_code(type_code)
        if meeting_type is None:
            raise ApiError("invalid_field", f"会议类型“{type_code}”不存在", field="type")
        query = query.where(Meeting.type_id == meeting_type.id)
    page = db.paginate(query, page=params.page_number(request.args.get("page")),
                       per_page=PAGE_SIZE, error_out=False)
    return jsonify({"items": [meeting_summary_json(m) for m in page.items], "total": page.total,
                    "page": page.page, "pages": page.pages, "per_page": PAGE_SIZE})


@bp.post("/meetings")
def meetings_create():
    body = params.json_body()
    type_code = params.text(body, "type", required=True)
    meeting = ops.create_meeting(
        current_user(), queries.meeting_type_by_code(type_code),
        params.iso_date(params.text(body, "held_on", required=True), "held_on"),
        title=params.text(body, "title"), chair=params.text(body, "chair"),
        leaders=_names(body, "leaders"), departments=_names(body, "departments"),
        enterprises=_names(body, "enterprises"))
    db.session.commit()
    return jsonify(meeting_json(meeting, current_user())), 201


@bp.get("/meetings/<meeting_id>")
def meetings_show(meeting_id):
    _require_reader()
    return jsonify(meeting_json(_meeting_or_404(meeting_id), current_user()))


@bp.post("/meetings/<meeting_id>/issues")
def meetings_issue(meeting_id):
    """An issue the meeting assigned: a case (body as POST /cases, source is `meeting`) plus
    `leader`, `department` (责任单位), `measure`, `goal` and `due` (ISO date)."""
    meeting = _meeting_or_404(meeting_id)
    body = params.json_body()
    source = params.choice(body.get("source"), CaseSource, "source")
    if source not in (None, CaseSource.meeting):
        raise ApiError("invalid_field", "会议交办问题的来源只能是 meeting", field="source")
    department = params.department(body.get("department"))
    key = params.text(body, "submission_key", max_length=64) or None
    repeated = key is not None and case_by_submission_key(key) is not None
    issue = ops.raise_issue(
        meeting, current_user(), category=params.category(body.get("category")),
        content=params.text(body, "content", required=True),
        department=department, leader_name=params.text(body, "leader", required=True),
        due_on=params.iso_date(params.text(body, "due", required=True), "due"),
        measure=params.text(body, "measure"), goal=params.text(body, "goal"),
        enterprise=params.enterprise(body.get("enterprise_code")),
        enterprise_name=params.text(body, "enterprise_name", max_length=200),
        urgency=params.choice(body.get("urgency"), Urgency, "urgency") or Urgency.normal,
        contact_name=params.text(body, "contact_name", max_length=64),
        contact_phone=params.text(body, "contact_phone", max_length=32),
        submission_key=key)
    db.session.commit()
    return jsonify(issue_json(issue, current_user())), 200 if repeated else 201
