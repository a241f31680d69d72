"""Reading a request: the JSON body, typed fields and codes, each refusal a clear ApiError."""
import enum
from datetime import date

from flask import request
from sqlalchemy import or_
from werkzeug.exceptions import BadRequest

from app.api.errors import ApiError
from app.auth.models import User
from app.cases.models import Category
from app.departments.models import Department
from app.enterprises.models import Enterprise
from app.enterprises.queries import enterprise_by_credit_code
from app.extensions import db


def json_body() -> dict:
    """The request's JSON object; anything else is a 400, not a crash: `invalid_json` when the
    body does not parse (malformed, or nested too deeply: app/core/json_provider.py),
    `bad_json` when it is missing, not declared as JSON, or not an object."""
    wrong = ApiError("bad_json", "请求体必须是JSON对象（Content-Type: application/json）")
    if not request.is_json or not request.get_data(cache=True):
        raise wrong
    try:
        body = request.get_json()
    except BadRequest:
        raise ApiError("invalid_json", "请求体不是有效的JSON（格式错误或嵌套过深）") from None
    if not isinstance(body, dict):
        raise wrong
    return body


def text(body: dict, name: str, *, required=False, max_length=None, label=None) -> str | None:
    """A string field; None when absent and optional. Emptiness rules stay with the operations."""
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError("missing_field", f"缺少字段“{label or name}”", field=name)
        return None
    if not isinstance(value, str):
        raise ApiError("invalid_field", f"字段“{label or name}”必须是文本", field=name)
    if max_length and len(value) > max_length:
        raise ApiError("invalid_field", f"字段“{label or name}”不能超过{max_length}个字符",
                       field=name)
    return value


def choice(value, enum_cls: type[enum.Enum], name: str, *, required=False):
    """An enum member given by its name (e.g. "urgent"); a wrong name lists the right ones."""
    if value is None or value == "":
        if required:
            raise ApiError("missing_field", f"缺少字段“{name}”", field=name)
        return None
    member = enum_cls.__members__.get(value) if isinstance(value, str) else None
    if member is None:
        allowed = "、".join(enum_cls.__members__)
        raise ApiError("invalid_choice", f"字段“{name}”的取值无效，可选：{allowed}", field=name)
    return member


def boolean(body: dict, name: str, default=False) -> bool:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, bool):
        raise ApiError("invalid_field", f"字段“{name}”必须是 true 或 false", field=name)
    return value


def integer(body: dict, name: str, *, required=False) -> int | None:
    value = body.get(name)
    if value is None:
        if required:
            raise ApiError("missing_field", f"缺少字段“{name}”", field=name)
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ApiError("invalid_field", f"字段“{name}”必须是整数", field=name)
    return value


def iso_date(value: str | None, name: str) -> date | None:
    if not value:
        return None
    from app.figures.queries import DATE_RANGE_MESSAGE, date_in_range
    try:
        day = date.fromisoformat(value)
    except ValueError:
        raise ApiError("invalid_field", f"参数“{name}”应为日期，格式如 2026-01-31",
                       field=name) from None
    if not date_in_range(day):
        raise ApiError("invalid_field", f"参数“{name}”：{DATE_RANGE_MESSAGE}", field=name)
    return day


PAGE_MAX = 100000


def page_number(value: str | None, name="page") -> int:
    """A page number 1..PAGE_MAX from the query string (digits only, so "²" is refused)."""
    value = value or "1"
    if not value.isdecimal() or not 1 <= int(value) <= PAGE_MAX:
        raise ApiError("invalid_field", f"参数“{name}”应为1至{PAGE_MAX}之间的整数", field=name)
    return int(value)


def department(code, name="department") -> Department | None:
    if code is None or code == "":
        return None
    found = (db.session.execute(db.select(Department).filter_by(code=code, is_active=True))
             .scalar_one_or_none() if isinstance(code, str) else None)
    if found is None:
        raise ApiError("unknown_department", f"部门代码“{code}”不存在或已停用", field=name)
    return found


def departments(codes, name="co_departments") -> list[Department]:
    if codes is None:
        return []
    if not isinstance(codes, list):
        raise ApiError("invalid_field", f"字段“{name}”必须是部门代码的列表", field=name)
    return [department(code, name) for code in codes]


def category(value) -> Category:
    if value is None or value == "":
        raise ApiError("missing_field", "缺少字段“category”（问题类别代码或名称）", field="category")
    found = (db.session.execute(db.select(Category).where(
        or_(Category.code == value, Category.name == value))).scalar_one_or_none()
        if isinstance(value, str) else None)
    if found is None:
        raise ApiError("unknown_category", f"问题类别“{value}”不存在", field="category")
    return found


def enterprise(credit_code) -> Enterprise | None:
    if credit_code is None or credit_code == "":
        return None
    found = enterprise_by_credit_code(credit_code) if isinstance(credit_code, str) else None
    if found is None:
        raise ApiError("unknown_enterprise", f"统一社会信用代码“{credit_code}”对应的企业不存在",
                       field="enterprise_code")
    return found


def user(username, name="assignee") -> User:
    if username is None or username == "":
        raise ApiError("missing_field", f"缺少字段“{name}”（用户名）", field=name)
    found = (db.session.execute(db.select(User).filter_by(username=username))
             .scalar_one_or_none() if isinstance(username, str) else None)
    if found is None:
        raise ApiError("unknown_user", f"用户“{username}”不存在", field=name)
    return found
