"""figures: find the `return` events without scanning the whole audit trail

The league table counts, per department, the cases it returned (audit events with
action = 'return'). The audit trail grows by several events per case, so that lookup needs
an index led by the action.

Revision ID: 0005
Revises: 0004
"""
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.create_index("ix_audit_events_action_case_id",
                              ["action", "case_id", "department_id"], unique=False)


def downgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_events_action_case_id")
