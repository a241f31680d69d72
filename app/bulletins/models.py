"""《代表声音》: numbered bulletins of deputies' suggestions, each item with a leader's 批示."""
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.types import UTCDateTime
from app.extensions import db


class Bulletin(db.Model):
    __tablename__ = "bulletins"

    id: Mapped[int] = mapped_column(primary_key=True)
    issue_no: Mapped[int] = mapped_column(unique=True)  # 期
    title: Mapped[str] = mapped_column(String(200))
    issued_on: Mapped[date] = mapped_column(Date, index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    created_by = relationship("User")
    items = relationship("BulletinItem", back_populates="bulletin",
                         order_by="BulletinItem.position", cascade="all, delete-orphan")


class BulletinItem(db.Model):
    """A deputy's suggestion (a case of source `deputy`) in a bulletin, and its 批示."""

    __tablename__ = "bulletin_items"

    id: Mapped[int] = mapped_column(primary_key=True)
    bulletin_id: Mapped[int] = mapped_column(ForeignKey("bulletins.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    position: Mapped[int] = mapped_column(default=0)
    instruction: Mapped[str | None] = mapped_column(Text)  # 批示
    instruction_leader: Mapped[str | None] = mapped_column(String(64))
    instruction_on: Mapped[date | None] = mapped_column(Date)
    instructed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    bulletin = relationship("Bulletin", back_populates="items")
    case = relationship("Case")
