"""The demo county's 营商环境月分析, driven through app.areas.operations with past times: the
areas' responsible departments (the seven departments of the issue, where the office has not
set one), four monitoring-point enterprises, and last month's analyses requested at the start
of this month with most departments having answered (so the month page, the report and the
reminders have something to show).

Seeded once: a database with any request is left as it is (the loader is idempotent)."""
from datetime import timedelta

from app.areas import operations as ops, queries
from app.areas.models import AreaAnalysis, MonitoringPoint
from app.auth.queries import HANDLING_ROLES, users_of_department
from app.core.clock import local_today
from app.demo.field import _at
from app.extensions import db
from app.figures.queries import add_months

# area → the demo department (app/demo/data.py) that analyses it
RESPONSIBLE = {"开办企业": "APPROVAL", "建筑许可": "NRP", "不动产登记": "NRP", "政务服务": "APPROVAL",
               "便民服务热线": "APPROVAL", "信用建设": "BANKING", "获得电力": "POWER", "纳税": "TAX",
               "获得信贷": "BANKING", "执行合同": "COURT", "政府采购": "FINANCE", "办理破产": "COURT"}
POINTS = 4
UNANSWERED = {"获得信贷", "办理破产"}  # left open: one pending or overdue each, for the reminders
ANALYSIS = {
    "开办企业": ("个别企业反映刻章、社保登记仍需分别办理，“一件事”集成度不够。",
             "推行企业开办“一网通办”，刻章、社保登记并入一次申请，本月底前完成系统对接。"),
    "获得电力": ("小微企业低压接电平均用时仍超过5个工作日，个别外线工程审批衔接慢。",
             "推行低压小微企业“三零”服务，外线工程审批并联办理，接电时限压缩至3个工作日。"),
    "纳税": ("部分企业对发票额度调整流程不熟悉，电子税务局使用咨询量较大。",
           "开展电子税务局专题辅导，监测点企业逐户上门指导，发票额度调整限时办结。"),
}
DEFAULT_ANALYSIS = ("本月本领域企业反映问题较少，监测点企业未发现突出短板。",
                    "继续走访监测点企业，跟踪已反映问题的办理情况，按月报送分析。")


def seed_areas(loader) -> dict:
    """Seed the monthly analysis for the demo county `loader` (app/demo/loader.DemoLoader)."""
    for area in queries.areas():
        code = RESPONSIBLE.get(area.name)
        if area.department_id is None and code in loader.departments:
            area.department = loader.departments[code]
    db.session.flush()
    if db.session.execute(db.select(AreaAnalysis.id).limit(1)).first() is not None:
        db.session.commit()
        return {"area_analyses_created": 0}
    dispatcher = loader.users["dispatcher"]
    if db.session.execute(db.select(MonitoringPoint.id).limit(1)).first() is None:
        for enterprise in list(loader.enterprises.values())[:POINTS]:
            ops.flag_monitoring_point(dispatcher, enterprise, "营商环境监测点")
    today = local_today(loader.now)
    first = today.replace(day=1)
    month = f"{add_months(first, -1):%Y-%m}"
    requested_at = _at(first, 9)
    if requested_at > loader.limit:  # the first of the month, before 09:00: request now
        requested_at = loader.limit
    created, _skipped = ops.request_analyses(dispatcher, month, 5, now=requested_at)
    answered = 0
    for analysis in created:
        if analysis.area.name in UNANSWERED:
            continue
        people = users_of_department(analysis.department_id, *HANDLING_ROLES)
        at = min(requested_at + timedelta(days=2), loader.limit)
        if not people:
            continue
        weaknesses, measures = ANALYSIS.get(analysis.area.name, DEFAULT_ANALYSIS)
        ops.submit_analysis(people[0], analysis, weaknesses, measures, now=at)
        answered += 1
    db.session.commit()
    return {"area_analyses_created": len(created), "area_analyses_answered": answered}
