"""The rating history (好差评): every rating an enterprise gave a case, and the 差评 loop
each unsatisfied first rating starts — 回访, 整改, 整改反馈, one 追评 — and its 申诉复核."""
import enum
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.models import Rating
from app.core.clock import utcnow
from app.core.types import UTCDateTime, enum_column_type
from app.extensions import db


class RatingChannel(enum.Enum):
    """Where the enterprise's rating came from: only the enterprise rates."""
    card = "企业码"  # the phone that scanned the card and submitted the case
    status_page = "查询页面"  # the status page, opened with 受理编号 and 查询码
    phone = "12345电话"  # the office's 12345 staff recording what the enterprise said by phone

    @property
    def label(self):
        return self.value


class ReasonTag(enum.Enum):
    """Why a 差评 (不满意, 非常不满意): at least one is required."""
    slow = "办理不及时"
    unresolved = "未解决问题"
    attitude = "态度不好"
    unclear = "答复不清楚"
    other = "其他"

    @property
    def label(self):
        return self.value


class AppealKind(enum.Enum):
    mistaken = "误评"
    malicious = "恶意差评"

    @property
    def label(self):
        return self.value


class AppealState(enum.Enum):
    none = "未申诉"
    pending = "待复核"
    upheld = "申诉成立"
    rejected = "申诉不成立"

    @property
    def label(self):
        return self.value


BAD_RATINGS = (Rating.dissatisfied, Rating.very_dissatisfied)


class CaseRating(db.Model):
    """One rating of a case. A first 差评 also carries its loop: the office's 回访, the
    department's 整改 deadline and feedback, and the department's appeal (申诉复核).

    The rater is never named here: the enterprise is the case's submitter, and staff who
    record a phone rating are kept as `recorded_by` (staff, not the rater)."""

    __tablename__ = "ratings"
    __table_args__ = (Index("ix_ratings_case_id_rated_at", "case_id", "rated_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"))
    level: Mapped[Rating] = mapped_column(enum_column_type(Rating))
    tags: Mapped[list | None] = mapped_column(JSON)  # ReasonTag names
    comment: Mapped[str | None] = mapped_column(Text)
    channel: Mapped[RatingChannel] = mapped_column(enum_column_type(RatingChannel))
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    rated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    is_follow_up: Mapped[bool] = mapped_column(default=False)  # 追评

    # The 差评 loop (a first 差评 only)
    callback_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    callback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    callback_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    callback_reached: Mapped[bool | None] = mapped_column()
    callback_note: Mapped[str | None] = mapped_column(Text)
    rework_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rework_feedback_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rework_reply_id: Mapped[int | None] = mapped_column(ForeignKey("replies.id"))

    # 申诉复核
    appeal_state: Mapped[AppealState] = mapped_column(enum_column_type(AppealState),
                                                      default=AppealState.none)
    appeal_kind: Mapped[AppealKind | None] = mapped_column(enum_column_type(AppealKind))
    appeal_evidence: Mapped[str | None] = mapped_column(Text)
    appeal_department_id: Mapped[int | None] = mapped_column(ForeignKey("departments.id"))
    appealed_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    appeal_decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    appeal_decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    appeal_decision_reason: Mapped[str | None] = mapped_column(Text)

    case = relationship("Case", back_populates="rating_history")
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    callback_by = relationship("User", foreign_keys=[callback_by_id])
    rework_reply = relationship("Reply")
    appeal_department = relationship("Department")
    appealed_by = relationship("User", foreign_keys=[appealed_by_id])
    appeal_decided_by = relationship("User", foreign_keys=[appeal_decided_by_id])

    @property
    def is_bad(self) -> bool:
        return self.level in BAD_RATINGS

    @property
    def tag_labels(self) -> list[str]:
        return [ReasonTag[name].label for name in (self.tags or []) if name in ReasonTag.__members__]

    @property
    def starts_loop(self) -> bool:
        return self.is_bad and not self.is_follow_up
