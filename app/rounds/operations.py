"""Every change to an evaluation round: open it, answer it (from a card or the round link),
close it. A suggestion becomes a case through app.cases.operations.submit_case.

Like the case operations they check the rule, change the rows and flush; the caller commits."""
import hashlib
import secrets
from collections.abc import Mapping
from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError

from app.auth.models import User
from app.auth.queries import OFFICE_ROLES
from app.cases import operations as case_ops
from app.cases.errors import CaseActionError
from app.cases.models import AuditEvent, CaseSource, Category, Rating
from app.cases.queries import category_by_code
from app.core.clock import utcnow
from app.departments.models import Department
from app.enterprises.credit_code import credit_code_error, normalize_credit_code
from app.enterprises.models import Enterprise
from app.extensions import db
from app.figures.queries import DATE_RANGE_MESSAGE, date_in_range
from app.meetings.operations import _names
from app.rounds.models import (EvaluationRound, RoundAnswer, RoundDepartment, RoundScore,
                               RoundState, RoundSuggestion)

TITLE_MAX = EvaluationRound.__table__.c.title.type.length
DIMENSION_MAX = RoundScore.__table__.c.dimension.type.length
NAME_MAX = RoundAnswer.__table__.c.enterprise_name.type.length
DIMENSIONS_MAX = 6
DEPARTMENTS_MAX = 40
CLOSED_MESSAGE = "本轮评议已结束，感谢您的关注"


class AnswerRefused(Exception):
    """An answer that cannot be saved: every problem at once, by form field."""

    def __init__(self, errors: dict[str, str], status: int = 400):
        super().__init__("；".join(errors.values()))
        self.errors, self.status = errors, status


def _refuse(code, message, status=400, field=None):
    raise CaseActionError(code, message, status=status, field=field)


def _audit(actor: User | None, action: str, note: str, data: dict, *, case=None, now=None):
    db.session.add(AuditEvent(case=case, actor=actor,
                              actor_label=actor.display_name if actor else case_ops.SUBMITTER,
                              action=action, note=note, data=data, created_at=now or utcnow()))


def rating_field(department_id: int, index: int) -> str:
    """The form field that rates a department on the round's index-th dimension."""
    return f"r-{department_id}-{index}"


# --- the office ----------------------------------------------------------------------------

def _dimensions(lines) -> list[str]:
    names = _names(lines)  # one a line, or separated by 、，,
    if not names:
        _refuse("missing_field", "请至少填写一个评议维度（如：服务效率）", field="dimensions")
    if len(names) > DIMENSIONS_MAX:
        _refuse("too_many", f"评议维度不能超过{DIMENSIONS_MAX}个", field="dimensions")
    for name in names:
        if len(name) > DIMENSION_MAX:
            _refuse("too_long", f"评议维度名称不能超过{DIMENSION_MAX}字：{name[:20]}", field="dimensions")
    return names


def open_round(actor: User, *, title, starts_on: date | None, ends_on: date | None,
               departments: list[Department], dimensions, now=None) -> EvaluationRound:
    """Open a round: enterprises may answer from their cards and the round link at once."""
    if actor is None or actor.role not in OFFICE_ROLES:
        _refuse("wrong_role", "您的角色无权发起专项评议", 403)
    title = case_ops._require_text(title if isinstance(title, str) else None, "missing_field",
                                   "请填写评议名称", "title", max_length=TITLE_MAX, label="评议名称")
    if not isinstance(starts_on, date) or not isinstance(ends_on, date):
        _refuse("missing_field", "请填写评议起止日期", field="period")
    if not (date_in_range(starts_on) and date_in_range(ends_on)):
        _refuse("invalid_field", f"评议日期：{DATE_RANGE_MESSAGE}", field="period")
    if ends_on < starts_on:
        _refuse("invalid_field", "结束日期不能早于开始日期", field="period")
    departments = list(dict.fromkeys(d for d in departments if d is not None and d.is_active))
    if not departments:
        _refuse("missing_field", "请至少选择一个被评议部门", field="departments")
    if len(departments) > DEPARTMENTS_MAX:
        _refuse("too_many", f"被评议部门不能超过{DEPARTMENTS_MAX}个", field="departments")
    now = now or utcnow()
    round_ = EvaluationRound(title=title, starts_on=starts_on, ends_on=ends_on,
                             dimensions=_dimensions(dimensions), state=RoundState.open,
                             public_token=secrets.token_urlsafe(16), opened_at=now,
                             created_by=actor)
    for position, department in enumerate(departments, 1):
        round_.departments.append(RoundDepartment(department=department, position=position))
    db.session.add(round_)
    db.session.flush()
    _audit(actor, "open_round", f"{title}（{starts_on.isoformat()}至{ends_on.isoformat()}，"
           f"{len(departments)}个部门）", {"round_id": round_.id}, now=now)
    db.session.flush()
    return round_


