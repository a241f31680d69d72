import enum

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.types import enum_column_type
from app.extensions import db


class DepartmentKind(enum.Enum):
    lead = "牵头部门"          # the 7 lead departments of the business-environment work
    functional = "职能部门"    # bureaus that handle cases
    township = "乡镇街道"      # townships: handle cases and locate enterprises

    @property
    def label(self):
        return self.value


class Department(db.Model):
    __tablename__ = "departments"
    # What snapshots kept between requests are made of (app/core/refcache.py).
    __reference_columns__ = ("code", "webhook_url")

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(32), unique=True)
    name: Mapped[str] = mapped_column(String(100), unique=True)
    kind: Mapped[DepartmentKind] = mapped_column(enum_column_type(DepartmentKind))
    phone: Mapped[str | None] = mapped_column(String(32))
    webhook_url: Mapped[str | None] = mapped_column(String(500))
    is_active: Mapped[bool] = mapped_column(default=True)
    # The county's own order within a kind (its official list: 发改 before 审批 …), set by the
    # admin; lists and pickers sort by kind, then this, never by the ASCII code.
    sort_order: Mapped[int] = mapped_column(default=0, server_default="0")

    def __repr__(self):
        return f"<Department {self.code} {self.name}>"
