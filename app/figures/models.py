from datetime import datetime

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from app.core.clock import utcnow
from app.core.types import UTCDateTime
from app.extensions import db


class FigureSnapshot(db.Model):
    """A month's figures frozen on the first working day after it (issue 17 item 7).

    `data` is compute_figures(month, by="department") as it was at `taken_at`: the headline
    figures and the league table, labels included, so later closures cannot move them."""

    __tablename__ = "figure_snapshots"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)  # YYYY-MM, local
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    taken_by: Mapped[str] = mapped_column(String(64))  # "系统" (scheduler) or "命令行"
    data: Mapped[dict] = mapped_column(JSON)
