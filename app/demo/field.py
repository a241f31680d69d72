"""The demo county's field mechanisms, driven through app.field.operations with past times:
a year of 包联 pairs (one changed hands), the 7+N service teams, the leaders' 一线办公周
visits and the teams' 10天3次 visits with the issues they found (cases that went through the
office like any other), 一企一策 measures and the 纪委监委's supervision visits.

Seeded once: a database with any visit is left as it is (the loader is idempotent)."""
from datetime import date, datetime, time, timedelta
import random

from app.auth.models import Role, User
from app.cases import operations as case_ops
from app.cases.models import Category, Rating
from app.core.clock import local_today
from app.core.timeutil import local_datetime
from app.extensions import db
from app.field import operations as ops, queries
from app.field.models import FindingOutcome, SupervisionKind, Visit, VisitLevel
from app.workdays.calendar import WorkCalendar

SEED = 21
MONTHS = 12
OFFICE_WEEK_VISITED = 0.85  # share of pairs their leader visits in the week
ISSUE_CHANCE = 0.08  # a visit that finds an issue
TEAM_MONTHS = 3  # the 7+N teams were formed this many months ago (keeps the load fast)
TEAMS = [  # (department code, team name, one of the 7)
    ("NDRC", "发改服务分团", True), ("APPROVAL", "审批服务分团", True),
    ("SAMR", "市场监管服务分团", True), ("NRP", "自然资源服务分团", True),
    ("HOUSING", "住建服务分团", True), ("FINANCE", "财政服务分团", True),
    ("COURT", "法院服务分团", True), ("TAX", "税务服务分团", False),
    ("POWER", "供电服务分团", False), ("BANKING", "金融服务分团", False),
]
TEAM_LEVELS = {"BANKING": VisitLevel.financial}
HEARD = ["企业生产经营总体平稳，订单较去年同期增长", "企业反映用工招聘难，技术工人缺口较大",
         "企业计划扩建生产线，关注用地和审批进度", "企业资金周转偏紧，希望对接银行信贷产品",
         "企业新产品研发顺利，咨询科技创新奖补政策", "企业关注原材料价格波动，物流成本上升"]
ISSUES = [("electricity", "新厂区用电增容报装进度慢，影响设备调试"),
          ("credit_loans", "流动资金贷款续贷手续繁琐，希望简化"),
          ("construction_permit", "扩建项目施工许可办理时间较长"),
          ("tax", "留抵退税到账时间较长，影响资金周转"),
          ("other", "厂区门前道路破损，货车通行困难"),
          ("government_service", "企业开办后社保登记需要多跑一次")]
MEASURES = ["协调供电公司提前完成增容报装", "对接县金融服务中心推荐信贷产品",
            "帮助企业申报技术改造项目资金", "组织专场招聘会解决用工问题",
            "协调审批部门并联办理扩建手续"]
SUPERVISION = [
    (SupervisionKind.covert, "GOVSERVICE", "暗访政务服务中心窗口办事情况",
     [("窗口工作人员午间脱岗，群众等候时间较长", FindingOutcome.case),
      ("一次性告知制度落实不到位", FindingOutcome.clue)]),
    (SupervisionKind.experience, "APPROVAL", "体验式办理企业开办全流程",
     [("线上办理引导不清楚，企业需电话咨询", FindingOutcome.noted)]),
    (SupervisionKind.survey, "POWER", "调研企业用电报装服务",
     [("部分企业反映报装时限承诺未兑现", FindingOutcome.clue)]),
    (SupervisionKind.covert, "HOUSING", "暗访住建窗口施工许可办理",
     [("材料要求与清单不一致，存在重复提交", FindingOutcome.case)]),
]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return local_datetime(day, time(hour, minute))


def _first_handler(department_id):
    return db.session.execute(db.select(User).where(
        User.department_id == department_id, User.role == Role.handler,
        User.is_active.is_(True)).order_by(User.id)).scalars().first()


def _discipline_user(password_hash: str) -> User:
    user = db.session.execute(db.select(User).filter_by(username="jiwei")).scalar_one_or_none()
    if user is None:
        user = User(username="jiwei", display_name="李纪明", role=Role.discipline,
                    password_hash=password_hash, must_change_password=False, is_active=True)
        db.session.add(user)
        db.session.flush()
    return user


def _handle(case, at: datetime, dispatcher, rng, limit: datetime):
    """An issue found long enough ago went through the office: dispatched, signed, answered,
    rated; a recent one is still with the department, or with the office (before `limit`)."""
    department = case.category.default_department
    handler = _first_handler(department.id) if department else None
    if handler is None or at + timedelta(hours=20) > limit:
        return
    case_ops.dispatch_case(case, dispatcher, department, now=at + timedelta(hours=2))
    case_ops.sign_case(case, handler, now=at + timedelta(hours=20))
    if at + timedelta(days=20) < limit:
        case_ops.reply_to_case(case, handler, "已协调相关单位解决，并向企业反馈", now=at + timedelta(days=4))
        case_ops.rate_case(case, rng.choice([Rating.very_satisfied, Rating.satisfied]),
                           now=at + timedelta(days=5))


def seed_field(loader) -> dict:
    """Seed the field records for the demo county `loader` (app/demo/loader.DemoLoader)."""
    if db.session.execute(db.select(Visit.id).limit(1)).first() is not None:
        return {"visits_created": 0}
    # The operations flush where they need ids; autoflushing before each of their look-ups
    # only repeats work (as the loader's cases do).
    with db.session.no_autoflush:
        return _seed(loader)


