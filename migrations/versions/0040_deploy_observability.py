"""audit_events.client_address and scheduler_ticks (issue 23: behind a proxy, observability)

audit_events.client_address: the client's address of the request that wrote the event.
scheduler_ticks: when the active scheduler last finished a scan, and how long it took.

Revision ID: 0040
Revises: 0030
"""
from alembic import op
import sqlalchemy as sa

revision = "0040"
down_revision = "0030"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("client_address", sa.String(length=45), nullable=True))
    op.create_table(
        "scheduler_ticks",
        sa.Column("name", sa.String(length=40), nullable=False),
        sa.Column("holder", sa.String(length=100), nullable=False),
        sa.Column("finished_at", sa.DateTime(), nullable=False),
        sa.Column("duration_ms", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("name", name=op.f("pk_scheduler_ticks")),
    )


def downgrade():
    op.drop_table("scheduler_ticks")
    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_column("client_address")
