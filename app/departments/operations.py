"""Creating and editing departments; flush, never commit."""
from app.departments.models import Department, DepartmentKind
from app.extensions import db


NAME_MAX = Department.__table__.c.name.type.length
PHONE_MAX = Department.__table__.c.phone.type.length
SORT_ORDER_MAX = 9999


class DepartmentError(ValueError):
    """Invalid department data: `errors` maps each field to a Chinese message."""

    def __init__(self, errors: dict[str, str]):
        super().__init__("；".join(errors.values()))
        self.errors = errors


def save_department(values: dict, department: Department | None = None) -> Department:
    errors = {}
    code = (values.get("code") or "").strip().upper()
    name = (values.get("name") or "").strip()
    if not code:
        errors["code"] = "部门代码不能为空"
    elif not code.replace("_", "").isalnum() or len(code) > 32:
        errors["code"] = "部门代码只能由字母、数字、下划线组成，最多32位"
    if not name:
        errors["name"] = "部门名称不能为空"
    elif len(name) > NAME_MAX:
        errors["name"] = f"部门名称不能超过{NAME_MAX}字，当前{len(name)}字"
    phone = (values.get("phone") or "").strip()
    if len(phone) > PHONE_MAX:
        errors["phone"] = f"电话不能超过{PHONE_MAX}位"
    sort_order = str(values.get("sort_order") or "0").strip()
    if not sort_order.isdigit() or int(sort_order) > SORT_ORDER_MAX:
        errors["sort_order"] = f"排序须为0到{SORT_ORDER_MAX}之间的整数"
    if not isinstance(values.get("kind"), DepartmentKind):
        errors["kind"] = "请选择部门类型"
    for field, value in (("code", code), ("name", name)):
        if value and field not in errors:
            other = db.session.execute(
                db.select(Department.id).filter_by(**{field: value})).scalar()
            if other and (department is None or other != department.id):
                errors[field] = f"“{value}”已被其他部门使用"
    if errors:
        raise DepartmentError(errors)
    department = department or Department()
    department.code, department.name, department.kind = code, name, values["kind"]
    department.phone = phone or None
    department.sort_order = int(sort_order)
    department.is_active = bool(values.get("is_active", True))
    db.session.add(department)
    db.session.flush()
    return department
