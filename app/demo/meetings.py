"""The demo county's meetings and 《代表声音》, driven through the real operations.

A year of monthly 党企月商会 (fourth Thursday) and biweekly 面对面解难题 meetings (every other
Tuesday), each assigning a few issues to a leader and a department; most past issues are
signed, answered and rated through the case operations, some are still open (and some of
those overdue). The coming 党企月商会 has its agenda built, so it shows the earlier issues'
states. Three bulletins of deputies' suggestions carry leaders' 批示. Loaded once: a database
that already has meetings is left alone."""
from datetime import date, datetime, time, timedelta
import random

from sqlalchemy import select

from app.bulletins import operations as bulletin_ops
from app.cases import operations as case_ops
from app.cases.models import CaseSource, Rating
from app.core.clock import local_today
from app.core.timeutil import local_datetime
from app.meetings import operations as ops
from app.meetings.models import Meeting
from app.meetings.queries import meeting_type_by_code
from app.extensions import db

SEED = "meetings-2026"
# 面对面's service areas: (area, department, category, what an enterprise raises, measure)
AREAS = [
    ("人才招聘", "HRSS", "other", "扩产后急需熟练技工约{n}人，本地招聘困难", "组织专场招聘会并对接职业院校"),
    ("设备更新", "MIIT", "credit_loans", "设备更新改造项目申请技改补助，材料准备不清楚", "工信局上门辅导申报"),
    ("市场开拓", "COMMERCE", "other", "希望参加省外展销会拓展销售渠道", "商务局推荐参展并协调展位补贴"),
    ("入库入统", "NDRC", "other", "达到规上标准，申请入库入统需要指导", "发改局、统计部门联合指导"),
    ("上市帮扶", "FINANCE", "other", "计划挂牌上市，需要政策和中介对接", "财政局牵头对接券商"),
    ("外出展览", "COMMERCE", "procurement", "外出参展费用补贴政策不清楚", "商务局解读补贴政策"),
    ("审批服务", "APPROVAL", "construction_permit", "新建车间施工许可办理周期长", "审批局开通绿色通道并联审批"),
    ("金融贷款", "BANKING", "credit_loans", "流动资金贷款{n}百万元审批进度慢", "金融服务中心组织银企对接"),
    ("配套设施", "TRANSPORT", "other", "园区门前道路破损，大货车通行困难", "交通局列入维修计划"),
    ("科技创新", "MIIT", "other", "申报高新技术企业需要专业辅导", "科技部门组织专家上门辅导"),
]
GOALS = ["一个月内解决", "按期办结", "月底前落实", "限期答复企业"]
SUGGESTIONS = [
    "建议在园区设立企业服务驿站，集中办理常见涉企事项",
    "建议简化小微企业贷款续贷手续，推行无还本续贷",
    "建议加密园区至县城的公交班次，方便企业职工通勤",
    "建议对新开办企业提供一次免费的税务辅导",
    "建议将工程建设项目审批时限再压缩三分之一",
    "建议为规上企业配备专职联络员，定期走访",
    "建议公布涉企收费清单，清单之外一律不收",
    "建议在政务服务中心开设企业诉求“一窗受理”",
    "建议建立企业用工余缺调剂平台",
]
ANSWERS = ["已按建议落实，相关措施本月起施行", "已研究采纳，正在分步推进", "已专题研究，纳入明年工作计划"]


def _at(day: date, hour: int, minute: int = 0) -> datetime:
    return local_datetime(day, time(hour, minute))


def _fourth_thursday(year: int, month: int) -> date:
    first = date(year, month, 1)
    return first + timedelta(days=(3 - first.weekday()) % 7 + 21)


