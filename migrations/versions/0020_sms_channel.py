"""SMS to the submitter: notifications.recipient_id nullable, deliveries by target and sent time

A text message to a case's submitter is a notification without a recipient user (the submitter
is no user; its delivery carries the phone number), and the per-number daily cap counts a
number's sent deliveries through ix_deliveries_target_sent_at.

Revision ID: 0020
Revises: 0017
"""
from alembic import op
import sqlalchemy as sa

revision = "0020"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("recipient_id", existing_type=sa.Integer(), nullable=True)
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.create_index("ix_deliveries_target_sent_at", ["target", "sent_at"], unique=False)


def downgrade():
    with op.batch_alter_table("deliveries", schema=None) as batch_op:
        batch_op.drop_index("ix_deliveries_target_sent_at")
    op.execute("DELETE FROM deliveries WHERE notification_id IN "
               "(SELECT id FROM notifications WHERE recipient_id IS NULL)")
    op.execute("DELETE FROM notifications WHERE recipient_id IS NULL")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.alter_column("recipient_id", existing_type=sa.Integer(), nullable=False)
