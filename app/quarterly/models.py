"""季测评 (quarterly evaluation): the weights the office sets, kept as a history.

Each change of the weights is a new row (never an update), with who set them and when, so
every sheet can print the weights it used and since when they hold (docs/figures.md,
"季测评"). The latest row is in force."""
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.core.clock import utcnow
from app.core.types import UTCDateTime
from app.extensions import db


class QuarterlyWeights(db.Model):
    __tablename__ = "quarterly_weights"

    id: Mapped[int] = mapped_column(primary_key=True)
    # {component key: integer weight}, every component of app.quarterly.queries.COMPONENTS,
    # non-negative, summing to 100 (checked by operations.set_weights).
    weights: Mapped[dict] = mapped_column(JSON)
    note: Mapped[str | None] = mapped_column(String(200))  # why the office changed them
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)

    created_by = relationship("User")