class _MeetingsDemo:
    def __init__(self, loader):
        self.l = loader
        self.now = loader.now
        self.limit = loader.limit
        self.rng = random.Random(SEED)
        self.dispatcher = loader.users["dispatcher"]
        self.leaders = [u.display_name for u in loader.users.values() if u.role.name == "leader"]
        self.firms = sorted(loader.enterprises.values(), key=lambda e: e.credit_code)
        self.departments = loader.departments
        self.categories = loader.categories
        self.cases = 0

    def handler(self, code):
        from app.demo.loader import handler_username
        return self.l.users[handler_username(code)]

    def run(self) -> int:
        today = local_today(self.now)
        monthly = []
        for back in range(12, 0, -1):
            index = today.year * 12 + today.month - 1 - back
            monthly.append(_fourth_thursday(index // 12, index % 12 + 1))
        this_month = _fourth_thursday(today.year, today.month)
        if this_month < today:
            monthly.append(this_month)
        biweekly, tuesday = [], today - timedelta(days=(today.weekday() - 1) % 7 or 7)
        while tuesday > today - timedelta(days=365) and len(biweekly) < 26:
            biweekly.append(tuesday)
            tuesday -= timedelta(days=14)
        # As in the loader: the operations flush where they need ids; autoflushing before
        # each of their look-ups only repeats UPDATEs of the same case.
        with db.session.no_autoflush:
            for day in monthly:
                self.meeting("party_business", day, "县委书记", issues=self.rng.randint(3, 5))
            for day in reversed(biweekly):
                self.meeting("face_to_face", day, "分管副县长", issues=self.rng.randint(2, 3))
        next_month = today.year * 12 + today.month  # zero-based month index of next month
        upcoming = this_month if this_month >= today else _fourth_thursday(
            next_month // 12, next_month % 12 + 1)
        meeting = ops.create_meeting(self.dispatcher, meeting_type_by_code("party_business"),
                                     upcoming, chair="县委书记", leaders=self.leaders[:3],
                                     now=self.limit)
        ops.build_agenda(meeting, self.dispatcher, now=self.limit)
        db.session.commit()
        self.bulletins(today)
        return self.cases

    def meeting(self, code, day, chair, issues):
        start = _at(day, 9, 30)
        if start >= self.limit:
            return
        firms = self.rng.sample(self.firms, issues)
        meeting = ops.create_meeting(
            self.dispatcher, meeting_type_by_code(code), day, chair=chair,
            leaders=self.rng.sample(self.leaders, min(3, len(self.leaders))),
            enterprises=[f.name for f in firms], now=start)
        raised = _at(day, 11)
        for n, firm in enumerate(firms):
            area, department, category, content, measure = self.rng.choice(AREAS)
            due_on = day + timedelta(days=self.rng.choice((14, 21, 30, 45)))
            issue = ops.raise_issue(
                meeting, self.dispatcher, category=self.categories[category],
                content=f"【{area}】{content.format(n=self.rng.randint(2, 9) * 10)}",
                department=self.departments[department], leader_name=self.rng.choice(self.leaders),
                due_on=due_on, measure=measure, goal=self.rng.choice(GOALS), enterprise=firm,
                submission_key=f"demo-meeting-{code}-{day.isoformat()}-{n}",
                now=min(raised, self.limit))
            self.cases += 1
            self.handle(issue.case, department, raised, ops.issue_due_at(due_on))
        meeting.minutes = (f"会议听取了{len(firms)}家企业的意见建议，逐项明确分包县领导、责任单位、"
                           "举措和时限，会后形成问题建议清单交办。")
        db.session.commit()

    def handle(self, case, department, raised, due_at):
        """Most issues are solved on time; some answered and waiting, some still open."""
        handler = self.handler(department)
        fate = self.rng.random()
        sign_at = raised + timedelta(hours=3)
        if fate < 0.1 or sign_at >= self.limit:
            return  # still waiting to be signed
        case_ops.sign_case(case, handler, now=sign_at)
        reply_at = sign_at + (due_at - sign_at) * self.rng.uniform(0.3, 0.9)
        if fate < 0.2 or reply_at >= self.limit:
            return  # in hand
        case_ops.reply_to_case(case, handler, "已按会议要求落实，问题已解决", now=reply_at)
        rate_at = reply_at + timedelta(hours=20)
        if fate < 0.3 or rate_at >= self.limit:
            return  # answered, waiting for the enterprise's rating
        case_ops.rate_case(case, Rating.satisfied if fate < 0.95 else Rating.basically_satisfied,
                           actor=self.dispatcher, now=rate_at)

    def bulletins(self, today):
        suggestions = iter(SUGGESTIONS)
        for number, months_back in enumerate((5, 3, 1), start=1):
            issued_on = today - timedelta(days=30 * months_back)
            cases = []
            for n in range(3):
                submitted = _at(issued_on - timedelta(days=7 - n), 10)
                case, _ = case_ops.submit_case(
                    source=CaseSource.deputy, category=self.categories["other"],
                    content=next(suggestions), actor=self.dispatcher,
                    contact_name=f"县人大代表{'张王李'[n]}某", contact_phone=f"1390530{number:02d}{n:02d}",
                    submission_key=f"demo-deputy-{number}-{n}", now=submitted)
                cases.append(case)
                self.cases += 1
            bulletin = bulletin_ops.create_bulletin(self.dispatcher, number, None, issued_on, cases)
            for item in bulletin.items[: 3 if months_back > 1 else 2]:
                instructed = _at(issued_on + timedelta(days=2), 15)
                code = self.rng.choice(("NDRC", "APPROVAL", "BANKING"))
                bulletin_ops.record_instruction(
                    item, self.dispatcher, "请相关部门认真研究，提出落实意见并答复代表",
                    self.leaders[0], instructed.date(), department=self.departments[code],
                    now=instructed)
                if months_back > 1:
                    sign_at = instructed + timedelta(hours=2)
                    case_ops.sign_case(item.case, self.handler(code), now=sign_at)
                    case_ops.reply_to_case(item.case, self.handler(code), self.rng.choice(ANSWERS),
                                           now=sign_at + timedelta(days=3))
            db.session.commit()


def load_meetings(loader) -> int:
    """The meetings and bulletins of the demo county; returns the cases they created."""
    if db.session.execute(select(Meeting.id).limit(1)).first() is not None:
        return 0
    return _MeetingsDemo(loader).run()
