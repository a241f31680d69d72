"""users.failed_second_factor: wrong TOTP codes, counted apart from wrong passwords

Revision ID: 0010
Revises: 0008
"""
from alembic import op
import sqlalchemy as sa

revision = "0010"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("users") as batch:
        batch.add_column(sa.Column("failed_second_factor", sa.Integer(), nullable=False,
                                   server_default="0"))


def downgrade():
    with op.batch_alter_table("users") as batch:
        batch.drop_column("failed_second_factor")
