"""cases.next_check_at: when the scheduler must next look at a case (reminders, escalation)

Revision ID: 0003
Revises: 0002
"""
from alembic import op
import sqlalchemy as sa

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.add_column(sa.Column("next_check_at", sa.DateTime(), nullable=True))
        batch_op.create_index("ix_cases_next_check_at", ["next_check_at"], unique=False)
    # Cases already running: look at them on the first tick. Each fires at most its latest
    # reminder plus whatever escalation is due, and schedules its next point from there.
    op.execute("UPDATE cases SET next_check_at = dispatched_at "
               "WHERE state IN ('dispatched', 'signed') AND dispatched_at IS NOT NULL")
    op.execute("UPDATE cases SET next_check_at = replied_at "
               "WHERE state = 'replied' AND replied_at IS NOT NULL")


def downgrade():
    with op.batch_alter_table("cases", schema=None) as batch_op:
        batch_op.drop_index("ix_cases_next_check_at")
        batch_op.drop_column("next_check_at")
