"""pending_uploads.user_id: files a staff user uploaded for a reply or an entry not yet sent

A pending upload belongs to a card (the public form) or to a staff user (the handler's reply,
the office's entry); card_id becomes nullable.

Revision ID: 0017
Revises: 0016
"""
from alembic import op
import sqlalchemy as sa

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("pending_uploads", schema=None) as batch_op:
        batch_op.add_column(sa.Column("user_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(batch_op.f("fk_pending_uploads_user_id_users"), "users",
                                    ["user_id"], ["id"])
        batch_op.alter_column("card_id", existing_type=sa.Integer(), nullable=True)


def downgrade():
    op.execute("DELETE FROM pending_uploads WHERE card_id IS NULL")
    with op.batch_alter_table("pending_uploads", schema=None) as batch_op:
        batch_op.alter_column("card_id", existing_type=sa.Integer(), nullable=False)
        batch_op.drop_constraint(batch_op.f("fk_pending_uploads_user_id_users"),
                                 type_="foreignkey")
        batch_op.drop_column("user_id")
