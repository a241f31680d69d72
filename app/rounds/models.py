"""Evaluation rounds (网络专项评议): the office asks enterprises to rate departments online.

A round names the departments evaluated and the dimensions (服务效率, 服务态度…); each answer
rates every department on each dimension with the five 好差评 levels (Rating), and a free
suggestion becomes a case of source `review` linked to the round (RoundSuggestion)."""
import enum
from datetime import date, datetime

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.cases.models import Rating
from app.core.clock import utcnow
from app.core.types import UTCDateTime, enum_column_type
from app.extensions import db


class RoundState(enum.Enum):
    open = "进行中"
    closed = "已结束"

    @property
    def label(self):
        return self.value


class EvaluationRound(db.Model):
    __tablename__ = "evaluation_rounds"
    # The public card page shows a banner while a round is open: opening or closing one moves
    # the reference version, so the cached page is rebuilt (app/core/refcache.py).
    __reference_columns__ = ("state", "title")

    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date, index=True)  # the period the round runs
    ends_on: Mapped[date] = mapped_column(Date)
    dimensions: Mapped[list] = mapped_column(JSON)  # e.g. ["服务效率", "服务态度", "政策落实"]
    state: Mapped[RoundState] = mapped_column(enum_column_type(RoundState), default=RoundState.open)
    # The round link/QR for enterprises without a card: /r/<public_token>.
    public_token: Mapped[str] = mapped_column(String(32), unique=True)
    opened_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))

    created_by = relationship("User")
    departments = relationship("RoundDepartment", back_populates="round",
                               order_by="RoundDepartment.position", cascade="all, delete-orphan")

    @property
    def is_open(self) -> bool:
        return self.state is RoundState.open


class RoundDepartment(db.Model):
    """A department the round evaluates, in the order the form lists them."""

    __tablename__ = "round_departments"
    __table_args__ = (UniqueConstraint("round_id", "department_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rounds.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"))
    position: Mapped[int] = mapped_column(default=0)

    round = relationship("EvaluationRound", back_populates="departments")
    department = relationship("Department")


class RoundAnswer(db.Model):
    """One enterprise's answer to a round: one per enterprise and one per credit code
    (both unique per round), changed in place until the round closes."""

    __tablename__ = "round_answers"
    __table_args__ = (UniqueConstraint("round_id", "enterprise_id"),
                      UniqueConstraint("round_id", "credit_code"))

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rounds.id"), index=True)
    # The enterprise: from its card, or the registered one whose credit code was typed.
    enterprise_id: Mapped[int | None] = mapped_column(ForeignKey("enterprises.id"))
    card_id: Mapped[int | None] = mapped_column(ForeignKey("cards.id"))  # None: the round link
    credit_code: Mapped[str | None] = mapped_column(String(18))
    enterprise_name: Mapped[str | None] = mapped_column(String(200))  # as typed on the link
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    round = relationship("EvaluationRound")
    enterprise = relationship("Enterprise")
    scores = relationship("RoundScore", back_populates="answer", cascade="all, delete-orphan")


class RoundScore(db.Model):
    """One rating: a department on one dimension, by one answer."""

    __tablename__ = "round_scores"
    __table_args__ = (UniqueConstraint("answer_id", "department_id", "dimension"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("round_answers.id"), index=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("departments.id"), index=True)
    dimension: Mapped[str] = mapped_column(String(32))
    rating: Mapped[Rating] = mapped_column(enum_column_type(Rating))

    answer = relationship("RoundAnswer", back_populates="scores")


class RoundSuggestion(db.Model):
    """A suggestion an answer gave: one case of source `review`."""

    __tablename__ = "round_suggestions"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(ForeignKey("evaluation_rounds.id"), index=True)
    answer_id: Mapped[int] = mapped_column(ForeignKey("round_answers.id"), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("cases.id"), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    case = relationship("Case")
