"""营商环境月分析 (issue 22): the 12 areas with their responsible departments, the case
categories mapped to them, monitoring-point enterprises, and the monthly area analyses.

Seeds the 12 areas and maps each seeded category of 0002 with the same name to its area
(其他 stays unmapped: 未归类). A responsible department is set where a department of the
expected name exists already; otherwise the office sets it.

Revision ID: 0130
Revises: 0120
"""
from alembic import op
import sqlalchemy as sa


revision = "0130"
down_revision = "0120"
branch_labels = None
depends_on = None

# A frozen copy: a migration must not change when the app's code does.
# (area, the seeded category code mapped to it, the department expected to analyse it)
AREAS = [
    ("开办企业", "start_business", "行政审批局"),
    ("建筑许可", "construction_permit", "自规局"),
    ("不动产登记", "property_registration", "自规局"),
    ("政务服务", "government_service", "行政审批局"),
    ("便民服务热线", "hotline", "行政审批局"),
    ("信用建设", "credit", "金融办"),
    ("获得电力", "electricity", "供电公司"),
    ("纳税", "tax", "税务局"),
    ("获得信贷", "credit_loans", "金融办"),
    ("执行合同", "contracts", "法院"),
    ("政府采购", "procurement", "财政局"),
    ("办理破产", "insolvency", "法院"),
]


def upgrade():
    op.create_table(
        "analysis_areas",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=20), nullable=False),
        sa.Column("sort_order", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=True),
        sa.Column("is_active", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"],
                                name=op.f("fk_analysis_areas_department_id_departments")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_analysis_areas")),
        sa.UniqueConstraint("name", name=op.f("uq_analysis_areas_name")))
    op.create_table(
        "analysis_area_categories",
        sa.Column("category_id", sa.Integer(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["analysis_areas.id"],
                                name=op.f("fk_analysis_area_categories_area_id_analysis_areas")),
        sa.ForeignKeyConstraint(["category_id"], ["categories.id"],
                                name=op.f("fk_analysis_area_categories_category_id_categories")),
        sa.PrimaryKeyConstraint("category_id", name=op.f("pk_analysis_area_categories")))
    with op.batch_alter_table("analysis_area_categories", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_analysis_area_categories_area_id"), ["area_id"],
                              unique=False)
    op.create_table(
        "monitoring_points",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enterprise_id", sa.Integer(), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["created_by_id"], ["users.id"],
                                name=op.f("fk_monitoring_points_created_by_id_users")),
        sa.ForeignKeyConstraint(["enterprise_id"], ["enterprises.id"],
                                name=op.f("fk_monitoring_points_enterprise_id_enterprises")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitoring_points")),
        sa.UniqueConstraint("enterprise_id", name=op.f("uq_monitoring_points_enterprise_id")))
    op.create_table(
        "area_analyses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("month", sa.String(length=7), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("department_id", sa.Integer(), nullable=False),
        sa.Column("due_on", sa.Date(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=True),
        sa.Column("requested_at", sa.DateTime(), nullable=False),
        sa.Column("weaknesses", sa.Text(), nullable=True),
        sa.Column("measures", sa.Text(), nullable=True),
        sa.Column("submitted_by_id", sa.Integer(), nullable=True),
        sa.Column("submitted_at", sa.DateTime(), nullable=True),
        sa.ForeignKeyConstraint(["area_id"], ["analysis_areas.id"],
                                name=op.f("fk_area_analyses_area_id_analysis_areas")),
        sa.ForeignKeyConstraint(["department_id"], ["departments.id"],
                                name=op.f("fk_area_analyses_department_id_departments")),
        sa.ForeignKeyConstraint(["requested_by_id"], ["users.id"],
                                name=op.f("fk_area_analyses_requested_by_id_users")),
        sa.ForeignKeyConstraint(["submitted_by_id"], ["users.id"],
                                name=op.f("fk_area_analyses_submitted_by_id_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_area_analyses")),
        sa.UniqueConstraint("month", "area_id", name=op.f("uq_area_analyses_month_area_id")))
    with op.batch_alter_table("area_analyses", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_area_analyses_month"), ["month"], unique=False)
        batch_op.create_index(batch_op.f("ix_area_analyses_department_id"), ["department_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_area_analyses_due_on"), ["due_on"], unique=False)

    conn = op.get_bind()
    departments = dict(conn.execute(sa.text("SELECT name, id FROM departments")).all())
    categories = dict(conn.execute(sa.text("SELECT code, id FROM categories")).all())
    areas = sa.table("analysis_areas", sa.column("id", sa.Integer), sa.column("name", sa.String),
                     sa.column("sort_order", sa.Integer), sa.column("department_id", sa.Integer),
                     sa.column("is_active", sa.Boolean))
    op.bulk_insert(areas, [{"name": name, "sort_order": i + 1, "is_active": True,
                            "department_id": departments.get(department)}
                           for i, (name, _code, department) in enumerate(AREAS)])
    ids = dict(conn.execute(sa.text("SELECT name, id FROM analysis_areas")).all())
    mapping = sa.table("analysis_area_categories", sa.column("category_id", sa.Integer),
                       sa.column("area_id", sa.Integer))
    op.bulk_insert(mapping, [{"category_id": categories[code], "area_id": ids[name]}
                             for name, code, _department in AREAS if code in categories])


def downgrade():
    op.drop_table("area_analyses")
    op.drop_table("monitoring_points")
    with op.batch_alter_table("analysis_area_categories", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_analysis_area_categories_area_id"))
    op.drop_table("analysis_area_categories")
    op.drop_table("analysis_areas")