def close_round(round_: EvaluationRound, actor: User, now=None) -> EvaluationRound:
    """Close a round: no answer is taken or changed after this."""
    if actor is None or actor.role not in OFFICE_ROLES:
        _refuse("wrong_role", "您的角色无权结束专项评议", 403)
    if not round_.is_open:
        _refuse("wrong_state", "本轮评议已经结束", 409)
    now = now or utcnow()
    round_.state, round_.closed_at = RoundState.closed, now
    _audit(actor, "close_round", round_.title, {"round_id": round_.id}, now=now)
    db.session.flush()
    return round_


# --- the enterprises -----------------------------------------------------------------------

def _ratings(round_: EvaluationRound, values: Mapping, errors: dict) -> dict[tuple[int, str], Rating]:
    ratings = {}
    for link in round_.departments:
        for index, dimension in enumerate(round_.dimensions):
            name = values.get(rating_field(link.department_id, index)) or ""
            if not name:
                continue  # a department the enterprise has not dealt with may stay unrated
            if name not in Rating.__members__:
                errors["ratings"] = "评价选项无法识别，请重新选择"
                continue
            ratings[(link.department_id, dimension)] = Rating[name]
    if not ratings and "ratings" not in errors:
        errors["ratings"] = "请至少为一个部门打分"
    return ratings


def _suggestion(values: Mapping, errors: dict) -> dict | None:
    """The suggestion's fields, checked like the case form's, or None without one."""
    content = (values.get("suggestion") or "").strip()
    if not content:
        return None
    phone = (values.get("contact_phone") or "").strip()
    checks = {
        "category": lambda: category_by_code(values.get("category")) or _refuse(
            "invalid_input", "请选择意见建议的类别", field="category"),
        "suggestion": lambda: case_ops.validate_content(content),
        "contact_phone": lambda: case_ops.validate_phone(phone, not phone),
        "contact_name": lambda: case_ops._limit_text(values.get("contact_name"),
                                                     case_ops.CONTACT_NAME_MAX, "称呼", "contact_name"),
    }
    checked = {}
    for field, check in checks.items():
        try:
            checked[field] = check()
        except CaseActionError as refused:
            errors[field] = refused.message
    return checked if len(checked) == len(checks) else None


def _link_identity(values: Mapping, errors: dict) -> tuple[str | None, str | None]:
    name = (values.get("enterprise_name") or "").strip()
    if not name:
        errors["enterprise_name"] = "请填写企业名称"
    elif len(name) > NAME_MAX:
        errors["enterprise_name"] = f"企业名称不能超过{NAME_MAX}字"
    code = values.get("credit_code") or ""
    problem = credit_code_error(code)
    if problem:
        errors["credit_code"] = problem
        return name, None
    return name, normalize_credit_code(code)


def answer_errors(round_: EvaluationRound, values: Mapping, *, by_link: bool) -> dict[str, str]:
    """Every problem the answer's fields have, by field (the page names them all at once)."""
    errors = {}
    if by_link:
        _link_identity(values, errors)
    _ratings(round_, values, errors)
    _suggestion(values, errors)
    return errors


def find_answer(round_: EvaluationRound, *, enterprise_id=None, credit_code=None) -> RoundAnswer | None:
    conditions = []
    if enterprise_id is not None:
        conditions.append(RoundAnswer.enterprise_id == enterprise_id)
    if credit_code:
        conditions.append(RoundAnswer.credit_code == credit_code)
    if not conditions:
        return None
    return db.session.execute(select(RoundAnswer).where(
        RoundAnswer.round_id == round_.id, or_(*conditions)).limit(1)).scalar_one_or_none()


