"""reference_version: one number that moves whenever reference data changes

Workers keep snapshots of cards, categories and dispatchers between requests and read this
number once per transaction to know whether they still hold (app/core/refcache.py).

Revision ID: 0007
Revises: 0006
"""
import secrets

from alembic import op
import sqlalchemy as sa

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade():
    table = op.create_table(
        "reference_version",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("version", sa.BigInteger(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reference_version")),
    )
    op.bulk_insert(table, [{"id": 1, "version": secrets.randbits(62)}])


def downgrade():
    op.drop_table("reference_version")
