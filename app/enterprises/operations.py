"""Creating and updating enterprises with validated fields; flush, never commit."""
import re

from app.enterprises.credit_code import credit_code_error, normalize_credit_code
from app.enterprises.models import Enterprise
from app.extensions import db

PHONE_RE = re.compile(r"^(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
EDITABLE_FIELDS = ("name", "credit_code", "industry", "township", "address", "contact_name",
                   "contact_phone", "is_monitoring_point", "is_key_enterprise",
                   "responsible_department", "package_leader")
# Free-text fields and their names in messages; the column's length is the limit.
TEXT_FIELDS = {"name": "企业名称", "industry": "所属行业", "address": "地址",
               "contact_name": "联系人"}


class EnterpriseError(ValueError):
    """Invalid enterprise data: `errors` maps each field to a Chinese message naming it."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(errors.values()))
        self.errors = errors


def enterprise_errors(values: dict, existing: Enterprise | None = None) -> dict[str, str]:
    """Every problem with `values`, by field; empty when they may be saved."""
    errors = {}
    for field, label in TEXT_FIELDS.items():
        text = (values.get(field) or "").strip()
        maximum = Enterprise.__table__.c[field].type.length
        if len(text) > maximum:
            errors[field] = f"{label}不能超过{maximum}字，当前{len(text)}字"
        elif "\x00" in text:
            errors[field] = f"{label}含有无效的空字符"
    name = (values.get("name") or "").strip()
    if not name and "name" not in errors:
        errors["name"] = "企业名称不能为空"
    code_error = credit_code_error(values.get("credit_code"))
    if code_error:
        errors["credit_code"] = code_error
    phone = (values.get("contact_phone") or "").strip()
    if phone and not PHONE_RE.match(phone):
        errors["contact_phone"] = "联系电话格式不正确（手机号或带区号的座机）"
    if name and "name" not in errors:
        other = db.session.execute(db.select(Enterprise.id).filter_by(name=name)).scalar()
        if other and (existing is None or other != existing.id):
            errors["name"] = f"企业名称“{name}”已存在"
    if "credit_code" not in errors:
        code = normalize_credit_code(values["credit_code"])
        other = db.session.execute(db.select(Enterprise.id).filter_by(credit_code=code)).scalar()
        if other and (existing is None or other != existing.id):
            errors["credit_code"] = f"统一社会信用代码{code}已被其他企业使用"
    return errors


def save_enterprise(values: dict, enterprise: Enterprise | None = None) -> Enterprise:
    """Create (or update) an enterprise; raise EnterpriseError naming every bad field."""
    errors = enterprise_errors(values, enterprise)
    if errors:
        raise EnterpriseError(errors)
    enterprise = enterprise or Enterprise()
    for field in EDITABLE_FIELDS:
        if field in values:
            setattr(enterprise, field, values[field])
    enterprise.name = enterprise.name.strip()
    enterprise.credit_code = normalize_credit_code(enterprise.credit_code)
    db.session.add(enterprise)
    db.session.flush()
    return enterprise
