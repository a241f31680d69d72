"""季测评 (issue 22): the weights the office sets for the quarterly evaluation, one row per
change (the history is the audit).

Revision ID: 0120
Revises: 0110
"""
from alembic import op
import sqlalchemy as sa


revision = "0120"
down_revision = "0110"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "quarterly_weights",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("weights", sa.JSON(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_quarterly_weights_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quarterly_weights")))
    with op.batch_alter_table("quarterly_weights", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_quarterly_weights_created_at"), ["created_at"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("quarterly_weights", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_quarterly_weights_created_at"))
    op.drop_table("quarterly_weights")
