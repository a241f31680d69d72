"""The demo county's 社会监督员 现场测评, driven through app.assessments.operations with past
times: five invited supervisors, last quarter's campaign (nearly everyone finished) and a
running one (half done, so the matrix and the reminders have something to show), with a few
findings that became cases and went through the office.

Seeded once: a database with any assessment is left as it is (the loader is idempotent)."""
from datetime import timedelta
import random

from app.assessments import operations as ops
from app.assessments.models import Assessment
from app.auth.models import Role, User
from app.cases.models import Category, Rating
from app.core.clock import local_today
from app.demo.field import _at, _handle
from app.extensions import db
from app.field.operations import Issue

SEED = 22
SUPERVISORS = [("jd_wang", "王建德", "13905300101"), ("jd_li", "李秀英", "13905300102"),
               ("jd_zhang", "张国庆", "13905300103"), ("jd_liu", "刘淑芬", "13905300104"),
               ("jd_chen", "陈志远", None)]
LEVELS = [Rating.very_satisfied] * 5 + [Rating.satisfied] * 6 + [Rating.basically_satisfied] * 2 \
    + [Rating.dissatisfied]
MATTERS = ["到窗口咨询个体工商户登记办理流程", "体验办理不动产登记查询", "体验企业社保参保登记",
           "现场办理税务发票申领", "体验用电报装咨询", "咨询惠企政策申报材料"]
NOTES = [None, None, "窗口引导清楚，办事效率高", "等候区座位不足", "一次性告知单内容详细"]
FINDINGS = [("government_service", "高峰期只开一个窗口，排队等候时间较长"),
            ("government_service", "窗口工作人员对新政策不熟悉，需要反复咨询"),
            ("other", "办事指南未及时更新，与实际要求不一致")]
FINDING_CHANCE = 0.05
PAST_DONE, RUNNING_DONE = 0.95, 0.5  # share of (supervisor, department) cells assessed


def _supervisor(username, name, phone, password_hash) -> User:
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None:
        user = User(username=username, display_name=name, role=Role.social_supervisor, phone=phone,
                    password_hash=password_hash, must_change_password=False, is_active=True)
        db.session.add(user)
        db.session.flush()
    return user


def seed_assessments(loader) -> dict:
    """Seed the assessments for the demo county `loader` (app/demo/loader.DemoLoader)."""
    if db.session.execute(db.select(Assessment.id).limit(1)).first() is not None:
        return {"assessments_created": 0}
    with db.session.no_autoflush:
        return _seed(loader)


def _seed(loader) -> dict:
    rng = random.Random(SEED)
    today = local_today(loader.now)
    dispatcher = loader.users["dispatcher"]
    supervisors = [_supervisor(u, n, p, dispatcher.password_hash) for u, n, p in SUPERVISORS]
    categories = {c.code: c for c in db.session.execute(db.select(Category)).scalars()}
    past_start, running_start = today - timedelta(days=100), today - timedelta(days=12)
    past = ops.open_campaign(None, "上季度社会监督员现场测评", past_start,
                             past_start + timedelta(days=44), now=_at(past_start, 9))
    running = ops.open_campaign(None, "本季度社会监督员现场测评", running_start,
                                running_start + timedelta(days=30), now=_at(running_start, 9))
    made = findings = 0
    for campaign, share in ((past, PAST_DONE), (running, RUNNING_DONE)):
        last = min(campaign.ends_on, today - timedelta(days=1))
        span = (last - campaign.starts_on).days
        for supervisor in supervisors:
            for target in campaign.targets:
                if rng.random() > share:
                    continue
                day = campaign.starts_on + timedelta(days=rng.randrange(span + 1))
                found = [Issue(categories[code], text) for code, text in [rng.choice(FINDINGS)]] \
                    if rng.random() < FINDING_CHANCE else []
                _assessment, cases = ops.record_assessment(
                    supervisor, department=target.department, assessed_on=day,
                    matter=rng.choice(MATTERS), efficiency=rng.choice(LEVELS),
                    process=rng.choice(LEVELS), attitude=rng.choice(LEVELS),
                    notes=rng.choice(NOTES), findings=found, now=_at(day, 10))
                for case in cases:
                    _handle(case, _at(day, 10), dispatcher, rng, loader.limit)
                made, findings = made + 1, findings + len(cases)
        db.session.commit()
    return {"assessments_created": made, "assessment_findings": findings}
