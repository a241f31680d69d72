"""card_print_jobs: large web batches of cards built in the background

Revision ID: 0014
Revises: 0013
"""
from alembic import op
import sqlalchemy as sa

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "card_print_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=24), nullable=False),
        sa.Column("layout", sa.String(length=16), nullable=False),
        sa.Column("output", sa.String(length=8), nullable=False),
        sa.Column("enterprise_ids", sa.JSON(), nullable=False),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("file_name", sa.String(length=100), nullable=True),
        sa.Column("error", sa.String(length=200), nullable=True),
        sa.Column("batch_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_card_print_jobs_created_by_id_users")),
        sa.ForeignKeyConstraint(["batch_id"], ["card_batches.id"],
                                name=op.f("fk_card_print_jobs_batch_id_card_batches")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_card_print_jobs")),
    )


def downgrade():
    op.drop_table("card_print_jobs")
