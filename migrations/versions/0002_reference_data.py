"""reference data every county shares: the 13 categories and the default time limits

Revision ID: 0002
Revises: 0001
"""
from alembic import op
import sqlalchemy as sa

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

# A frozen copy: a migration must not change when the app's code does.
CATEGORIES = [
    ("start_business", "开办企业"), ("construction_permit", "建筑许可"),
    ("property_registration", "不动产登记"), ("government_service", "政务服务"),
    ("hotline", "便民服务热线"), ("credit", "信用建设"), ("electricity", "获得电力"),
    ("tax", "纳税"), ("credit_loans", "获得信贷"), ("contracts", "执行合同"),
    ("procurement", "政府采购"), ("insolvency", "办理破产"), ("other", "其他"),
]

TIME_LIMITS = [
    ("sign", "签收时限", 1, "workdays"),
    ("sign_urgent", "紧急件签收时限", 30, "minutes"),
    ("handle_consultation", "咨询类办理时限", 3, "workdays"),
    ("handle_general", "一般类办理时限", 5, "workdays"),
    ("handle_complex", "复杂类办理时限", 13, "workdays"),
    # 0 working days means "by the end of the dispatch day's working hours".
    ("handle_urgent", "紧急类办理时限", 0, "workdays"),
    ("return", "退回时限", 2, "workdays"),
    ("extension_max", "最长延期", 10, "workdays"),
    ("close_unrated", "未评价自动办结", 3, "workdays"),
    ("supervise_after", "逾期挂牌督办", 5, "workdays"),
    ("remind_before", "到期前提醒", 2, "hours"),
]


def upgrade():
    categories = sa.table("categories", sa.column("code", sa.String), sa.column("name", sa.String),
                          sa.column("sort_order", sa.Integer))
    op.bulk_insert(categories, [{"code": code, "name": name, "sort_order": i + 1}
                                for i, (code, name) in enumerate(CATEGORIES)])
    limits = sa.table("time_limits", sa.column("key", sa.String), sa.column("label", sa.String),
                      sa.column("amount", sa.Integer), sa.column("unit", sa.String))
    op.bulk_insert(limits, [{"key": k, "label": label, "amount": a, "unit": u}
                            for k, label, a, u in TIME_LIMITS])


def downgrade():
    codes = [code for code, _ in CATEGORIES]
    keys = [key for key, *_ in TIME_LIMITS]
    op.execute(sa.text("DELETE FROM categories WHERE code IN :codes")
               .bindparams(sa.bindparam("codes", codes, expanding=True)))
    op.execute(sa.text("DELETE FROM time_limits WHERE key IN :keys")
               .bindparams(sa.bindparam("keys", keys, expanding=True)))
