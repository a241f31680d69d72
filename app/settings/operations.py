"""Office-edited reference settings: time limits and the category → department table."""
from app.cases.models import Category
from app.departments.models import Department
from app.extensions import db
from app.settings.models import LimitUnit, Setting, TimeLimit

MAX_AMOUNT = {LimitUnit.minutes: 60 * 24 * 30, LimitUnit.hours: 24 * 60, LimitUnit.workdays: 60}


def setting_value(key: str) -> str | None:
    """The stored text of a `settings` row, or None when the office never set it."""
    return db.session.execute(db.select(Setting.value).filter_by(key=key)).scalar_one_or_none()


def store_setting(key: str, value: str) -> None:
    """Insert or update one `settings` row (already validated); flush, never commit."""
    row = db.session.execute(db.select(Setting).filter_by(key=key)).scalar_one_or_none()
    if row is None:
        db.session.add(Setting(key=key, value=value))
    else:
        row.value = value
    db.session.flush()


class SettingError(ValueError):
    """A refused setting change, with a Chinese message."""


def set_time_limit(limit: TimeLimit, amount, unit: LimitUnit) -> TimeLimit:
    """Change one time limit; minutes allow a drill, working days are the normal case."""
    try:
        amount = int(amount)
    except (TypeError, ValueError):
        raise SettingError(f"{limit.label}：请填写整数")
    if not isinstance(unit, LimitUnit):
        raise SettingError(f"{limit.label}：请选择单位")
    if amount < 0 or amount > MAX_AMOUNT[unit]:
        raise SettingError(f"{limit.label}：应在0至{MAX_AMOUNT[unit]}{unit.value}之间")
    if amount == 0 and limit.key not in ("handle_urgent",):
        raise SettingError(f"{limit.label}：不能为0")
    limit.amount, limit.unit = amount, unit
    db.session.flush()
    return limit


def set_category_department(category: Category, department: Department | None) -> Category:
    if department is not None and not department.is_active:
        raise SettingError(f"{department.name}已停用，不能作为默认部门")
    category.default_department = department
    db.session.flush()
    return category


class SettingErrors(ValueError):
    """Refusals for several rows of one table, by row id, in Chinese."""

    def __init__(self, errors: dict[int, str]):
        super().__init__("；".join(errors.values()))
        self.errors = errors


def _each(items, change) -> int:
    """Apply `change` to every item; all or nothing: raise every refusal at once."""
    errors, changed = {}, 0
    for row, *values in items:
        try:
            changed += change(row, *values)
        except SettingError as exc:
            errors[row.id] = str(exc)
    if errors:
        raise SettingErrors(errors)
    return changed


def set_time_limits(items) -> int:
    """The time-limits table saved at once: [(limit, amount, unit), ...]; how many changed."""
    def change(limit, amount, unit):
        before = (limit.amount, limit.unit)
        set_time_limit(limit, amount, unit)
        return (limit.amount, limit.unit) != before
    return _each(items, change)


def set_category_departments(items) -> int:
    """The categories table saved at once: [(category, department or None), ...]."""
    def change(category, department):
        before = category.default_department_id
        set_category_department(category, department)
        return category.default_department_id != before
    return _each(items, change)
