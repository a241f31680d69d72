"""figure_month_handling, figure_month_events: closed months' histograms of handling times
and counts of return/dispatch events, so that the median handling time, 退回 and 回退率 of a
long period are read off stored months (issue 23); the cases trigger of 0060 also watches
handling_seconds; a trigger on audit_events marks a month's event counts stale.

Every month built before this revision is marked for a rebuild (it has no histogram yet).

Revision ID: 0140
Revises: 0130
"""
from alembic import op
import sqlalchemy as sa

revision = "0140"
down_revision = "0130"
branch_labels = None
depends_on = None

# The columns of cases the stored counts and histograms read (app/figures/rollup.py
# FIGURE_COLUMNS, as of this revision): 0060's and handling_seconds.
FIGURE_COLUMNS = ("submitted_at", "state", "lead_department_id", "category_id", "source",
                  "dispatched_at", "sign_due_at", "signed_at", "returned_at", "reply_due_at",
                  "first_replied_at", "replied_at", "rating", "rating_excluded", "extension_count",
                  "reopen_count", "complaint_at", "callback_at", "callback_due_at",
                  "rework_feedback_at", "rework_due_at", "appeals_upheld", "handling_seconds")
BUMP = ("UPDATE figure_months SET version = version + 1 "
        "WHERE period_start <= {row}.submitted_at AND {row}.submitted_at < period_end")


EVENTS_BUMP = ("UPDATE figure_months SET events_version = events_version + 1 "
               "WHERE period_start <= {row}.created_at AND {row}.created_at < period_end")
COUNTED_EVENT = "{row}.action IN ('return', 'dispatch')"
EVENT_COLUMNS = "action, department_id, created_at, previous_at, previous_department_at"
# A case becoming invalid, or valid again, or an invalid case deleted: the months of its
# return/dispatch events (their counts leave invalid cases out).
CASE_EVENTS_BUMP = ("UPDATE figure_months SET events_version = events_version + 1 WHERE EXISTS "
                    "(SELECT 1 FROM audit_events e WHERE e.case_id = {row}.id "
                    "AND e.action IN ('return', 'dispatch') AND e.department_id IS NOT NULL "
                    "AND e.created_at >= period_start "
                    "AND e.created_at < period_end)")
INVALID_CHANGED = "(OLD.state = 'invalid') <> (NEW.state = 'invalid')"


def _trigger(columns):
    columns = ", ".join(columns)
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER cases_figure_months ON cases")
        op.execute(f"CREATE TRIGGER cases_figure_months AFTER INSERT OR DELETE OR UPDATE OF "
                   f"{columns} ON cases FOR EACH ROW EXECUTE FUNCTION figure_months_bump()")
    else:
        op.execute("DROP TRIGGER cases_figure_months_update")
        op.execute(f"CREATE TRIGGER cases_figure_months_update AFTER UPDATE OF {columns} ON cases "
                   f"BEGIN {BUMP.format(row='OLD')}; {BUMP.format(row='NEW')}; END")


