"""figures over a million cases: cases.handling_seconds, and one index the dashboard reads alone

The median handling time (working seconds from dispatch to the latest reply) used to be
computed at every dashboard request from the two timestamps and the working-day calendar.
It is now stored when the reply is given (app.cases.operations), so the median is a plain
sort of one column. Cases answered before this migration get it from the calendar as it is
now (official calendar plus the office's overrides).

`ix_cases_figures` replaces `ix_cases_submitted_at`: led by submitted_at (so it serves every
period range the old one served) and followed by every column the figures read, so the
dashboard's statements are index-only scans and never visit the table. `ix_cases_handled`
holds only the answered cases behind the median handling time, narrow, so the median's
sort reads a fraction of the bytes.

Revision ID: 0006
Revises: 0005
"""
from alembic import op
import sqlalchemy as sa

from app.core.types import UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

BATCH = 5000
FIGURES_INDEX_COLUMNS = [
    "submitted_at", "state", "lead_department_id", "category_id", "source", "enterprise_id",
    "id", "dispatched_at", "sign_due_at", "signed_at", "returned_at", "reply_due_at",
    "first_replied_at", "replied_at", "rating", "return_count", "extension_count",
    "reopen_count", "handling_seconds"]
HANDLED_INDEX_COLUMNS = ["submitted_at", "state", "handling_seconds", "lead_department_id",
                         "category_id", "source", "enterprise_id"]
HANDLED = ("state IN ('replied', 'closed') AND dispatched_at IS NOT NULL "
           "AND replied_at IS NOT NULL")


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("handling_seconds", sa.Integer(), nullable=True))
    _fill_handling_seconds(op.get_bind())
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_figures", FIGURES_INDEX_COLUMNS, unique=False)
        batch_op.drop_index("ix_cases_submitted_at")
        batch_op.create_index("ix_cases_handled", HANDLED_INDEX_COLUMNS, unique=False,
                              postgresql_where=sa.text(HANDLED), sqlite_where=sa.text(HANDLED))


def _fill_handling_seconds(bind):
    """Each case currently answered after a dispatch (the cases the median covers)."""
    from app.cases.operations import handling_seconds
    from app.workdays.calendar import WorkCalendar

    overrides = sa.table("holiday_overrides", sa.column("day", sa.Date()),
                         sa.column("is_workday", sa.Boolean()))
    calendar = WorkCalendar(dict(bind.execute(
        sa.select(overrides.c.day, overrides.c.is_workday)).all()))
    cases = sa.table("cases", sa.column("id", sa.Integer()), sa.column("state", sa.String()),
                     sa.column("dispatched_at", UTCDateTime()),
                     sa.column("replied_at", UTCDateTime()),
                     sa.column("handling_seconds", sa.Integer()))
    rows = bind.execute(sa.select(cases.c.id, cases.c.dispatched_at, cases.c.replied_at).where(
        cases.c.state.in_(("replied", "closed")), cases.c.dispatched_at.is_not(None),
        cases.c.replied_at.is_not(None))).all()
    update = (sa.update(cases).where(cases.c.id == sa.bindparam("case_id"))
              .values(handling_seconds=sa.bindparam("seconds")))
    for first in range(0, len(rows), BATCH):
        bind.execute(update, [{"case_id": id_, "seconds": handling_seconds(a, b, calendar)}
                              for id_, a, b in rows[first:first + BATCH]])


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.create_index("ix_cases_submitted_at", ["submitted_at"], unique=False)
        batch_op.drop_index("ix_cases_figures")
        batch_op.drop_index("ix_cases_handled")
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_column("handling_seconds")
