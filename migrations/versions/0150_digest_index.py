"""cases: ix_cases_with_department_by_deadline, the heads' daily digest's index (issue 23): per
department the cases with it (待签收, 办理中) in the digest's deadline order, with the columns
the overdue test reads — at ten million cases the digest sorted every overdue case; and
ix_cases_closed_at (closed cases only), for the office's weekly digest's count of the cases
closed in the last seven days — a scan of the whole table before.

Revision ID: 0150
Revises: 0140
"""
from alembic import op
import sqlalchemy as sa


revision = "0150"
down_revision = "0140"
branch_labels = None
depends_on = None

WITH_DEPARTMENT = "state IN ('dispatched', 'signed')"
CLOSED = "closed_at IS NOT NULL"


def upgrade():
    op.create_index(
        "ix_cases_with_department_by_deadline", "cases",
        ["lead_department_id", sa.text("coalesce(reply_due_at, sign_due_at)"), "id", "state",
         "sign_due_at", "reply_due_at"], unique=False,
        postgresql_where=sa.text(WITH_DEPARTMENT), sqlite_where=sa.text(WITH_DEPARTMENT))
    op.create_index("ix_cases_closed_at", "cases", ["closed_at"], unique=False,
                    postgresql_where=sa.text(CLOSED), sqlite_where=sa.text(CLOSED))


def downgrade():
    op.drop_index("ix_cases_closed_at", table_name="cases")
    op.drop_index("ix_cases_with_department_by_deadline", table_name="cases")
