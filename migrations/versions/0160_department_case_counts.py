"""department_case_counts: how many cases each department holds as 待签收, 办理中 and 待评价,
kept exact by triggers on cases, so the heads' daily digest reads its counts instead of
counting every open case's index entry (issue 23: at ten million cases that count was most of
the 453 ms of the day's digest tick); and ix_cases_without_running_deadline, the (normally
empty) cases with a department but no running deadline, which the overdue count leaves out.

The table is filled from the cases already there (FILL, which bench/ledger_at_scale.py also
runs after a bulk load with the triggers off).

Revision ID: 0160
Revises: 0150
"""
from alembic import op
import sqlalchemy as sa

revision = "0160"
down_revision = "0150"
branch_labels = None
depends_on = None

COUNTED = "('dispatched', 'signed', 'replied')"
FILL = (f"INSERT INTO department_case_counts (department_id, state, cases) "
        f"SELECT lead_department_id, state, count(*) FROM cases "
        f"WHERE lead_department_id IS NOT NULL AND state IN {COUNTED} "
        f"GROUP BY lead_department_id, state")
# A row of the old state loses the case (a row exists for every counted pair that ever held
# a case, so a plain UPDATE); the new state's row gains it, made if it is the first.
TAKE = ("UPDATE department_case_counts SET cases = cases - 1 "
        "WHERE department_id = OLD.lead_department_id AND state = OLD.state")
ADD = (f"INSERT INTO department_case_counts (department_id, state, cases) "
       f"SELECT NEW.lead_department_id, NEW.state, 1 "
       f"WHERE NEW.lead_department_id IS NOT NULL AND NEW.state IN {COUNTED} "
       f"ON CONFLICT (department_id, state) "
       f"DO UPDATE SET cases = department_case_counts.cases + 1")
# The cases with a department but no running deadline (app/cases/models.py).
NO_RUNNING_DEADLINE = ("(state = 'dispatched' AND sign_due_at IS NULL "
                       "OR state = 'signed' AND reply_due_at IS NULL)")
MOVED = ("OLD.state IS DISTINCT FROM NEW.state "
         "OR OLD.lead_department_id IS DISTINCT FROM NEW.lead_department_id")


def upgrade():
    op.create_table(
        "department_case_counts",
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("state", sa.Enum("submitted", "dispatched", "signed", "replied", "closed",
                                   "returned", "invalid", name="casestate",
                                   native_enum=False, length=24, create_constraint=False),
                  nullable=False),
        sa.Column("cases", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"],
                                name=op.f("fk_department_case_counts_department_id_departments")),
        sa.PrimaryKeyConstraint("department_id", "state", name=op.f("pk_department_case_counts")),
    )
    op.execute(FILL)
    op.create_index("ix_cases_without_running_deadline", "cases", ["lead_department_id"],
                    unique=False, postgresql_where=sa.text(NO_RUNNING_DEADLINE),
                    sqlite_where=sa.text(NO_RUNNING_DEADLINE))
    if op.get_bind().dialect.name == "postgresql":
        op.execute(f"""
            CREATE FUNCTION department_case_counts_keep() RETURNS trigger AS $$
            BEGIN
                IF TG_OP <> 'INSERT' THEN {TAKE}; END IF;
                IF TG_OP <> 'DELETE' THEN {ADD}; END IF;
                RETURN NULL;
            END $$ LANGUAGE plpgsql""")
        op.execute("CREATE TRIGGER cases_department_counts_insert AFTER INSERT ON cases "
                   "FOR EACH ROW EXECUTE FUNCTION department_case_counts_keep()")
        op.execute("CREATE TRIGGER cases_department_counts_delete AFTER DELETE ON cases "
                   "FOR EACH ROW EXECUTE FUNCTION department_case_counts_keep()")
        op.execute(f"CREATE TRIGGER cases_department_counts_update AFTER UPDATE OF state, "
                   f"lead_department_id ON cases FOR EACH ROW WHEN ({MOVED}) "
                   f"EXECUTE FUNCTION department_case_counts_keep()")
    else:
        sqlite_moved = MOVED.replace("IS DISTINCT FROM", "IS NOT")
        op.execute(f"CREATE TRIGGER cases_department_counts_insert AFTER INSERT ON cases "
                   f"BEGIN {ADD}; END")
        op.execute(f"CREATE TRIGGER cases_department_counts_delete AFTER DELETE ON cases "
                   f"BEGIN {TAKE}; END")
        op.execute(f"CREATE TRIGGER cases_department_counts_update AFTER UPDATE OF state, "
                   f"lead_department_id ON cases WHEN {sqlite_moved} BEGIN {TAKE}; {ADD}; END")


def downgrade():
    for kind in ("insert", "delete", "update"):
        if op.get_bind().dialect.name == "postgresql":
            op.execute(f"DROP TRIGGER cases_department_counts_{kind} ON cases")
        else:
            op.execute(f"DROP TRIGGER cases_department_counts_{kind}")
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP FUNCTION department_case_counts_keep()")
    op.drop_index("ix_cases_without_running_deadline", table_name="cases")
    op.drop_table("department_case_counts")
