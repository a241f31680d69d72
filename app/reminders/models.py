import enum
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.types import UTCDateTime, enum_column_type
from app.extensions import db


class Notification(db.Model):
    """One message to one person. The unique dedupe_key — case, kind, recipient, deadline —
    is inserted before anything is sent, so a second scheduler finds it taken and sends nothing.

    A text message to a case's submitter (app/sms) has no recipient user: the submitter is no
    user, and the row's only delivery carries the phone number."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    case_id: Mapped[int | None] = mapped_column(ForeignKey("cases.id"), index=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    deadline_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    title: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    link: Mapped[str | None] = mapped_column(String(300))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    __table_args__ = (Index("ix_notifications_recipient_id_read_at", "recipient_id", "read_at"),)

    case = relationship("Case")
    recipient = relationship("User")
    deliveries = relationship("Delivery", back_populates="notification")


class DeliveryStatus(enum.Enum):
    pending = "待发送"
    sent = "已发送"
    failed = "发送失败"  # gave up after the last retry


class Delivery(db.Model):
    """One notification over one outside channel (e-mail, webhook, sms), retried with backoff."""

    __tablename__ = "deliveries"
    __table_args__ = (Index("ix_deliveries_status_next_attempt_at", "status", "next_attempt_at"),
                      # The SMS daily cap counts what one number was sent today (app/sms).
                      Index("ix_deliveries_target_sent_at", "target", "sent_at"))

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int] = mapped_column(ForeignKey("notifications.id"), index=True)
    channel: Mapped[str] = mapped_column(String(16))
    target: Mapped[str] = mapped_column(String(500))
    status: Mapped[DeliveryStatus] = mapped_column(enum_column_type(DeliveryStatus),
                                                   default=DeliveryStatus.pending)
    attempts: Mapped[int] = mapped_column(default=0)
    # Pending: when the next attempt is due. Failed: when the last attempt gave up.
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_error: Mapped[str | None] = mapped_column(Text)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    notification = relationship("Notification", back_populates="deliveries")


class SchedulerLease(db.Model):
    """Who runs the scheduler now (SQLite; PostgreSQL uses an advisory lock instead)."""

    __tablename__ = "scheduler_leases"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(40), unique=True)
    holder: Mapped[str] = mapped_column(String(100))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())



class SchedulerTick(db.Model):
    """When the active scheduler last finished a scan and how long it took, written where the
    scheduler runs so any host can read it (/readyz, /metrics)."""

    __tablename__ = "scheduler_ticks"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    holder: Mapped[str] = mapped_column(String(100))
    finished_at: Mapped[datetime] = mapped_column(UTCDateTime())
    duration_ms: Mapped[int]


# Keep cases.next_check_at in step with every case operation (a before_flush hook).
from app.reminders import timeline as _timeline  # noqa: E402,F401
