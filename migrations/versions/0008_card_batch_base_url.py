"""card_batches.base_url: the public address a printed batch's QR codes point to

Revision ID: 0008
Revises: 0007
"""
from alembic import op
import sqlalchemy as sa

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("card_batches") as batch:
        batch.add_column(sa.Column("base_url", sa.String(length=200), nullable=True))


def downgrade():
    with op.batch_alter_table("card_batches") as batch:
        batch.drop_column("base_url")
