"""departments.sort_order: the county's order of its departments within a kind

Existing departments keep the order they were entered in (their id), which is the county's
list order for the demo county and for departments created one by one.

Revision ID: 0016
Revises: 0015
"""
from alembic import op
import sqlalchemy as sa

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.add_column(sa.Column("sort_order", sa.Integer(), nullable=False,
                                      server_default="0"))
    op.execute("UPDATE departments SET sort_order = id")


def downgrade():
    with op.batch_alter_table("departments", schema=None) as batch_op:
        batch_op.drop_column("sort_order")
