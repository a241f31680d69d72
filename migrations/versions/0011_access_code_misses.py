"""access_code_misses: wrong codes on tracking numbers no case has, counted like a case's

Revision ID: 0011
Revises: 0010
"""
from alembic import op
import sqlalchemy as sa

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "access_code_misses",
        sa.Column("tracking_no", sa.String(length=20), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("locked_until", sa.DateTime(), nullable=True),
        sa.Column("last_try_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("tracking_no", name=op.f("pk_access_code_misses")),
    )
    with op.batch_alter_table("access_code_misses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_access_code_misses_last_try_at"), ["last_try_at"],
                              unique=False)


def downgrade():
    with op.batch_alter_table("access_code_misses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_code_misses_last_try_at"))
    op.drop_table("access_code_misses")
