"""`flask demo load --seed-scale`: a county whose work summary reproduces the office's account.

The county's own account (docs/figures.md, 工作总结) reads: 受理群众反馈问题2422件，已办结2414件，
办结率99.66%; 12345 按期签收率100%，回复率100%，办件满意率99.06%; 网络专项评议6次，收集意见建议
400余条，推动解决问题204个; 30次党企月商会，交办456项问题; 《代表声音》35期. This loader builds
those events over the demo's period — the 30 full months before the current one and the
current month so far — THROUGH THE REAL OPERATIONS (app.cases.operations, app.rounds,
app.meetings, app.bulletins), each with `now=` at the event's instant, so every number of
the summary is counted, not typed.

It needs an empty database (no department yet): it does not compose with the default demo,
whose cases would add to the counts (docs/demo.md)."""
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
import random

from app.cases import operations as case_ops
from app.cases.models import CaseSource, Category, Complexity, Rating
from app.core.clock import local_today, utcnow
from app.core.timeutil import local_datetime
from app.bulletins import operations as bulletin_ops
from app.demo import data
from app.demo.assessments import seed_assessments
from app.demo.field import seed_field
from app.demo.loader import (CasePlan, DemoLoader, _Driver, handler_username, has_departments,
                             issue_cards, upsert_departments, upsert_enterprises, upsert_users)
from app.demo.meetings import AREAS, GOALS, SUGGESTIONS as DEPUTY_SUGGESTIONS, _fourth_thursday
from app.demo.rounds import DEPARTMENTS as ROUND_DEPARTMENTS, DIMENSIONS, LEVELS, SUGGESTIONS
from app.extensions import db
from app.figures.queries import add_months
from app.intake.queries import public_card
from app.meetings import operations as meeting_ops
from app.meetings.queries import meeting_type_by_code
from app.rounds import operations as round_ops
from app.rounds.models import RoundSuggestion
from app.workdays.calendar import WorkCalendar

SEED = "seed-scale-2026"
MONTHS = 30  # full months before the current one: one 党企月商会 each
# The account's numbers (the must-show test checks the summary against them).
QR_CASES, QR_OPEN = 2422, 8            # 群众反馈问题 received; still open → 2414 closed
HOTLINE_CASES, HOTLINE_UNSATISFIED = 107, 1  # 106/107 satisfied → 99.06%
ROUNDS = 6
ROUND_SUGGESTIONS = (69, 69, 69, 69, 68, 68)  # 412 collected ("400余条")
SUGGESTIONS_SOLVED = 204
MEETING_ISSUES = 456                   # over MONTHS 党企月商会: 15 each, 16 in the first six
BULLETINS, ADOPTED = 35, 89            # 《代表声音》 and the deputies' suggestions they carry
CHUNK = 50
OLDEST_CLOSED_MARGIN_DAYS = 45         # a closed case is at least this old: its path fits


class SeedScaleError(RuntimeError):
    """A refusal with a message for the person running the command."""


def seed_period(now: datetime) -> tuple[date, date]:
    """[first day, day after today): the demo's period, what `flask metrics summary` is run over."""
    today = local_today(now)
    return add_months(today.replace(day=1), -MONTHS), today + timedelta(days=1)


@dataclass
class SeedScaleResult:
    date_from: date
    date_to: date
    cases: int


