"""figure_months, figure_month_counts: closed months' figures pre-aggregated, and the trigger
on cases that marks a month's counts stale when one of its cases changes

Revision ID: 0060
Revises: 0040
"""
from alembic import op
import sqlalchemy as sa

revision = "0060"
down_revision = "0040"
branch_labels = None
depends_on = None

COUNTED = ("received", "closed", "closure_due", "signed_on_time", "sign_judged", "replied",
           "closed_on_time", "replied_on_time", "reply_due", "closed_late", "satisfied", "rated",
           "overdue_now", "extended", "reopened", "handled", "rated_any", "called_back",
           "callback_due", "reworked_on_time", "rework_due", "appeal_upheld")
# The columns of cases the counted predicates and the grouping read (app/figures/rollup.py
# FIGURE_COLUMNS, as of this revision).
FIGURE_COLUMNS = ("submitted_at", "state", "lead_department_id", "category_id", "source",
                  "dispatched_at", "sign_due_at", "signed_at", "returned_at", "reply_due_at",
                  "first_replied_at", "replied_at", "rating", "rating_excluded", "extension_count",
                  "reopen_count", "complaint_at", "callback_at", "callback_due_at",
                  "rework_feedback_at", "rework_due_at", "appeals_upheld")
BUMP = ("UPDATE figure_months SET version = version + 1 "
        "WHERE period_start <= {row}.submitted_at AND {row}.submitted_at < period_end")


def upgrade():
    op.create_table(
        "figure_months",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("period_start", sa.DateTime(), nullable=False),
        sa.Column("period_end", sa.DateTime(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("built_version", sa.Integer(), nullable=True),
        sa.Column("computed_at", sa.DateTime(), nullable=True),
        sa.Column("valid_until", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_figure_months")),
        sa.UniqueConstraint("month", name=op.f("uq_figure_months_month")),
    )
    op.create_table(
        "figure_month_counts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month_id", sa.Integer(), nullable=False),
        sa.Column("lead_department_id", sa.Integer(), nullable=True),
        sa.Column("category_id", sa.Integer(), nullable=True),
        sa.Column("source", sa.String(length=24), nullable=True),
        *[sa.Column(name, sa.Integer(), nullable=False) for name in COUNTED],
        sa.ForeignKeyConstraint(["month_id"], ["figure_months.id"],
                                name=op.f("fk_figure_month_counts_month_id_figure_months")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_figure_month_counts")),
    )
    op.create_index(op.f("ix_figure_month_counts_month_id"), "figure_month_counts",
                    ["month_id"], unique=False)
    columns = ", ".join(FIGURE_COLUMNS)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION figure_months_bump() RETURNS trigger AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN {BUMP.format(row="OLD")}; END IF;
                IF TG_OP <> 'DELETE' THEN {BUMP.format(row="NEW")}; END IF;
                RETURN NULL;
            END $$ LANGUAGE plpgsql""")
        op.execute(f"CREATE TRIGGER cases_figure_months AFTER INSERT OR DELETE OR UPDATE OF "
                   f"{columns} ON cases FOR EACH ROW EXECUTE FUNCTION figure_months_bump()")
    else:
        op.execute(f"CREATE TRIGGER cases_figure_months_insert AFTER INSERT ON cases "
                   f"BEGIN {BUMP.format(row='NEW')}; END")
        op.execute(f"CREATE TRIGGER cases_figure_months_delete AFTER DELETE ON cases "
                   f"BEGIN {BUMP.format(row='OLD')}; END")
        op.execute(f"CREATE TRIGGER cases_figure_months_update AFTER UPDATE OF {columns} ON cases "
                   f"BEGIN {BUMP.format(row='OLD')}; {BUMP.format(row='NEW')}; END")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER cases_figure_months ON cases")
        op.execute("DROP FUNCTION figure_months_bump()")
    else:
        for kind in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER cases_figure_months_{kind}")
    op.drop_index(op.f("ix_figure_month_counts_month_id"), table_name="figure_month_counts")
    op.drop_table("figure_month_counts")
    op.drop_table("figure_months")