def upgrade():
    op.create_table(
        "figure_month_handling",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month_id", sa.Integer(), nullable=False),
        sa.Column("whole", sa.Boolean(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("bucket", sa.Integer(), nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.Column("low", sa.Integer(), nullable=False),
        sa.Column("high", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["month_id"], ["figure_months.id"],
                                name=op.f("fk_figure_month_handling_month_id_figure_months")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_figure_month_handling")),
    )
    op.create_index("ix_figure_month_handling_month_id_level_bucket", "figure_month_handling",
                    ["month_id", "level", "bucket"], unique=False)
    op.create_table(
        "figure_month_events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month_id", sa.Integer(), nullable=False),
        sa.Column("action", sa.String(length=40), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("previous_at", sa.DateTime(), nullable=True),
        sa.Column("previous_department_at", sa.DateTime(), nullable=True),
        sa.Column("events", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["month_id"], ["figure_months.id"],
                                name=op.f("fk_figure_month_events_month_id_figure_months")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_figure_month_events")),
    )
    op.create_index("ix_figure_month_events_month_id_action", "figure_month_events",
                    ["month_id", "action"], unique=False)
    op.add_column("figure_months", sa.Column("events_version", sa.Integer(), nullable=False,
                                             server_default="0"))
    op.add_column("figure_months", sa.Column("events_built_version", sa.Integer(),
                                             nullable=True))
    _trigger(FIGURE_COLUMNS)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION figure_months_events_bump() RETURNS trigger AS $$
            BEGIN
                IF TG_OP <> 'INSERT' AND {COUNTED_EVENT.format(row="OLD")} THEN
                    {EVENTS_BUMP.format(row="OLD")}; END IF;
                IF TG_OP <> 'DELETE' AND {COUNTED_EVENT.format(row="NEW")} THEN
                    {EVENTS_BUMP.format(row="NEW")}; END IF;
                RETURN NULL;
            END $$ LANGUAGE plpgsql""")
        op.execute(f"CREATE TRIGGER audit_events_figure_months AFTER INSERT OR DELETE OR UPDATE "
                   f"OF {EVENT_COLUMNS} ON audit_events FOR EACH ROW "
                   f"EXECUTE FUNCTION figure_months_events_bump()")
        op.execute(f"""
            CREATE FUNCTION figure_months_case_events_bump() RETURNS trigger AS $$
            BEGIN
                IF TG_OP = 'DELETE' THEN {CASE_EVENTS_BUMP.format(row="OLD")};
                ELSE {CASE_EVENTS_BUMP.format(row="NEW")}; END IF;
                RETURN NULL;
            END $$ LANGUAGE plpgsql""")
        op.execute(f"CREATE TRIGGER cases_figure_months_events AFTER UPDATE OF state ON cases "
                   f"FOR EACH ROW WHEN ({INVALID_CHANGED}) "
                   f"EXECUTE FUNCTION figure_months_case_events_bump()")
        op.execute("CREATE TRIGGER cases_figure_months_events_delete AFTER DELETE ON cases "
                   "FOR EACH ROW WHEN (OLD.state = 'invalid') "
                   "EXECUTE FUNCTION figure_months_case_events_bump()")
    else:
        op.execute(f"CREATE TRIGGER audit_events_figure_months_insert AFTER INSERT ON "
                   f"audit_events WHEN {COUNTED_EVENT.format(row='NEW')} "
                   f"BEGIN {EVENTS_BUMP.format(row='NEW')}; END")
        op.execute(f"CREATE TRIGGER audit_events_figure_months_delete AFTER DELETE ON "
                   f"audit_events WHEN {COUNTED_EVENT.format(row='OLD')} "
                   f"BEGIN {EVENTS_BUMP.format(row='OLD')}; END")
        op.execute(f"CREATE TRIGGER audit_events_figure_months_update AFTER UPDATE OF "
                   f"{EVENT_COLUMNS} ON audit_events "
                   f"BEGIN {EVENTS_BUMP.format(row='OLD')}; {EVENTS_BUMP.format(row='NEW')}; END")
        op.execute(f"CREATE TRIGGER cases_figure_months_events AFTER UPDATE OF state ON cases "
                   f"WHEN {INVALID_CHANGED} BEGIN {CASE_EVENTS_BUMP.format(row='NEW')}; END")
        op.execute(f"CREATE TRIGGER cases_figure_months_events_delete AFTER DELETE ON cases "
                   f"WHEN OLD.state = 'invalid' BEGIN {CASE_EVENTS_BUMP.format(row='OLD')}; END")
    op.execute("UPDATE figure_months SET built_version = NULL")  # no histogram yet: rebuild


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_figure_months ON audit_events")
        op.execute("DROP FUNCTION figure_months_events_bump()")
        op.execute("DROP TRIGGER cases_figure_months_events ON cases")
        op.execute("DROP TRIGGER cases_figure_months_events_delete ON cases")
        op.execute("DROP FUNCTION figure_months_case_events_bump()")
    else:
        for kind in ("insert", "delete", "update"):
            op.execute(f"DROP TRIGGER audit_events_figure_months_{kind}")
        op.execute("DROP TRIGGER cases_figure_months_events")
        op.execute("DROP TRIGGER cases_figure_months_events_delete")
    # Not a batch (SQLite would copy the table, which the cases' triggers name): both
    # databases drop a column in place (SQLite since 3.35).
    op.execute("ALTER TABLE figure_months DROP COLUMN events_built_version")
    op.execute("ALTER TABLE figure_months DROP COLUMN events_version")
    op.drop_index("ix_figure_month_events_month_id_action", table_name="figure_month_events")
    op.drop_table("figure_month_events")
    _trigger(FIGURE_COLUMNS[:-1])
    op.drop_index("ix_figure_month_handling_month_id_level_bucket",
                  table_name="figure_month_handling")
    op.drop_table("figure_month_handling")