class SeedScaleLoader(DemoLoader):
    def load(self) -> SeedScaleResult:
        if has_departments():
            raise SeedScaleError(
                "种子规模演示只能载入空数据库：当前数据库已有部门数据（可能已载入默认演示）。"
                "请新建或清空数据库（flask db upgrade）后再运行 flask demo load --seed-scale。")
        session = db.session()
        expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
        try:
            with db.session.no_autoflush:
                return self._seed()
        finally:
            session.expire_on_commit = expire_on_commit

    # --- set-up ------------------------------------------------------------------------------
    def _seed(self) -> SeedScaleResult:
        self.date_from, self.date_to = seed_period(self.now)
        self.start = local_datetime(self.date_from, time(0))
        self.span_days = (self.limit - self.start).total_seconds() / 86400
        self.rng = random.Random(SEED)
        self.departments = upsert_departments()
        self.users = upsert_users(self.departments)
        self.enterprises = upsert_enterprises(self.departments, self.users)
        # Cards issued ten days before the period (issue_cards dates them 400 days before `now`).
        self.cards = issue_cards(self.enterprises, self.start + timedelta(days=390))
        self.categories = {c.code: c for c in db.session.execute(db.select(Category)).scalars()}
        self.calendar = WorkCalendar.from_database()
        self.dispatcher = self.users["dispatcher"]
        db.session.commit()
        self.cases = 0
        self.qr_cases()
        self.hotline_cases()
        self.rounds()
        self.meetings()
        self.bulletins()
        db.session.commit()
        seed_field(self)  # visits and coverage of the last year (app/demo/field.py)
        seed_assessments(self)
        db.session.commit()
        return SeedScaleResult(self.date_from, self.date_to, self.cases)

    def _age(self, low: float) -> float:
        """A case's age in days, spread over the period (never younger than `low`)."""
        return low + (self.span_days - low - 2) * self.rng.random()

    def _run(self, plan: CasePlan):
        _Driver(self, plan).run()
        self.cases += 1
        if self.cases % CHUNK == 0:
            db.session.commit()

    def _plan(self, key, path, source, age, **extra) -> CasePlan:
        category = self.rng.choice([c for c in data.PROBLEMS if data.PROBLEMS[c]])
        content, reply, department = self.rng.choice(data.PROBLEMS[category])
        values = dict(reply=reply, department=department or data.CATEGORY_DEFAULTS[category],
                      complexity=self.rng.choice([Complexity.consultation, Complexity.general]),
                      rating=self.rng.choices([Rating.very_satisfied, Rating.satisfied,
                                               Rating.basically_satisfied], [50, 35, 15])[0],
                      rating_comment=self.rng.choice(data.PRAISE))
        plan = CasePlan(key, path, category, source, content, age, **{**values, **extra})
        if source is CaseSource.card:
            plan.enterprise = self.rng.choice(data.ENTERPRISES)["key"]
        return plan

    # --- 群众反馈问题 (企业码、大厅码) ---------------------------------------------------------------
    def qr_cases(self):
        """2422 cases scanned in from a card; 2414 went the whole way to 已办结 (rated, or closed
        unrated after the rating period), 8 recent ones are still with their departments."""
        for n in range(QR_CASES):
            source = CaseSource.card if self.rng.random() < 0.85 else CaseSource.hall
            if n < QR_OPEN:
                plan = self._plan(f"seed-qr-{n + 1:04d}", "signed", source,
                                  self.rng.uniform(0.3, 1.5))
            else:
                plan = self._plan(f"seed-qr-{n + 1:04d}", "closed", source,
                                  self._age(OLDEST_CLOSED_MARGIN_DAYS),
                                  unrated=self.rng.random() < 0.1)
            self._run(plan)

    # --- 12345 --------------------------------------------------------------------------------
    def hotline_cases(self):
        """107 hotline cases, all signed in time and answered, rated by the office's 回访 call:
        106 satisfied; one rated 不满意, reworked, and 不满意 again at the follow-up."""
        for n in range(HOTLINE_CASES):
            key = f"seed-12345-{n + 1:04d}"
            age = self._age(OLDEST_CLOSED_MARGIN_DAYS)
            if n < HOTLINE_UNSATISFIED:
                plan = self._plan(key, "reopened", CaseSource.hotline, age,
                                  rated_by_dispatcher=True, rating=Rating.dissatisfied)
                plan.first_reply = self.rng.choice(data.WEAK_REPLIES)
                plan.rating_comment = self.rng.choice(data.DISSATISFIED_COMMENTS)
            else:
                plan = self._plan(key, "closed", CaseSource.hotline, age,
                                  rated_by_dispatcher=True)
            self._run(plan)

    # --- 网络专项评议 --------------------------------------------------------------------------
    def rounds(self):
        """Six quarterly rounds in the last 18 months; 412 suggestions, 204 of them solved
        (dispatched, answered, rated), the others still with their departments."""
        departments = [self.departments[code] for code in ROUND_DEPARTMENTS]
        firms = sorted(self.enterprises.values(), key=lambda e: e.credit_code)
        handled = 0
        for index, count in enumerate(ROUND_SUGGESTIONS):
            starts_on = add_months(self.date_from, 12 + 3 * index) + timedelta(days=4)
            ends_on = starts_on + timedelta(days=20)
            round_ = round_ops.open_round(
                self.dispatcher, title=f"第{index + 1}次优化营商环境网络专项评议",
                starts_on=starts_on, ends_on=ends_on, departments=departments,
                dimensions=DIMENSIONS, now=local_datetime(starts_on, time(9)))
            for n, firm in enumerate(self.rng.sample(firms, count)):
                card = next(c for c in reversed(self.cards.by_enterprise[firm.id])
                            if not c.is_revoked)
                at = local_datetime(starts_on + timedelta(days=n % 18), time(9 + n % 8, n % 60))
                values = {round_ops.rating_field(link.department_id, i): self.rng.choice(LEVELS[:3])
                          for link in round_.departments for i in range(len(DIMENSIONS))}
                category, text = SUGGESTIONS[n % len(SUGGESTIONS)]
                values.update(category=category, suggestion=text,
                              contact_phone=f"139{self.rng.randrange(10 ** 8):08d}")
                answer, _created = round_ops.save_answer(round_, values,
                                                         card=public_card(card.token), now=at)
                for suggestion in db.session.execute(db.select(RoundSuggestion).filter_by(
                        answer_id=answer.id)).scalars():
                    self._handle(suggestion.case, at, solve=handled < SUGGESTIONS_SOLVED)
                    handled += 1
                    self.cases += 1
            round_ops.close_round(round_, self.dispatcher,
                                  now=local_datetime(ends_on, time(17)))
            db.session.commit()

    def _handle(self, case, at: datetime, solve: bool, department=None):
        """Dispatched the next hour, signed within three, answered in two days and rated when
        `solve`; otherwise still in hand (signed) with the department."""
        department = department or case.category.default_department or \
            self.departments["APPROVAL"]
        dispatch_at = at + timedelta(hours=1)
        case_ops.dispatch_case(case, self.dispatcher, department,
                               complexity=Complexity.general, now=dispatch_at)
        handler = self.users[handler_username(department.code)]
        case_ops.sign_case(case, handler, now=dispatch_at + timedelta(hours=2))
        if not solve:
            return
        reply_at = dispatch_at + timedelta(days=2)
        case_ops.reply_to_case(case, handler, "已按建议研究落实，问题已解决", now=reply_at)
        case_ops.rate_case(case, self.rng.choice([Rating.satisfied, Rating.very_satisfied]),
                           actor=self.dispatcher, now=reply_at + timedelta(hours=20))

    # --- 党企月商会 ----------------------------------------------------------------------------
    def meetings(self):
        """One 党企月商会 in each of the 30 full months (fourth Thursday), 456 issues assigned,
        each a case dispatched to its 责任单位; the issues whose time has come are answered."""
        party = meeting_type_by_code("party_business")
        leaders = [u.display_name for u in self.users.values() if u.role.name == "leader"]
        firms = sorted(self.enterprises.values(), key=lambda e: e.credit_code)
        extra = MEETING_ISSUES - 15 * MONTHS
        for index in range(MONTHS):
            month = add_months(self.date_from, index)
            day = _fourth_thursday(month.year, month.month)
            issues = 15 + (index < extra)
            chosen = self.rng.sample(firms, issues)
            meeting = meeting_ops.create_meeting(
                self.dispatcher, party, day, chair="县委书记", leaders=leaders[:3],
                enterprises=[f.name for f in chosen], now=local_datetime(day, time(9, 30)))
            raised = local_datetime(day, time(11))
            for n, firm in enumerate(chosen):
                area, code, category, content, measure = self.rng.choice(AREAS)
                due_on = day + timedelta(days=30)
                issue = meeting_ops.raise_issue(
                    meeting, self.dispatcher, category=self.categories[category],
                    content=f"【{area}】{content.format(n=self.rng.randint(2, 9) * 10)}",
                    department=self.departments[code], leader_name=self.rng.choice(leaders),
                    due_on=due_on, measure=measure, goal=self.rng.choice(GOALS), enterprise=firm,
                    submission_key=f"seed-meeting-{day.isoformat()}-{n}", now=raised)
                self.cases += 1
                case, handler = issue.case, self.users[handler_username(code)]
                sign_at = raised + timedelta(hours=3)
                reply_at = raised + timedelta(days=10)
                if reply_at + timedelta(hours=20) >= self.limit:
                    case_ops.sign_case(case, handler, now=min(sign_at, self.limit))
                    continue
                case_ops.sign_case(case, handler, now=sign_at)
                case_ops.reply_to_case(case, handler, "已按会议要求落实，问题已解决", now=reply_at)
                case_ops.rate_case(case, Rating.satisfied, actor=self.dispatcher,
                                   now=reply_at + timedelta(hours=20))
            meeting.minutes = (f"会议听取了{issues}家企业的意见建议，逐项定责任、定举措、定目标、定时限，"
                               "会后形成问题清单交办。")
            db.session.commit()

    # --- 《代表声音》 --------------------------------------------------------------------------
    def bulletins(self):
        """35 bulletins, one about every 26 days, carrying 89 deputies' suggestions (3 in the
        first 19, 2 in the others), each entered by the office a week before its bulletin."""
        three = ADOPTED - 2 * BULLETINS
        for number in range(1, BULLETINS + 1):
            issued_on = self.date_from + timedelta(days=10 + 26 * (number - 1))
            cases = []
            for n in range(3 if number <= three else 2):
                case, _ = case_ops.submit_case(
                    source=CaseSource.deputy, category=self.categories["other"],
                    content=DEPUTY_SUGGESTIONS[(number + n) % len(DEPUTY_SUGGESTIONS)],
                    actor=self.dispatcher, contact_name=f"县人大代表{'张王李'[n]}某",
                    contact_phone=f"1390531{number:02d}{n:02d}",
                    submission_key=f"seed-deputy-{number}-{n}",
                    now=local_datetime(issued_on - timedelta(days=7 - n), time(10)))
                cases.append(case)
                self.cases += 1
            bulletin_ops.create_bulletin(self.dispatcher, number, None, issued_on, cases,
                                         now=local_datetime(issued_on, time(16)))
        db.session.commit()


def load_seed_scale(now=None) -> SeedScaleResult:
    return SeedScaleLoader(now or utcnow()).load()
