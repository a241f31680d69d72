from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from app.cases.models import CaseSource
from app.core.clock import utcnow
from app.core.types import UTCDateTime, enum_column_type
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


# The predicates a closed month's counts keep, one column each (app/figures/rollup.py).
COUNTED_PREDICATES = ("received", "closed", "closure_due", "signed_on_time", "sign_judged",
                      "replied", "closed_on_time", "replied_on_time", "reply_due", "closed_late",
                      "satisfied", "rated", "overdue_now", "extended", "reopened", "handled",
                      # the 差评 loop's (issue 20)
                      "rated_any", "called_back", "callback_due", "reworked_on_time",
                      "rework_due", "appeal_upheld")


class FigureMonth(db.Model):
    """A closed local month whose figures are kept pre-aggregated (figure_month_counts).

    `version` is bumped by a database trigger on `cases` whenever a case submitted in the
    month is inserted, deleted, or changes a column the figures read; the counts are valid
    while `built_version` equals it, for a `now` in [computed_at, valid_until) — the next
    deadline of one of the month's open cases, after which a time-dependent figure (当前逾期,
    按期签收's denominator, 应办结, 应答复) may change (see docs/figures.md)."""

    __tablename__ = "figure_months"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[str] = mapped_column(String(7), unique=True)  # YYYY-MM, local
    period_start: Mapped[datetime] = mapped_column(UTCDateTime())
    period_end: Mapped[datetime] = mapped_column(UTCDateTime())
    version: Mapped[int] = mapped_column(Integer, default=0)
    built_version: Mapped[int | None] = mapped_column(Integer)
    computed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    valid_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The event counts (figure_month_events): `events_version` is bumped by a trigger on
    # audit_events whenever a return/dispatch event made in the month is inserted, deleted or
    # updated; the counts hold while `events_built_version` equals it (they depend on no `now`).
    events_version: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
    events_built_version: Mapped[int | None] = mapped_column(Integer)


class FigureMonthCount(db.Model):
    """One month's counts for one (lead department, category, source): per predicate, the
    month's valid cases it holds for (the figures' base: invalid cases left out)."""

    __tablename__ = "figure_month_counts"

    id: Mapped[int] = mapped_column(primary_key=True)
    month_id: Mapped[int] = mapped_column(ForeignKey("figure_months.id"), index=True)
    lead_department_id: Mapped[int | None] = mapped_column(Integer)
    category_id: Mapped[int | None] = mapped_column(Integer)
    source: Mapped[CaseSource | None] = mapped_column(enum_column_type(CaseSource))


for _name in COUNTED_PREDICATES:
    setattr(FigureMonthCount, _name, mapped_column(_name, Integer, default=0, nullable=False))


class FigureMonthHandling(db.Model):
    """One closed month's histogram of handling times (the median's cases: `handled`), exact
    enough to give the median exactly (app/figures/rollup.py, docs/figures.md).

    `level` 1 counts the cases per whole hour of `handling_seconds` (bucket = seconds / 3600),
    level 2 per hundredth of an hour (bucket = seconds / 36, the median figure's resolution)
    with the smallest and largest value of the bucket. `whole` rows count the county's cases,
    the others one lead department's (`department_id`, None: no department)."""

    __tablename__ = "figure_month_handling"
    __table_args__ = (Index("ix_figure_month_handling_month_id_level_bucket",
                            "month_id", "level", "bucket"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month_id: Mapped[int] = mapped_column(ForeignKey("figure_months.id"))
    whole: Mapped[bool] = mapped_column(Boolean)
    department_id: Mapped[int | None] = mapped_column(Integer)
    level: Mapped[int] = mapped_column(Integer)
    bucket: Mapped[int] = mapped_column(Integer)
    cases: Mapped[int] = mapped_column(Integer)
    low: Mapped[int] = mapped_column(Integer)
    high: Mapped[int] = mapped_column(Integer)


class FigureMonthEvent(db.Model):
    """One closed month's `return`/`dispatch` events with a department (made in the month),
    counted per (action, department, previous_at, previous_department_at): 退回 and 回退率's
    counts of a period (`queries.events_counted`) are sums of them (app/figures/rollup.py).
    Invalid cases' events are left out, as the live count leaves them out."""

    __tablename__ = "figure_month_events"
    __table_args__ = (Index("ix_figure_month_events_month_id_action", "month_id", "action"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    month_id: Mapped[int] = mapped_column(ForeignKey("figure_months.id"))
    action: Mapped[str] = mapped_column(String(40))
    department_id: Mapped[int | None] = mapped_column(Integer)
    previous_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    previous_department_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    events: Mapped[int] = mapped_column(Integer)
