from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.types import UTCDateTime
from app.extensions import db


class Enterprise(db.Model):
    __tablename__ = "enterprises"
    # What snapshots kept between requests are made of (app/core/refcache.py).
    __reference_columns__ = ("name",)

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200), unique=True)
    credit_code: Mapped[str] = mapped_column(String(18), unique=True)
    industry: Mapped[str | None] = mapped_column(String(64))
    township_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"), index=True)
    address: Mapped[str | None] = mapped_column(String(300))
    contact_name: Mapped[str | None] = mapped_column(String(64))
    contact_phone: Mapped[str | None] = mapped_column(String(32))
    is_monitoring_point: Mapped[bool] = mapped_column(default=False)
    is_key_enterprise: Mapped[bool] = mapped_column(default=False)
    responsible_department_id: Mapped[int | None] = mapped_column(
        ForeignKey("departments.id"), index=True)
    package_leader_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    township = relationship("Department", foreign_keys=[township_id])
    responsible_department = relationship("Department", foreign_keys=[responsible_department_id])
    package_leader = relationship("User")

    def __repr__(self):
        return f"<Enterprise {self.credit_code} {self.name}>"
