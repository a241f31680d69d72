"""What the submitter's status page shows: a public timeline, never internal notes."""
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import bindparam, select
from sqlalchemy.orm import joinedload

from app.cards.models import Card, CardKind
from app.cases.models import AuditEvent, Case, CaseState, Rating
from app.core.refcache import cached
from app.departments.models import Department
from app.extensions import db


@dataclass
class Step:
    at: datetime
    title: str
    text: str | None = None
    photos: list = field(default_factory=list)
    current: bool = False


def _department_name(department_id):
    department = db.session.get(Department, department_id) if department_id else None
    return department.name if department else "承办部门"


def public_timeline(case: Case) -> list[Step]:
    """The case's progress as the submitter may see it, newest first."""
    steps = []
    for event in case.events:
        step = _step_for(event)
        if step is not None:
            steps.append(step)
    rework_replies = {row.rework_reply_id for row in case.rating_history}
    for reply in case.replies:
        if reply.is_public:
            steps.append(Step(reply.created_at,
                              "整改反馈" if reply.id in rework_replies else "已答复",
                              reply.content, [a for a in reply.attachments]))
    steps.sort(key=lambda s: s.at, reverse=True)
    if steps:
        steps[0].current = True
    return steps


def _step_for(event: AuditEvent) -> Step | None:
    data = event.data or {}
    if event.action == "submit":
        return Step(event.created_at, "已提交", "营商办已收到您的反映")
    if event.action == "dispatch":
        return Step(event.created_at, "已派发", f"转交{_department_name(event.department_id)}办理")
    if event.action == "sign":
        return Step(event.created_at, "已签收", f"{_department_name(event.department_id)}正在办理")
    if event.action == "return":
        return Step(event.created_at, "重新派发中", "营商办正在重新确定承办部门")
    if event.action == "approve_extension":
        return Step(event.created_at, "办理期限延长", "承办部门申请延期，已获批准")
    if event.action == "rate":
        label = Rating[data["rating"]].label if data.get("rating") in Rating.__members__ else ""
        text = f"您的评价：{label}" + (f"。{event.note}" if event.note else "")
        if data.get("reopened"):
            return Step(event.created_at, "不满意，已重新办理", text)
        return Step(event.created_at, "已办结", text)
    if event.action == "follow_up_rate":
        label = Rating[data["rating"]].label if data.get("rating") in Rating.__members__ else ""
        return Step(event.created_at, "已办结", f"您的追评：{label}" + (
            f"。{event.note}" if event.note else ""))
    if event.action == "callback":
        return Step(event.created_at, "营商办已回访", "营商办已就您的评价进行回访")
    if event.action == "close_unrated":
        return Step(event.created_at, "已办结", "答复后未评价，已自动办结")
    if event.action == "mark_invalid":
        return Step(event.created_at, "已办结", f"经核实不予受理：{event.note or ''}")
    return None  # urging, supervision, internal opinions: the office's own business


# Built once, run with new parameters: a statement object that is reused skips SQLAlchemy's
# construction and cache-key work (~0.1 ms a query).
CARD_BY_TOKEN = (select(Card).options(joinedload(Card.enterprise))
                 .where(Card.token == bindparam("token")))


@dataclass(frozen=True)
class PublicEnterprise:
    id: int
    name: str


@dataclass(frozen=True)
class PublicCard:
    """What the public pages and a submission need of a card: a snapshot, kept between
    requests (app/core/refcache.py), never an ORM object."""
    id: int
    token: str
    serial: str
    kind: CardKind
    title: str | None
    revoked_at: datetime | None
    enterprise: PublicEnterprise | None

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


def public_card(token: str) -> PublicCard | None:
    """The card behind /q/<token>, with its enterprise (every public page names it)."""
    return cached(("card", token), lambda: _load_public_card(token))


def _load_public_card(token: str) -> PublicCard | None:
    card = db.session.execute(CARD_BY_TOKEN, {"token": token}).scalar_one_or_none()
    if card is None:
        return None
    enterprise = card.enterprise
    return PublicCard(card.id, card.token, card.serial, card.kind, card.title, card.revoked_at,
                      PublicEnterprise(enterprise.id, enterprise.name) if enterprise else None)


def is_finished(case: Case) -> bool:
    return case.state in (CaseState.closed, CaseState.invalid)


def my_cases(tracking_nos: list[str]) -> list[dict]:
    """What 我的反馈 shows of the cases one browser has opened: state, and whether a rating is
    awaited (a replied case), newest first."""
    if not tracking_nos:
        return []
    cases = db.session.scalars(select(Case).where(Case.tracking_no.in_(tracking_nos))
                               .order_by(Case.submitted_at.desc()))
    return [{"no": c.tracking_no, "state": c.state.label, "finished": is_finished(c),
             "awaits_rating": c.state is CaseState.replied} for c in cases]