def _seed(loader) -> dict:
    rng = random.Random(SEED)
    users, departments, now = loader.users, loader.departments, loader.now
    today = local_today(now)
    start = (today.replace(day=1) - timedelta(days=1)).replace(day=1)
    for _ in range(MONTHS - 1):
        start = (start - timedelta(days=1)).replace(day=1)
    dispatcher = users["dispatcher"]
    inspector = _discipline_user(users["dispatcher"].password_hash)
    categories = {c.code: c for c in db.session.execute(db.select(Category)).scalars()}

    # 包联 pairs: the enterprises with a leader, from a year ago; one changed hands 4 months ago.
    keyed = [e for e in loader.enterprises.values() if e.package_leader_id]
    leaders = {u.id: u for u in users.values() if u.role is Role.leader}
    first_day = start
    for index, enterprise in enumerate(keyed):
        leader, department = leaders[enterprise.package_leader_id], enterprise.responsible_department
        liaison = _first_handler(department.id) if department else None
        if index == 0:
            other = next(u for u in leaders.values() if u.id != leader.id)
            ops.assign_enterprise(None, enterprise, other, department, liaison, first_day,
                                  now=_at(first_day, 9))
            changed = (today.replace(day=1) - timedelta(days=100)).replace(day=1)
            ops.assign_enterprise(None, enterprise, leader, department, liaison, changed,
                                  now=_at(changed, 9))
        else:
            ops.assign_enterprise(None, enterprise, leader, department, liaison, first_day,
                                  now=_at(first_day, 9))
    formed = today.replace(day=1)
    for _ in range(TEAM_MONTHS - 1):
        formed = (formed - timedelta(days=1)).replace(day=1)
    teams = []
    for code, name, is_lead in TEAMS:
        team = ops.create_team(None, name, departments[code], is_lead, formed, now=_at(formed, 9))
        for user in users.values():
            if user.department_id == departments[code].id and user.role in (Role.handler, Role.department_head):
                ops.add_team_member(None, team, user, formed, now=_at(formed, 9))
        teams.append(team)
    db.session.commit()

    calendar = WorkCalendar.from_database()
    made = issues = 0
    month = start
    while month <= today:
        week = queries.office_week(month.year, month.month, calendar)
        for assignment in queries.active_assignments(week.start):
            if rng.random() > OFFICE_WEEK_VISITED:
                continue
            day = week.start + timedelta(days=rng.randrange((week.end - week.start).days + 1))
            if day > today:
                continue
            made, issues = _visit(assignment.enterprise, assignment.leader, day, VisitLevel.county,
                                  None, rng, categories, dispatcher, made, issues, loader.limit)
        for dekad in queries.dekads(month.year, month.month) if month >= formed else ():
            for team in teams:
                members = queries.team_members(team, dekad.start)
                mine = [e for e in keyed if e.responsible_department_id == team.department_id] or keyed
                for _ in range(rng.choice((2, 3, 3, 3))):
                    day = dekad.start + timedelta(days=rng.randrange((dekad.end - dekad.start).days + 1))
                    if day > today or not members:
                        continue
                    level = TEAM_LEVELS.get(team.department.code, VisitLevel.department)
                    made, issues = _visit(rng.choice(mine), rng.choice(members).user, day, level,
                                          team, rng, categories, dispatcher, made, issues, loader.limit)
        db.session.commit()
        month = (month + timedelta(days=32)).replace(day=1)

    # 一企一策: two measures for a handful of enterprises; older ones done.
    measures = 0
    for enterprise in keyed[:6]:
        for k in range(2):
            made_on = today - timedelta(days=rng.randrange(20, 200))
            measure = ops.add_help_measure(
                None, enterprise, rng.choice(MEASURES), enterprise.responsible_department,
                made_on + timedelta(days=rng.randrange(15, 90)), now=_at(made_on, 10))
            measure.created_by_id = enterprise.package_leader_id
            if measure.due_on < today - timedelta(days=10) and k == 0:
                owner = _first_handler(measure.owner_department_id)
                ops.complete_help_measure(owner, measure, "已完成，企业认可",
                                          now=_at(measure.due_on - timedelta(days=3), 16))
            measures += 1
    # 纪委监委: a few supervision visits over the year.
    for n, (kind, code, summary, findings) in enumerate(SUPERVISION):
        day = today - timedelta(days=300 - n * 70)
        visit = ops.record_supervision_visit(
            inspector, kind=kind, department=departments[code], visited_on=day, summary=summary,
            findings=[ops.Finding(text, outcome, category=categories["government_service"],
                                  owner_department=departments[code],
                                  due_on=day + timedelta(days=30)) for text, outcome in findings],
            now=_at(day, 15))
        for finding in visit.findings:
            if finding.case is not None:
                _handle(finding.case, _at(day, 15), dispatcher, rng, loader.limit)
            if finding.outcome is FindingOutcome.clue and n < 3:
                ops.close_clue(inspector, finding, "已责成整改并约谈相关负责人",
                               now=_at(day + timedelta(days=20), 10))
    db.session.commit()
    return {"visits_created": made, "visit_issues": issues, "help_measures": measures}


def _visit(enterprise, actor, day, level, team, rng, categories, dispatcher, made, issues, limit):
    found = []
    if rng.random() < ISSUE_CHANCE:
        code, content = rng.choice(ISSUES)
        found = [ops.Issue(categories[code], content)]
    at = min(_at(day, rng.randrange(9, 17), rng.randrange(60)), limit)
    mobile = case_ops.MOBILE_RE.match(enterprise.contact_phone or "")
    _visit_row, cases = ops.record_visit(
        actor, enterprise=enterprise, visited_on=day, level=level, team=team,
        heard=rng.choice(HEARD), issues=found, contact_name=enterprise.contact_name,
        contact_phone=enterprise.contact_phone if mobile else None, now=at)
    for case in cases:
        _handle(case, at, dispatcher, rng, limit)
    return made + 1, issues + len(cases)
