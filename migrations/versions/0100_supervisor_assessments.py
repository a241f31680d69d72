"""社会监督员 现场测评 (issue 22): assessments of departments' windows with photos and the
cases their findings became, and the office's campaigns with the departments they ask for.

The new role `social_supervisor` and the new case source needs no change: enums are VARCHAR.

Revision ID: 0100
Revises: 0090
"""
from alembic import op
import sqlalchemy as sa


revision = "0100"
down_revision = "0090"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "assessment_campaigns",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(length=100), nullable=False),
        sa.Column("starts_on", sa.Date(), nullable=False),
        sa.Column("ends_on", sa.Date(), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_assessment_campaigns_created_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_campaigns")))
    with op.batch_alter_table("assessment_campaigns", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_campaigns_ends_on"), ["ends_on"], unique=False)

    op.create_table(
        "campaign_departments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["assessment_campaigns.id"],
                                name=op.f("fk_campaign_departments_campaign_id_assessment_campaigns")),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"],
                                name=op.f("fk_campaign_departments_department_id_departments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_campaign_departments")),
        sa.UniqueConstraint("campaign_id", "department_id",
                            name=op.f("uq_campaign_departments_campaign_id_department_id")))
    with op.batch_alter_table("campaign_departments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_campaign_departments_campaign_id"),
                              ["campaign_id"], unique=False)

    op.create_table(
        "assessments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("supervisor_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("assessed_on", sa.Date(), nullable=False),
        sa.Column("campaign_id", sa.Integer(), nullable=True),
        sa.Column("matter", sa.Text(), nullable=False),
        sa.Column("efficiency", sa.String(length=24), nullable=False),
        sa.Column("process", sa.String(length=24), nullable=False),
        sa.Column("attitude", sa.String(length=24), nullable=False),
        sa.Column("notes", sa.Text(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["campaign_id"], ["assessment_campaigns.id"],
                                name=op.f("fk_assessments_campaign_id_assessment_campaigns")),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"],
                                name=op.f("fk_assessments_department_id_departments")),
        sa.ForeignKeyConstraint(["supervisor_id"], ["users.id"],
                                name=op.f("fk_assessments_supervisor_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessments")))
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessments_assessed_on"), ["assessed_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessments_campaign_id"), ["campaign_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessments_department_id"), ["department_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_assessments_supervisor_id"), ["supervisor_id"], unique=False)

    op.create_table(
        "assessment_photos",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("stored_name", sa.String(length=200), nullable=False),
        sa.Column("poster_name", sa.String(length=200), nullable=True),
        sa.Column("original_name", sa.String(length=255), nullable=True),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("byte_size", sa.Integer(), nullable=False),
        sa.Column("content_type", sa.String(length=64), nullable=False),
        sa.Column("width", sa.Integer(), nullable=True),
        sa.Column("height", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessments.id"],
                                name=op.f("fk_assessment_photos_assessment_id_assessments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_photos")))
    with op.batch_alter_table("assessment_photos", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_photos_assessment_id"), ["assessment_id"], unique=False)

    op.create_table(
        "assessment_cases",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("assessment_id", sa.Integer(), nullable=False),
        sa.Column("case_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["assessment_id"], ["assessments.id"],
                                name=op.f("fk_assessment_cases_assessment_id_assessments")),
        sa.ForeignKeyConstraint(["case_id"], ["cases.id"], name=op.f("fk_assessment_cases_case_id_cases")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_assessment_cases")),
        sa.UniqueConstraint("case_id", name=op.f("uq_assessment_cases_case_id")))
    with op.batch_alter_table("assessment_cases", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessment_cases_assessment_id"), ["assessment_id"], unique=False)


def downgrade():
    op.drop_table("assessment_cases")
    op.drop_table("assessment_photos")
    op.drop_table("assessments")
    op.drop_table("campaign_departments")
    op.drop_table("assessment_campaigns")
