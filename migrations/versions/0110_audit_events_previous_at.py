"""audit_events.previous_at, previous_department_at: 退回 and 回退率 count a case once per
period without DISTINCT (issue 23)

On a `return`/`dispatch` event with a department, the time of the case's previous event of
the same action (with a department), and of the previous one of the same department; None
for the first. Filled for the events already there, then kept by a trigger on insert (an
event inserted back-dated also becomes its next event's previous).

Revision ID: 0110
Revises: 0100
"""
from alembic import op
import sqlalchemy as sa

revision = "0110"
down_revision = "0100"
branch_labels = None
depends_on = None

COUNTED = "action IN ('return', 'dispatch') AND department_id IS NOT NULL AND case_id IS NOT NULL"
SAME = ("case_id = {row}.case_id AND action = {row}.action AND department_id IS NOT NULL")
BEFORE = "(created_at < {row}.created_at OR (created_at = {row}.created_at AND id < {row}.id))"
AFTER = "(created_at > {row}.created_at OR (created_at = {row}.created_at AND id > {row}.id))"
PREVIOUS = f"(SELECT max(created_at) FROM audit_events WHERE {SAME} AND {BEFORE})"
PREVIOUS_DEPARTMENT = (f"(SELECT max(created_at) FROM audit_events WHERE {SAME} "
                       f"AND department_id = {{row}}.department_id AND {BEFORE})")
# A back-dated event: the later events whose previous was before it now follow it (only the
# next one — of the case, and of the case and department — can have such a previous).
NEXT = (f"UPDATE audit_events SET previous_at = {{row}}.created_at WHERE {SAME} AND {AFTER} "
        f"AND (previous_at IS NULL OR previous_at < {{row}}.created_at)")
NEXT_DEPARTMENT = (f"UPDATE audit_events SET previous_department_at = {{row}}.created_at "
                   f"WHERE {SAME} AND department_id = {{row}}.department_id AND {AFTER} "
                   f"AND (previous_department_at IS NULL "
                   f"OR previous_department_at < {{row}}.created_at)")
FILL = (f"UPDATE audit_events SET previous_at = w.p, previous_department_at = w.pd FROM ("
        f"SELECT id, lag(created_at) OVER (PARTITION BY case_id, action "
        f"ORDER BY created_at, id) AS p, lag(created_at) OVER (PARTITION BY case_id, action, "
        f"department_id ORDER BY created_at, id) AS pd FROM audit_events WHERE {COUNTED}) AS w "
        f"WHERE audit_events.id = w.id AND (w.p IS NOT NULL OR w.pd IS NOT NULL)")


def upgrade():
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.add_column(sa.Column("previous_at", sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("previous_department_at", sa.DateTime(), nullable=True))
    op.execute(FILL)
    op.create_index("ix_audit_events_action_created_at", "audit_events",
                    ["action", "created_at", "department_id", "previous_at",
                     "previous_department_at", "case_id"], unique=False)
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION audit_events_previous() RETURNS trigger AS $$
            BEGIN
                IF NEW.action IN ('return', 'dispatch') AND NEW.department_id IS NOT NULL
                        AND NEW.case_id IS NOT NULL THEN
                    NEW.previous_at := {PREVIOUS.format(row="NEW")};
                    NEW.previous_department_at := {PREVIOUS_DEPARTMENT.format(row="NEW")};
                    {NEXT.format(row="NEW")};
                    {NEXT_DEPARTMENT.format(row="NEW")};
                END IF;
                RETURN NEW;
            END $$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER audit_events_previous BEFORE INSERT ON audit_events "
                   "FOR EACH ROW EXECUTE FUNCTION audit_events_previous()")
    else:
        op.execute(f"""
            CREATE TRIGGER audit_events_previous AFTER INSERT ON audit_events
            WHEN NEW.action IN ('return', 'dispatch') AND NEW.department_id IS NOT NULL
                AND NEW.case_id IS NOT NULL
            BEGIN
                UPDATE audit_events SET previous_at = {PREVIOUS.format(row="NEW")},
                    previous_department_at = {PREVIOUS_DEPARTMENT.format(row="NEW")}
                    WHERE id = NEW.id;
                {NEXT.format(row="NEW")};
                {NEXT_DEPARTMENT.format(row="NEW")};
            END""")


def downgrade():
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_events_previous ON audit_events")
        op.execute("DROP FUNCTION audit_events_previous()")
    else:
        op.execute("DROP TRIGGER audit_events_previous")
    op.drop_index("ix_audit_events_action_created_at", table_name="audit_events")
    with op.batch_alter_table("audit_events") as batch_op:
        batch_op.drop_column("previous_department_at")
        batch_op.drop_column("previous_at")
