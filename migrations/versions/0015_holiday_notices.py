"""holiday_notices: the State Council's yearly notice the admin pasted; holiday_overrides.notice_id

Revision ID: 0015
Revises: 0014
"""
from alembic import op
import sqlalchemy as sa

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "holiday_notices",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("saved_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_holiday_notices")),
        sa.UniqueConstraint("year", name=op.f("uq_holiday_notices_year")),
    )
    with op.batch_alter_table("holiday_overrides", schema=None) as batch_op:
        batch_op.add_column(sa.Column("notice_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_holiday_overrides_notice_id_holiday_notices"),
                                    "holiday_notices", ["notice_id"], ["id"])


def downgrade():
    with op.batch_alter_table("holiday_overrides", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_holiday_overrides_notice_id_holiday_notices"),
                                 type_="foreignkey")
        batch_op.drop_column("notice_id")
    op.drop_table("holiday_notices")
