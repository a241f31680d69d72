"""A few dozen demo-like cases over the last months, driven through the real operations."""
from datetime import timedelta
import random

from app.auth.models import Role
from app.cases import operations as ops
from app.cases.models import CaseSource, CaseState, Rating
from app.core.clock import utcnow
from app.extensions import db

CATEGORY_WEIGHTS = [("start_business", 6), ("construction_permit", 5), ("property_registration", 4),
                    ("government_service", 7), ("electricity", 3), ("tax", 6), ("credit_loans", 3),
                    ("procurement", 2), ("other", 4)]
SOURCE_WEIGHTS = [(CaseSource.card, 10), (CaseSource.hall, 4), (CaseSource.hotline, 5),
                  (CaseSource.visit, 3), (CaseSource.meeting, 2), (CaseSource.deputy, 1)]
OUTCOMES = [("closed", 19), ("closed_late", 5), ("sign_late", 3), ("replied", 4), ("signed", 4),
            ("dispatched", 2), ("overdue", 2), ("returned", 2), ("reopened", 2), ("unhappy", 2),
            ("answered", 3), ("extended", 2)]  # 50 cases; plus one invalid
RATINGS = [Rating.very_satisfied] * 5 + [Rating.satisfied] * 4 + [Rating.basically_satisfied]


def _pick(rng, weighted):
    items, weights = zip(*weighted)
    return rng.choices(items, weights)[0]


def build_demo_county(world, make_department, make_user, make_case, seed=7):
    """51 cases submitted over the last ~80 days, in every state, across six departments."""
    rng = random.Random(seed)
    departments = [world.dept, world.other_dept]
    handlers = {world.dept.id: world.handler, world.other_dept.id: world.other_handler}
    for code, name in [("NATRES", "自然资源局"), ("HOUSING", "住建局"),
                       ("APPROVAL", "行政审批服务局"), ("POWER", "县供电公司")]:
        department = make_department(code=code, name=name)
        departments.append(department)
        handlers[department.id] = make_user(Role.handler, department, username=f"h_{code.lower()}")
    now = utcnow()
    dispatcher = world.dispatcher
    cases = []
    outcomes = [name for name, count in OUTCOMES for _ in range(count)] + ["invalid"]
    rng.shuffle(outcomes)
    for i, outcome in enumerate(outcomes):
        start = now - timedelta(days=rng.randint(9, 80), hours=rng.randint(0, 8))
        if outcome in ("dispatched", "signed", "replied"):
            start = now - timedelta(hours=rng.randint(1, 20))  # recent: still within limits
        department = rng.choice(departments)
        handler = handlers[department.id]
        case = make_case(now=start, source=_pick(rng, SOURCE_WEIGHTS),
                         category=_pick(rng, CATEGORY_WEIGHTS),
                         content=f"关于企业经营中遇到的问题（示例{i + 1}），请相关部门协调解决。")
        at = start + timedelta(minutes=30)
        if outcome == "invalid":
            ops.mark_invalid(case, dispatcher, "重复提交", now=at)
        elif outcome == "answered":
            ops.answer_now(case, dispatcher, "已电话解答，按指南办理即可", now=at)
            ops.rate_case(case, rng.choice(RATINGS), now=at + timedelta(hours=2))
        else:
            ops.dispatch_case(case, dispatcher, department, now=at)
            if outcome == "returned":
                ops.return_case(case, handler, "不属于本部门职责", now=at + timedelta(hours=3))
            elif outcome not in ("dispatched", "overdue"):
                late_sign = outcome == "sign_late"
                ops.sign_case(case, handler, now=at + timedelta(days=3 if late_sign else 0, hours=2))
                if outcome == "extended":
                    ops.request_extension(case, handler, 5, "需要现场核查", now=at + timedelta(days=1))
                    ops.approve_extension(case, dispatcher, now=at + timedelta(days=1, hours=1))
                if outcome != "signed":
                    days = {"closed_late": 12, "extended": 9}.get(outcome, rng.randint(0, 4))
                    reply_at = at + timedelta(days=days, hours=4)
                    ops.reply_to_case(case, handler, "经核实已处理完毕，特此答复。", now=reply_at)
                    if outcome == "unhappy":  # reopened, and still being handled
                        ops.rate_case(case, Rating.very_dissatisfied, now=reply_at + timedelta(hours=1), tags=["slow"])
                    elif outcome == "reopened":
                        ops.rate_case(case, Rating.dissatisfied, now=reply_at + timedelta(hours=1), tags=["slow"])
                        ops.reply_to_case(case, handler, "重新核查后已处理。",
                                          now=reply_at + timedelta(days=2))
                        ops.rate_case(case, Rating.satisfied, now=reply_at + timedelta(days=2, hours=1))
                    elif outcome != "replied":
                        ops.rate_case(case, rng.choice(RATINGS), now=reply_at + timedelta(hours=1))
        db.session.commit()
        cases.append(case)
    assert any(c.state is CaseState.closed for c in cases)
    return cases
