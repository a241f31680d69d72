import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.types import UTCDateTime, enum_column_type
from app.extensions import db


class CardKind(enum.Enum):
    enterprise = "企业码"
    hall = "大厅码"


class CardBatch(db.Model):
    """One print run: who printed which cards, when, in which layout."""

    __tablename__ = "card_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    layout: Mapped[str] = mapped_column(String(16), default="card")
    card_count: Mapped[int] = mapped_column(default=0)
    note: Mapped[str | None] = mapped_column(String(200))
    # The public base URL the batch's QR codes point to (app/settings/public_url.py).
    base_url: Mapped[str | None] = mapped_column(String(200))

    created_by = relationship("User")


class Card(db.Model):
    __tablename__ = "cards"
    # What snapshots kept between requests are made of (app/core/refcache.py).
    __reference_columns__ = ("token", "serial", "kind", "enterprise_id", "title", "revoked_at")

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(String(64), unique=True)
    serial: Mapped[str] = mapped_column(String(16), unique=True)
    kind: Mapped[CardKind] = mapped_column(enum_column_type(CardKind))
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"), index=True)
    title: Mapped[str | None] = mapped_column(String(100))  # hall cards: where the poster hangs
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("card_batches.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoke_reason: Mapped[str | None] = mapped_column(String(200))
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"))

    enterprise = relationship("Enterprise")
    batch = relationship("CardBatch")
    replaced_by = relationship("Card", remote_side=[id])

    @property
    def is_revoked(self):
        return self.revoked_at is not None


class PrintJobState(enum.Enum):
    queued = "排队中"
    running = "生成中"
    done = "已完成"
    failed = "失败"


class CardPrintJob(db.Model):
    """A large web batch built in the background: the row says how far it got (any worker or
    host can answer the page's polls), the file waits in MEDIA_ROOT/tmp for its download."""

    __tablename__ = "card_print_jobs"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # The builder's heartbeat: a queued or running job not touched for CARD_JOB_STALL_SECONDS
    # lost its worker (restart, crash) and is shown as failed, with a button to build it again.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    state: Mapped[PrintJobState] = mapped_column(enum_column_type(PrintJobState),
                                                 default=PrintJobState.queued)
    layout: Mapped[str] = mapped_column(String(16), default="card")
    output: Mapped[str] = mapped_column(String(8), default="pdf")
    enterprise_ids: Mapped[list] = mapped_column(JSON)  # the selection when the button was pressed
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    file_name: Mapped[str | None] = mapped_column(String(100))  # under MEDIA_ROOT/tmp
    error: Mapped[str | None] = mapped_column(String(200))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("card_batches.id"))

    created_by = relationship("User")
    batch = relationship("CardBatch")