def save_answer(round_: EvaluationRound, values: Mapping, *, card=None, may_change=(),
                now=None) -> tuple[RoundAnswer, bool]:
    """Record (or change) an enterprise's answer; returns (answer, created).

    From a card (`card`, the public snapshot), the card's enterprise answers and may change its
    answer until the round closes. From the round link, the enterprise gives its name and
    credit code; one answer per credit code (and per registered enterprise), changed only from
    the browser that gave it (`may_change`: its answer ids) — a credit code is public, so
    anyone else typing it is refused. Raises AnswerRefused with every problem at once."""
    if not round_.is_open:
        raise AnswerRefused({"form": CLOSED_MESSAGE}, 409)
    now = now or utcnow()
    errors = {}
    enterprise = None
    name = code = None
    if card is not None:
        if card.enterprise is None or card.is_revoked:
            raise AnswerRefused({"form": "这张码不能参加评议，请使用评议链接"}, 403)
        enterprise = db.session.get(Enterprise, card.enterprise.id)
        code = enterprise.credit_code
    else:
        name, code = _link_identity(values, errors)
    ratings = _ratings(round_, values, errors)
    suggestion = _suggestion(values, errors)
    if errors:
        raise AnswerRefused(errors)
    if card is None:
        enterprise = db.session.execute(select(Enterprise).filter_by(credit_code=code).limit(1)
                                        ).scalar_one_or_none()
    answer = find_answer(round_, enterprise_id=enterprise.id if enterprise else None,
                         credit_code=code)
    if answer is not None and card is None and answer.id not in may_change:
        raise AnswerRefused({"credit_code": "该统一社会信用代码已参加本轮评议，每家企业只能评议一次"
                             "（持有企业码的企业可扫企业码修改评议）"}, 409)
    created = answer is None
    if created:
        answer = RoundAnswer(round=round_, enterprise=enterprise, credit_code=code,
                             card_id=card.id if card is not None else None,
                             enterprise_name=name if card is None else None, created_at=now)
        db.session.add(answer)
    answer.updated_at = now
    _set_scores(answer, ratings)
    try:
        with db.session.begin_nested():
            db.session.flush()
    except IntegrityError:  # a concurrent first answer of the same enterprise won
        raise AnswerRefused({"form": "本企业刚刚已提交评议，请刷新页面后查看"}, 409) from None
    if suggestion is not None:
        _suggest(round_, answer, suggestion, enterprise=enterprise, card=card, name=name, now=now)
    return answer, created


def _set_scores(answer: RoundAnswer, ratings: dict):
    """Change the scores in place (the unit of work inserts before it deletes, so replacing
    a row by a new one of the same key would break the unique constraint)."""
    existing = {(s.department_id, s.dimension): s for s in answer.scores}
    for key, score in existing.items():
        if key in ratings:
            score.rating = ratings[key]
        else:
            answer.scores.remove(score)
    for (department_id, dimension), rating in ratings.items():
        if (department_id, dimension) not in existing:
            answer.scores.append(RoundScore(department_id=department_id, dimension=dimension,
                                            rating=rating))


def _suggest(round_, answer, suggestion, *, enterprise, card, name, now):
    """The suggestion as a case of source `review`; the same text from the same answer twice
    (a resend, an unchanged suggestion when the scores change) stays one case."""
    content, phone = suggestion["suggestion"], suggestion["contact_phone"]
    digest = hashlib.sha256(content.encode()).hexdigest()[:40]
    category = db.session.get(Category, suggestion["category"].id)
    case, created = case_ops.submit_case(
        source=CaseSource.review, category=category, content=content, enterprise=enterprise,
        card=card, enterprise_name_given=None if enterprise else name,
        contact_name=suggestion["contact_name"], contact_phone=phone, is_anonymous=not phone,
        submission_key=f"round:{answer.id}:{digest}", now=now)
    if created:
        db.session.add(RoundSuggestion(round_id=round_.id, answer_id=answer.id, case_id=case.id,
                                       created_at=now))
        _audit(None, "from_round", f"{round_.title}征集的意见建议", {"round_id": round_.id},
               case=case, now=now)
        db.session.flush()
    return case
