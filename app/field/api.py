"""/api/v1/visits: the field's visits over the API (docs/api.md), on the API blueprint with
its bearer-token authentication and JSON errors; one commit per request."""
from flask import jsonify, request
from sqlalchemy import select

from app.api import params
from app.api.errors import ApiError
from app.api.serialize import instant
from app.api.views import bp, current_user
from app.cases.queries import SEE_ALL_ROLES
from app.extensions import db
from app.field import operations as ops
from app.field.models import ServiceTeam, Visit, VisitLevel, VisitParticipant

PAGE_SIZE = 50
ISSUE_FIELDS = ("category", "content")


def visit_json(visit: Visit) -> dict:
    return {
        "id": visit.id, "enterprise_code": visit.enterprise.credit_code,
        "enterprise_name": visit.enterprise.name, "visited_on": visit.visited_on.isoformat(),
        "level": visit.level.name, "level_label": visit.level.label,
        "team": visit.team.name if visit.team else None,
        "participants": [p.user.username for p in visit.participants],
        "companions": visit.companions, "heard": visit.heard,
        "cases": [link.case.tracking_no for link in visit.case_links],
        "photos": len(visit.photos), "recorded_by": visit.recorded_by.username,
        "created_at": instant(visit.created_at),
    }


def _issues(body) -> list[ops.Issue]:
    issues = body.get("issues") or []
    if not isinstance(issues, list) or not all(isinstance(i, dict) for i in issues):
        raise ApiError("invalid_field", "字段“issues”必须是对象的列表（category、content）",
                       field="issues")
    return [ops.Issue(params.category(i.get("category")), params.text(i, "content", required=True))
            for i in issues]


@bp.post("/visits")
def create_visit():
    """Record a visit; each of `issues` becomes a case (source visit) in the dispatch pool."""
    body = params.json_body()
    team_id = params.integer(body, "team")
    team = db.session.get(ServiceTeam, team_id) if team_id else None
    if team_id and team is None:
        raise ApiError("invalid_field", f"服务团“{team_id}”不存在", field="team")
    visited_on = params.iso_date(params.text(body, "visited_on", required=True), "visited_on")
    visit, _cases = ops.record_visit(
        current_user(), enterprise=params.enterprise(
            params.text(body, "enterprise_code", required=True)),
        visited_on=visited_on, level=params.choice(body.get("level"), VisitLevel, "level",
                                                   required=True),
        heard=params.text(body, "heard", required=True), team=team,
        companions=params.text(body, "companions"), with_leader=params.boolean(body, "with_leader"),
        issues=_issues(body), contact_name=params.text(body, "contact_name", max_length=64),
        contact_phone=params.text(body, "contact_phone", max_length=32))
    db.session.commit()
    return jsonify(visit_json(visit)), 201


@bp.get("/visits")
def list_visits():
    """Visits in [from, to) by visit date, newest first, 50 a page: all of them for the roles
    that see every case, else those the user went on."""
    args = request.args
    page = params.page_number(args.get("page"))
    query = select(Visit).order_by(Visit.visited_on.desc(), Visit.id.desc())
    date_from, date_to = params.iso_date(args.get("from"), "from"), params.iso_date(args.get("to"), "to")
    if date_from:
        query = query.where(Visit.visited_on >= date_from)
    if date_to:
        query = query.where(Visit.visited_on < date_to)
    enterprise = params.enterprise(args.get("enterprise_code"))
    if enterprise is not None:
        query = query.where(Visit.enterprise_id == enterprise.id)
    user = current_user()
    if user.role not in SEE_ALL_ROLES:
        query = query.where(Visit.id.in_(select(VisitParticipant.visit_id)
                                         .where(VisitParticipant.user_id == user.id)))
    pagination = db.paginate(query, page=page, per_page=PAGE_SIZE, error_out=False)
    return jsonify({"items": [visit_json(v) for v in pagination.items], "total": pagination.total,
                    "page": pagination.page, "pages": pagination.pages, "per_page": PAGE_SIZE})
