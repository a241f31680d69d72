"""ratings: the rating history and the 差评 loop (回访, 整改, 追评, 申诉复核)

A table `ratings` (one row per rating a case received), the loop's columns on `cases` (for the
figures and the scheduler), and two time limits: 差评回访时限 (1 working day) and 差评整改时限
(5 working days). Every earlier rating is copied into `ratings` from its `rate` audit event
(level, comment, time; a rating recorded by staff came by phone, others from the status page;
a `follow_up_rate` event, written only by this revision's code, is a 追评 — so a downgrade and
upgrade keeps the history but not the loop's deadlines, reasons or appeals);
a case rated without such an event (data loaded directly) gets one row from its own columns.

Revision ID: 0030
Revises: 0020
"""
import json

from alembic import op
import sqlalchemy as sa

revision = "0030"
down_revision = "0020"
branch_labels = None
depends_on = None

TIME_LIMITS = [
    ("callback", "差评回访时限", 1, "workdays"),
    ("rework", "差评整改时限", 5, "workdays"),
]
LEVELS = {"very_satisfied", "satisfied", "basically_satisfied", "dissatisfied",
          "very_dissatisfied"}


def upgrade():
    op.create_table(
        "ratings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.Column("level", sa.Enum("very_satisfied", "satisfied", "basically_satisfied",
                                   "dissatisfied", "very_dissatisfied", name="rating",
                                   native_enum=False, length=24, create_constraint=False),
                  nullable=False),
        sa.Column("tags", sa.JSON(), nullable=True),
        sa.Column("comment", sa.Text(), nullable=True),
        sa.Column("channel", sa.Enum("card", "status_page", "phone", name="ratingchannel",
                                     native_enum=False, length=24, create_constraint=False),
                  nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.Column("rated_at", sa.DateTime(), nullable=False),
        sa.Column("is_follow_up", sa.Boolean(), nullable=False),
        sa.Column("callback_due_at", sa.DateTime(), nullable=True),
        sa.Column("callback_at", sa.DateTime(), nullable=True),
        sa.Column("callback_by_id", sa.Integer(), nullable=True),
        sa.Column("callback_reached", sa.Boolean(), nullable=True),
        sa.Column("callback_note", sa.Text(), nullable=True),
        sa.Column("rework_due_at", sa.DateTime(), nullable=True),
        sa.Column("rework_feedback_at", sa.DateTime(), nullable=True),
        sa.Column("rework_reply_id", sa.Integer(), nullable=True),
        sa.Column("appeal_state", sa.Enum("none", "pending", "upheld", "rejected",
                                          name="appealstate", native_enum=False, length=24,
                                          create_constraint=False), nullable=False),
        sa.Column("appeal_kind", sa.Enum("mistaken", "malicious", name="appealkind",
                                         native_enum=False, length=24, create_constraint=False),
                  nullable=True),
        sa.Column("appeal_evidence", sa.Text(), nullable=True),
        sa.Column("appeal_department_id", sa.Integer(), nullable=True),
        sa.Column("appealed_by_id", sa.Integer(), nullable=True),
        sa.Column("appealed_at", sa.DateTime(), nullable=True),
        sa.Column("appeal_decided_by_id", sa.Integer(), nullable=True),
        sa.Column("appeal_decided_at", sa.DateTime(), nullable=True),
        sa.Column("appeal_decision_reason", sa.Text(), nullable=True),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_ratings_case_id_cases")),
        sa.ForeignKeyConstraint(["recorded_by_id"], ["users.id"],
                                name=op.f("fk_ratings_recorded_by_id_users")),
        sa.ForeignKeyConstraint(["callback_by_id"], ["users.id"],
                                name=op.f("fk_ratings_callback_by_id_users")),
        sa.ForeignKeyConstraint(["rework_reply_id"], ["replies.id"],
                                name=op.f("fk_ratings_rework_reply_id_replies")),
        sa.ForeignKeyConstraint(["appeal_department_id"], ["departments.id"],
                                name=op.f("fk_ratings_appeal_department_id_departments")),
        sa.ForeignKeyConstraint(["appealed_by_id"], ["users.id"],
                                name=op.f("fk_ratings_appealed_by_id_users")),
        sa.ForeignKeyConstraint(["appeal_decided_by_id"], ["users.id"],
                                name=op.f("fk_ratings_appeal_decided_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_ratings")),
    )
    op.create_index("ix_ratings_case_id_rated_at", "ratings", ["case_id", "rated_at"])
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name in ("complaint_at", "callback_due_at", "callback_at", "rework_due_at",
                     "rework_feedback_at"):
            batch_op.add_column(sa.Column(name, sa.DateTime(), nullable=True))
        batch_op.add_column(sa.Column("rating_excluded", sa.Boolean(), nullable=False,
                                      server_default=sa.false()))
        batch_op.add_column(sa.Column("appeals_upheld", sa.Integer(), nullable=False,
                                      server_default="0"))
    limits = sa.table("time_limits", sa.column("key", sa.String), sa.column("label", sa.String),
                      sa.column("amount", sa.Integer), sa.column("unit", sa.String))
    op.bulk_insert(limits, [{"key": k, "label": label, "amount": a, "unit": u}
                            for k, label, a, u in TIME_LIMITS])
    _copy_ratings()


def _copy_ratings():
    """Every `rate` event becomes a rating row; rated cases without one get theirs too."""
    conn = op.get_bind()
    ratings = sa.table("ratings", *(sa.column(n) for n in (
        "case_id", "level", "tags", "comment", "channel", "recorded_by_id", "rated_at",
        "is_follow_up", "appeal_state")))
    rows, seen = [], set()
    events = conn.execute(sa.text(
        "SELECT case_id, actor_id, note, data, created_at, action FROM audit_events "
        "WHERE action IN ('rate', 'follow_up_rate') AND case_id IS NOT NULL ORDER BY id"))
    for case_id, actor_id, note, data, created_at, action in events:
        data = json.loads(data) if isinstance(data, str) else (data or {})
        if data.get("rating") not in LEVELS:
            continue
        seen.add(case_id)
        rows.append(dict(case_id=case_id, level=data["rating"], tags=None, comment=note,
                         channel="phone" if actor_id else "status_page",
                         recorded_by_id=actor_id, rated_at=created_at,
                         is_follow_up=action == "follow_up_rate", appeal_state="none"))
    for case_id, level, comment, rated_at, submitted_at in conn.execute(sa.text(
            "SELECT id, rating, rating_comment, rated_at, submitted_at FROM cases "
            "WHERE rating IS NOT NULL")):
        if case_id not in seen:
            rows.append(dict(case_id=case_id, level=level, tags=None, comment=comment,
                             channel="status_page", recorded_by_id=None,
                             rated_at=rated_at or submitted_at, is_follow_up=False,
                             appeal_state="none"))
    for start in range(0, len(rows), 5000):
        op.bulk_insert(ratings, rows[start:start + 5000])


def downgrade():
    op.execute(sa.text("DELETE FROM time_limits WHERE key IN :keys").bindparams(
        sa.bindparam("keys", [k for k, *_ in TIME_LIMITS], expanding=True)))
    with op.batch_alter_table("cases", schema=None) as batch_op:
        for name in ("appeals_upheld", "rating_excluded", "rework_feedback_at", "rework_due_at",
                     "callback_at", "callback_due_at", "complaint_at"):
            batch_op.drop_column(name)
    op.drop_index("ix_ratings_case_id_rated_at", table_name="ratings")
    op.drop_table("ratings")
