import enum

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from app.core.types import enum_column_type
from app.extensions import db


class LimitUnit(enum.Enum):
    minutes = "分钟"
    hours = "小时"
    workdays = "工作日"


class TimeLimit(db.Model):
    """One time limit of DESIGN §4: an amount and a unit, edited by the office."""

    __tablename__ = "time_limits"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    label: Mapped[str] = mapped_column(String(64))
    amount: Mapped[int]
    unit: Mapped[LimitUnit] = mapped_column(enum_column_type(LimitUnit))


class Setting(db.Model):
    """Office-editable text settings such as branding (county name, brand, slogan, hotline)."""

    __tablename__ = "settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(64), unique=True)
    value: Mapped[str] = mapped_column(Text)
