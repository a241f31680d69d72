"""Load the demo county: upsert its rows, then drive its cases through the real operations.

Idempotent: departments, users and enterprises are matched by code, username and credit code;
cards are issued only to enterprises without one; a case is created only when its
submission key (demo-0001 …) is not in the database yet. Every case reaches its state through
app.cases.operations with past `now=` times, exactly as the office would have driven it.
"""
from dataclasses import dataclass, field
from datetime import datetime, timedelta
import random

from app.auth.models import Role, User
from app.auth.passwords import hash_password
from app.cards.models import Card, CardKind
from app.cards.operations import issue_card, revoke_card
from app.cases import operations as ops
from app.demo.rating import call_back
from app.cases.models import Case, CaseSource, CaseState, Category, Complexity, Rating, Urgency
from app.core.clock import utcnow
from app.core.timeutil import LOCAL_TZ
from app.demo import data
from app.demo.meetings import load_meetings
from app.demo.field import seed_field
from app.demo.rounds import load_rounds
from app.demo.assessments import seed_assessments
from app.demo.areas import seed_areas
from app.departments.models import Department, DepartmentKind
from app.enterprises.models import Enterprise
from app.extensions import db
from app.settings.limits import apply_limit
from app.workdays.calendar import WORKDAY_END, WORKDAY_START, WorkCalendar

KEY_PREFIX = "demo-"
CHUNK = 25  # cases per commit: an interrupted load keeps its work and the next one resumes
CARDS_ISSUED_DAYS_AGO = 400
LOST_CARD_DAYS_AGO = 120
SOURCE_WEIGHTS = {CaseSource.card: 45, CaseSource.hall: 8, CaseSource.hotline: 14,
                  CaseSource.visit: 10, CaseSource.meeting: 7, CaseSource.deputy: 5,
                  CaseSource.supervisor: 5, CaseSource.review: 6}
CATEGORY_WEIGHTS = {"start_business": 10, "construction_permit": 8, "property_registration": 8,
                    "government_service": 12, "hotline": 5, "credit": 5, "electricity": 12,
                    "tax": 12, "credit_loans": 7, "contracts": 5, "procurement": 4,
                    "insolvency": 2, "other": 20}
# How many generic cases end in each path (the ten stories come on top).
PATH_COUNTS = {
    "submitted": 6, "dispatched": 5, "dispatched_overdue": 4, "signed": 8,
    "signed_extension_pending": 2, "signed_reopened": 1, "signed_overdue": 6, "replied": 10,
    "returned": 4, "invalid": len(data.INVALID_CASES), "answer_now": len(data.QUICK_ANSWERS),
    "joint": 8, "redispatched": 6, "extension": 6, "extension_refused": 2, "reopened": 6,
    "closed": 106,
}
AGE_DAYS = {  # (min, max) age of the case at load time, chosen so each path fits before "now"
    "submitted": (0.05, 1.2), "dispatched": (0.1, 0.9), "dispatched_overdue": (3, 8),
    "signed": (0.5, 3), "signed_extension_pending": (2, 4), "signed_reopened": (4, 8),
    "signed_overdue": (9, 35), "replied": (1, 3), "returned": (0.5, 2), "invalid": (1, 360),
}


@dataclass
class CasePlan:
    """One demo case: what is written and how far the office drives it."""
    key: str
    path: str
    category: str
    source: CaseSource
    content: str
    age_days: float
    reply: str | None = None
    department: str | None = None          # lead department code
    enterprise: str | None = None          # enterprise key in data.ENTERPRISES
    co_departments: dict = field(default_factory=dict)  # code → co-opinion
    wrong_department: str | None = None
    return_reason: str | None = None
    extension_reason: str | None = None
    extension_days: int = 5
    first_reply: str | None = None         # the reply the submitter rejects (reopened paths)
    rating: Rating = Rating.satisfied
    rating_comment: str | None = None
    rated_by_dispatcher: bool = False
    unrated: bool = False
    late_sign: bool = False
    late_reply: int = 0                    # working days late (0 on time)
    complexity: Complexity = Complexity.general
    urgency: Urgency = Urgency.normal
    anonymous: bool = False
    via_old_card: bool = False
    enterprise_name_given: str | None = None
    invalid_reason: str | None = None


class _Stop(Exception):
    """The next step would lie in the future: the case stays where it is."""


# --- reference rows -------------------------------------------------------------------------------

def _upsert(obj, **values):
    """Set only what differs, so a second load issues no UPDATE at all."""
    for name, value in values.items():
        if getattr(obj, name) != value:
            setattr(obj, name, value)


def upsert_departments() -> dict[str, Department]:
    rows = db.session.execute(db.select(Department)).scalars().all()
    by_code, by_name = {d.code: d for d in rows}, {d.name: d for d in rows}
    result = {}
    position = 0
    for kind, specs in ((DepartmentKind.lead, data.LEAD_DEPARTMENTS),
                        (DepartmentKind.functional, data.FUNCTIONAL_DEPARTMENTS),
                        (DepartmentKind.township, data.TOWNSHIPS)):
        for code, name, phone in specs:
            position += 1  # the order of the county's lists in app/demo/data.py
            department = by_code.get(code) or by_name.get(name)
            if department is None:
                department = Department(code=code, name=name, kind=kind, phone=phone,
                                        sort_order=position, is_active=True)
                db.session.add(department)
            else:
                _upsert(department, code=code, name=name, kind=kind, phone=phone,
                        sort_order=position, is_active=True)
            result[code] = department
    db.session.flush()
    for category in db.session.execute(db.select(Category)).scalars():
        code = data.CATEGORY_DEFAULTS.get(category.code)
        if code:
            _upsert(category, default_department_id=result[code].id)
    return result


def handler_username(department_code: str) -> str:
    return "handler_" + department_code.lower().removeprefix("t_")


def user_specs() -> list[tuple[str, str, Role, str | None]]:
    """(username, display name, role, department code) of every demo login."""
    specs = list(data.OFFICE_USERS)
    specs += [(username, name, Role.leader, None) for username, name in data.PACKAGE_LEADERS]
    specs += [(username, name, Role.department_head, code) for username, name, code in data.HEADS]
    pool = iter(data.HANDLER_NAME_POOL)
    codes = [c for c, _n, _p in data.LEAD_DEPARTMENTS + data.FUNCTIONAL_DEPARTMENTS]
    for code in codes + data.HANDLER_TOWNSHIPS:
        name = data.NAMED_HANDLERS.get(code) or next(pool)
        specs.append((handler_username(code), name, Role.handler, code))
    return specs


def upsert_users(departments) -> dict[str, User]:
    specs = user_specs()
    existing = {u.username: u for u in db.session.execute(
        db.select(User).where(User.username.in_([s[0] for s in specs]))).scalars()}
    # One hash for all: argon2 at production cost per user would eat the load's time budget,
    # and create_user() hashes every time. A password changed after loading is kept.
    password_hash = None
    result = {}
    for username, display_name, role, department_code in specs:
        department = departments[department_code] if department_code else None
        user = existing.get(username)
        if user is None:
            password_hash = password_hash or hash_password(data.DEMO_PASSWORD)
            user = User(username=username, display_name=display_name, role=role,
                        department=department, password_hash=password_hash,
                        must_change_password=False, is_active=True)
            db.session.add(user)
        else:
            _upsert(user, display_name=display_name, role=role,
                    department_id=department.id if department else None, is_active=True)
        result[username] = user
    db.session.flush()
    return result


def upsert_enterprises(departments, users) -> dict[str, Enterprise]:
    rows = db.session.execute(db.select(Enterprise)).scalars().all()
    by_code, by_name = {e.credit_code: e for e in rows}, {e.name: e for e in rows}
    result = {}
    for spec in data.ENTERPRISES:
        values = dict(
            name=spec["name"], credit_code=spec["credit_code"], industry=spec["industry"],
            township_id=departments[spec["township"]].id, address=spec["address"],
            contact_name=spec["contact_name"], contact_phone=spec["contact_phone"],
            is_monitoring_point=spec["is_monitoring_point"],
            is_key_enterprise=spec["is_key_enterprise"],
            responsible_department_id=departments[spec["responsible_department"]].id,
            package_leader_id=users[spec["package_leader"]].id if spec["package_leader"] else None)
        enterprise = by_code.get(spec["credit_code"]) or by_name.get(spec["name"])
        if enterprise is None:
            enterprise = Enterprise(**values)
            db.session.add(enterprise)
        else:
            _upsert(enterprise, **values)
        result[spec["key"]] = enterprise
    db.session.flush()
    return result


@dataclass
class Cards:
    by_enterprise: dict  # enterprise id → its cards, oldest first
    hall: dict           # title → hall card

    def for_case(self, enterprise: Enterprise, at: datetime) -> Card | None:
        """The card the enterprise held at `at` (the replacement once the old one was revoked)."""
        cards = self.by_enterprise.get(enterprise.id, [])
        valid = [c for c in cards
                 if c.issued_at <= at and (c.revoked_at is None or c.revoked_at > at)]
        return (valid or cards or [None])[-1]

    def revoked(self, enterprise: Enterprise) -> Card | None:
        return next((c for c in self.by_enterprise.get(enterprise.id, []) if c.is_revoked), None)


def issue_cards(enterprises, now) -> Cards:
    """One card per enterprise, the two hall cards, and story 9's lost-and-replaced card."""
    by_enterprise, hall = {}, {}
    for card in db.session.execute(db.select(Card).order_by(Card.id)).scalars():
        if card.kind is CardKind.hall:
            hall.setdefault(card.title, card)
        elif card.enterprise_id:
            by_enterprise.setdefault(card.enterprise_id, []).append(card)
    issued_at = now - timedelta(days=CARDS_ISSUED_DAYS_AGO)
    for enterprise in enterprises.values():
        if enterprise.id not in by_enterprise:
            by_enterprise[enterprise.id] = [issue_card(enterprise, now=issued_at)]
    for title in data.HALL_CARDS:
        if title not in hall:
            hall[title] = issue_card(title=title, now=issued_at)
    lost = enterprises[data.LOST_CARD_ENTERPRISE]
    cards = by_enterprise[lost.id]
    if len(cards) == 1 and not cards[0].is_revoked:
        _old, replacement = revoke_card(lost, reason=data.LOST_CARD_REASON,
                                        now=now - timedelta(days=LOST_CARD_DAYS_AGO))
        cards.append(replacement)
    db.session.flush()
    return Cards(by_enterprise, hall)


# --- the plan: which cases, pure data from the seed -----------------------------------------------

def _weighted(rng, weights: dict):
    return rng.choices(list(weights), list(weights.values()))[0]


def _covering(rng, weights: dict, n: int) -> list:
    """n draws by weight that contain every key at least once."""
    draws = list(weights) + [_weighted(rng, weights) for _ in range(n - len(weights))]
    rng.shuffle(draws)
    return draws


def story_plans() -> list[CasePlan]:
    """The ten stories of SCENARIOS.md, one case each (story 7 is still open and overdue)."""
    bearing_q, bearing_a = data.STORY_BEARING_QUESTION
    road, road_reply, road_co = data.STORY_ROAD_CLOSURE
    vat, vat_reason, vat_reply = data.STORY_VAT_REFUND
    land, land_reason, land_reply = data.STORY_LAND_CERTIFICATE
    fair, fair_weak, fair_comment, fair_reply = data.STORY_RECRUITMENT
    stories = [
        CasePlan("", "answer_now", "other", CaseSource.card, bearing_q, 200, reply=bearing_a,
                 enterprise="bearing", rating=Rating.satisfied),
        CasePlan("", "closed", "electricity", CaseSource.card, data.STORY_TRANSFORMER[0], 150,
                 reply=data.STORY_TRANSFORMER[1], department="POWER", enterprise="drinks",
                 complexity=Complexity.general, rating=Rating.very_satisfied,
                 rating_comment="送电很及时，感谢供电公司！"),
        CasePlan("", "joint", "other", CaseSource.card, road, 95, reply=road_reply,
                 department="TRANSPORT", enterprise="pharma1", co_departments=road_co,
                 rating=Rating.very_satisfied),
        CasePlan("", "redispatched", "tax", CaseSource.card, vat, 80, reply=vat_reply,
                 department="TAX", wrong_department="SAMR", return_reason=vat_reason,
                 enterprise="food", rating=Rating.satisfied),
        CasePlan("", "extension", "property_registration", CaseSource.card, land, 70,
                 reply=land_reply, department="NRP", enterprise="tractor",
                 extension_reason=land_reason, extension_days=10, rating=Rating.satisfied),
        CasePlan("", "reopened", "other", CaseSource.card, fair, 60, reply=fair_reply,
                 first_reply=fair_weak, rating_comment=fair_comment, department="HRSS",
                 enterprise="hygiene", rating=Rating.satisfied),
        CasePlan("", "signed_overdue", "construction_permit", CaseSource.card,
                 data.STORY_INSPECTION, 24, department="HOUSING", enterprise="steel"),
        CasePlan("", "invalid", "other", CaseSource.hall, data.STORY_ADVERTISEMENT[0], 45,
                 invalid_reason=data.STORY_ADVERTISEMENT[1], anonymous=True),
        CasePlan("", "closed", "other", CaseSource.card, data.STORY_OLD_CARD[0], 40,
                 reply=data.STORY_OLD_CARD[1], department="TRANSPORT", enterprise="food2",
                 via_old_card=True, rating=Rating.satisfied),
        CasePlan("", "closed", "other", CaseSource.hotline, data.STORY_WAGES[0], 35,
                 reply=data.STORY_WAGES[1], department="HRSS", rated_by_dispatcher=True,
                 rating=Rating.very_satisfied, rating_comment="回访：工资已全部拿到，非常满意。"),
    ]
    return stories


def generic_plans(rng: random.Random) -> list[CasePlan]:
    paths = [path for path, count in PATH_COUNTS.items() for _ in range(count)]
    rng.shuffle(paths)
    # Answers at intake bring their own category, invalid cases their own source: the
    # covering draws go to the others, so every category and every source turns up.
    categories = iter(_covering(rng, CATEGORY_WEIGHTS,
                                sum(p != "answer_now" for p in paths)))
    sources = iter(_covering(rng, SOURCE_WEIGHTS, sum(p != "invalid" for p in paths)))
    enterprise_keys = [e["key"] for e in data.ENTERPRISES]
    enterprise_weights = [3 if e["is_key_enterprise"] else 1 for e in data.ENTERPRISES]
    handled = [c for c, _n, _p in data.LEAD_DEPARTMENTS + data.FUNCTIONAL_DEPARTMENTS]
    quick = iter(data.QUICK_ANSWERS)
    invalid = iter(data.INVALID_CASES)
    plans = []
    for path in paths:
        category = next(categories) if path != "answer_now" else "other"
        source = next(sources) if path != "invalid" else CaseSource.card
        content, reply, department = rng.choice(data.PROBLEMS[category])
        plan = CasePlan("", path, category, source, content, 0, reply=reply,
                        department=department or data.CATEGORY_DEFAULTS[category])
        if path == "answer_now":
            plan.category, plan.content, plan.reply = next(quick)
            plan.department = None
        elif path == "invalid":
            plan.content, plan.invalid_reason = next(invalid)
            plan.source = rng.choice([CaseSource.card, CaseSource.hall])
        # Who wrote it.
        if plan.source in (CaseSource.card, CaseSource.visit, CaseSource.meeting) or (
                plan.source is not CaseSource.hall and rng.random() < 0.35):
            plan.enterprise = rng.choices(enterprise_keys, enterprise_weights)[0]
        if plan.source is CaseSource.hall and rng.random() < 0.5:
            plan.enterprise_name_given = rng.choice(data.ENTERPRISES)["name"]
        plan.anonymous = plan.source in ops.PUBLIC_SOURCES and rng.random() < 0.1
        # How it is handled.
        plan.complexity = rng.choices(
            [Complexity.consultation, Complexity.general, Complexity.complex], [25, 60, 15])[0]
        if path in ("signed_overdue", "dispatched_overdue"):
            plan.complexity = Complexity.general  # overdue by now whatever the age drawn
        if path == "closed" and rng.random() < 0.03:
            plan.urgency, plan.complexity = Urgency.urgent, Complexity.urgent
        if path == "joint":
            others = [c for c in handled if c != plan.department]
            plan.co_departments = {c: rng.choice(data.CO_OPINIONS)
                                   for c in rng.sample(others, rng.choice([1, 1, 2]))}
        if path in ("redispatched", "returned"):
            plan.wrong_department = rng.choice([c for c in handled if c != plan.department])
            plan.return_reason = rng.choice(data.RETURN_REASONS)
        if path.startswith("extension") or path == "signed_extension_pending":
            plan.extension_reason = rng.choice(data.EXTENSION_REASONS)
            plan.extension_days = rng.randint(3, 10)
        if path in ("reopened", "signed_reopened"):
            plan.first_reply = rng.choice(data.WEAK_REPLIES)
            plan.rating_comment = rng.choice(data.DISSATISFIED_COMMENTS)
            plan.reply = data.SECOND_REPLY_PREFIX + plan.reply
        plan.late_sign = rng.random() < 0.1 and plan.urgency is Urgency.normal
        plan.late_reply = rng.choices([0, rng.randint(1, 4), rng.randint(6, 9)], [80, 14, 6])[0]
        plan.unrated = rng.random() < 0.15
        plan.rating = rng.choices([Rating.very_satisfied, Rating.satisfied,
                                   Rating.basically_satisfied], [50, 35, 15])[0]
        if plan.path not in ("reopened", "signed_reopened"):
            plan.rating_comment = rng.choice(data.PRAISE)
        # Hotline calls are always followed up by phone (回访); other staff entries half the time.
        staff = plan.source not in ops.PUBLIC_SOURCES
        plan.rated_by_dispatcher = plan.source is CaseSource.hotline or (
            staff and rng.random() < 0.5)
        low, high = AGE_DAYS.get(path, (None, None))
        if low is None:  # closed paths spread over the year, a little busier lately
            plan.age_days = 30 + 330 * rng.random() ** 1.2
        else:
            plan.age_days = rng.uniform(low, high)
        plans.append(plan)
    return plans


def plan_cases() -> list[CasePlan]:
    """Every demo case in a fixed order; keys demo-0001 … are stable across loads."""
    plans = story_plans() + generic_plans(random.Random(data.SEED))
    for n, plan in enumerate(plans, start=1):
        plan.key = f"{KEY_PREFIX}{n:04d}"
    return plans


# --- driving a case through the operations ------------------------------------------------------

class _Clock:
    """Picks plausible instants: the office works in office hours; nothing lies past `limit`."""

    def __init__(self, rng, calendar, limit):
        self.rng, self.calendar, self.limit = rng, calendar, limit
        self.floor = None  # the latest step so far: the story never runs backwards

    def stamp(self, at: datetime) -> datetime:
        """Keep `at` after the previous step and before the limit, and make it the new floor."""
        if self.floor is not None and at <= self.floor:
            at = self.floor + timedelta(minutes=1)
        if at > self.limit:
            raise _Stop
        self.floor = at
        return at

    def is_office_hours(self, at: datetime) -> bool:
        local = at.astimezone(LOCAL_TZ)
        return (self.calendar.is_workday(local.date())
                and WORKDAY_START <= local.time() < WORKDAY_END)

    def into_office_hours(self, at: datetime) -> datetime:
        if self.is_office_hours(at):
            return at
        local = at.astimezone(LOCAL_TZ)
        day = local.date() if local.time() < WORKDAY_START else local.date() + timedelta(days=1)
        day = self.calendar.next_workday(day)
        start = datetime.combine(day, WORKDAY_START, tzinfo=LOCAL_TZ)
        return (start + timedelta(minutes=self.rng.uniform(5, 60))).astimezone(at.tzinfo)

    def office(self, after: datetime, low=10, high=120) -> datetime:
        """An office action some minutes after `after`, in office hours when that is past."""
        if self.floor is not None:
            after = max(after, self.floor)
        at = self.into_office_hours(after + timedelta(minutes=self.rng.uniform(low, high)))
        if at > self.limit:  # a recent case: the duty officer acts at once, whatever the hour
            at = after + timedelta(minutes=self.rng.uniform(1, 5))
        return self.stamp(at)

    def within(self, start: datetime, end: datetime, stamp=True) -> datetime:
        """An instant in [start, end), in office hours when one turns up; never past the limit.

        stamp=False picks an instant for later (a reply due after other steps) without
        making it the floor yet."""
        if self.floor is not None:
            start = max(start, self.floor + timedelta(minutes=1))
        end = min(end, self.limit)
        at = start
        for _ in range(12 if end > start else 0):
            at = start + (end - start) * self.rng.random()
            if self.is_office_hours(at):
                break
        if not stamp:
            if at > self.limit:
                raise _Stop
            return at
        return self.stamp(at)


class _Driver:
    """Runs one plan: submit, then each step of its path at a plausible past instant."""

    def __init__(self, loader, plan: CasePlan):
        self.l, self.p = loader, plan
        self.rng = random.Random(f"{data.SEED}:{plan.key}")
        self.clock = _Clock(self.rng, loader.calendar, loader.limit)
        self.dispatcher = loader.users["dispatcher"]

    def handler(self, code):
        return self.l.users[handler_username(code)]

    def run(self):
        p = self.p
        try:
            case = self.submit()
            getattr(self, "path_" + p.path)(case)
        except _Stop:
            pass

    # steps ----------------------------------------------------------------------------------
    def submit(self) -> Case:
        p, l = self.p, self.l
        at = l.now - timedelta(days=p.age_days)
        staff = p.source not in ops.PUBLIC_SOURCES
        if staff:  # staff enter cases at their desks, unless that leaves no time to handle them
            at_desk = self.clock.into_office_hours(at)
            if at_desk < l.limit - timedelta(hours=12):
                at = at_desk
        enterprise = l.enterprises[p.enterprise] if p.enterprise else None
        card = None
        if p.source is CaseSource.card:
            card = (l.cards.revoked(enterprise) if p.via_old_card
                    else l.cards.for_case(enterprise, at))
        elif p.source is CaseSource.hall:
            card = l.cards.hall[data.HALL_CARDS[self.rng.randrange(len(data.HALL_CARDS))]]
        if enterprise is not None and self.rng.random() < 0.8:
            name, phone = enterprise.contact_name, enterprise.contact_phone
        else:
            name, phone = data.person_name(self.rng), data.mobile(self.rng)
        case, _created = ops.submit_case(
            source=p.source, category=l.categories[p.category], content=p.content,
            actor=self.dispatcher if staff else None, enterprise=enterprise, card=card,
            contact_name=name, contact_phone=phone, is_anonymous=p.anonymous,
            urgency=p.urgency, enterprise_name_given=p.enterprise_name_given,
            submission_key=p.key, via_revoked_card=p.via_old_card, now=at)
        return case

    def dispatch(self, case, code=None, co=()):
        code = code or self.p.department
        at = self.clock.office(case.submitted_at if case.dispatched_at is None
                               else case.returned_at)
        ops.dispatch_case(case, self.dispatcher, self.l.departments[code],
                          co_departments=[self.l.departments[c] for c in co],
                          complexity=self.p.complexity, now=at)
        return at

    def sign(self, case, late=None):
        late = self.p.late_sign if late is None else late
        if late:
            self.urge(case, case.sign_due_at)
            at = self.clock.within(case.sign_due_at + timedelta(hours=1),
                                   case.sign_due_at + timedelta(hours=20))
        else:
            at = self.clock.within(case.dispatched_at + timedelta(minutes=5), case.sign_due_at)
        ops.sign_case(case, self.handler(case.lead_department.code), now=at)

    def urge(self, case, due):
        """What the scheduler does at a deadline: urge, and five working days later supervise."""
        at = self.clock.stamp(due + timedelta(minutes=self.rng.uniform(1, 15)))
        ops.urge_case(case, now=at)

    def supervise(self, case, due):
        at = self.clock.stamp(apply_limit(due, "supervise_after", self.l.calendar)
                              + timedelta(minutes=2))
        ops.supervise_case(case, now=at)

    def reply_time(self, case, late_days=None):
        late_days = self.p.late_reply if late_days is None else late_days
        start = case.signed_at if case.replied_at is None else case.rated_at
        if not late_days:
            return self.clock.within(start + timedelta(hours=1), case.reply_due_at, stamp=False)
        end = self.l.calendar.add_workdays(case.reply_due_at, late_days)
        return self.clock.within(end - timedelta(hours=8), end, stamp=False)

    def reply(self, case, content, at=None):
        at = at or self.reply_time(case)
        if at > case.reply_due_at:  # the scheduler urged (and supervised) on the way
            self.urge(case, case.reply_due_at)
            supervise_at = apply_limit(case.reply_due_at, "supervise_after", self.l.calendar)
            if supervise_at + timedelta(minutes=10) < at:
                self.supervise(case, case.reply_due_at)
        at = self.clock.stamp(at)
        ops.reply_to_case(case, self.handler(case.lead_department.code), content, now=at)

    def finish(self, case):
        """Rate (submitter, or the dispatcher's follow-up call), or close unrated."""
        p = self.p
        if p.unrated and not p.rated_by_dispatcher:
            due = apply_limit(case.replied_at, "close_unrated", self.l.calendar)
            at = self.clock.stamp(due + timedelta(minutes=self.rng.uniform(1, 30)))
            ops.close_unrated(case, now=at)
            return
        self.rate(case, p.rating, p.rating_comment)

    def rate(self, case, rating, comment):
        if self.p.rated_by_dispatcher:
            at = self.clock.office(case.replied_at, 60, 60 * 24)
            actor = self.dispatcher
        else:
            at = self.clock.within(case.replied_at + timedelta(minutes=20),
                                   case.replied_at + timedelta(hours=40))
            actor = None
        ops.rate_case(case, rating, comment, actor=actor, now=at,
                      tags=() if rating.is_satisfied else ["unresolved"])

    # paths ----------------------------------------------------------------------------------
    def path_submitted(self, case):
        pass

    def path_invalid(self, case):
        ops.mark_invalid(case, self.dispatcher, self.p.invalid_reason,
                         now=self.clock.office(case.submitted_at))

    def path_answer_now(self, case):
        ops.answer_now(case, self.dispatcher, self.p.reply,
                       now=self.clock.office(case.submitted_at, 5, 50))
        self.finish(case)

    def path_dispatched(self, case):
        self.dispatch(case)

    def path_dispatched_overdue(self, case):
        self.dispatch(case)
        self.urge(case, case.sign_due_at)

    def path_signed(self, case):
        self.dispatch(case)
        self.sign(case, late=False)

    def path_signed_overdue(self, case):
        self.dispatch(case)
        self.sign(case, late=False)
        self.urge(case, case.reply_due_at)
        self.supervise(case, case.reply_due_at)

    def path_signed_extension_pending(self, case):
        self.dispatch(case)
        self.sign(case, late=False)
        self.request_extension(case)

    def path_signed_reopened(self, case):
        self.dispatch(case)
        self.sign(case, late=False)
        self.reply(case, self.p.first_reply, at=self.reply_time(case, 0))
        self.rate(case, Rating.dissatisfied, self.p.rating_comment)

    def path_replied(self, case):
        self.p.complexity = Complexity.consultation
        self.dispatch(case)
        self.sign(case, late=False)
        self.reply(case, self.p.reply, at=self.reply_time(case, 0))

    def path_returned(self, case):
        self.dispatch(case, self.p.wrong_department)
        self.give_back(case)

    def give_back(self, case):
        at = self.clock.within(case.dispatched_at + timedelta(minutes=30), case.return_due_at)
        ops.return_case(case, self.handler(self.p.wrong_department), self.p.return_reason, now=at)

    def path_redispatched(self, case):
        self.dispatch(case, self.p.wrong_department)
        self.give_back(case)
        self.path_closed(case)

    def path_closed(self, case):
        if case.state in (CaseState.submitted, CaseState.returned):
            self.dispatch(case, co=self.p.co_departments)
        self.sign(case)
        self.reply(case, self.p.reply)
        self.finish(case)

    def path_joint(self, case):
        self.dispatch(case, co=self.p.co_departments)
        self.sign(case)
        at = self.reply_time(case)
        for code, opinion in self.p.co_departments.items():
            ops.add_co_opinion(case, self.handler(code), opinion,
                               now=self.clock.within(case.signed_at + timedelta(minutes=30), at))
        self.reply(case, self.p.reply, at=at)
        self.finish(case)

    def request_extension(self, case):
        at = self.clock.within(case.signed_at + timedelta(hours=1),
                               case.reply_due_at - timedelta(hours=2))
        ops.request_extension(case, self.handler(case.lead_department.code),
                              self.p.extension_days, self.p.extension_reason, now=at)
        return at

    def path_extension(self, case):
        self.dispatch(case)
        self.sign(case, late=False)
        original_due = case.reply_due_at
        asked = self.request_extension(case)
        ops.approve_extension(case, self.dispatcher, "同意延期，请在新的时限内办结",
                              now=self.clock.office(asked, 30, 240))
        # Replied after the original deadline, within the extended one: on time all the same.
        at = self.clock.within(original_due + timedelta(hours=1), case.reply_due_at)
        ops.reply_to_case(case, self.handler(case.lead_department.code), self.p.reply, now=at)
        self.finish(case)

    def path_extension_refused(self, case):
        self.dispatch(case)
        self.sign(case, late=False)
        asked = self.request_extension(case)
        ops.refuse_extension(case, self.dispatcher, "该事项不需要延期，请在原时限内办结",
                             now=self.clock.office(asked, 30, 240))
        self.reply(case, self.p.reply)
        self.finish(case)

    def path_reopened(self, case):
        self.dispatch(case)
        self.sign(case)
        self.reply(case, self.p.first_reply, at=self.reply_time(case, 0))
        self.rate(case, Rating.dissatisfied, self.p.rating_comment)
        call_back(case, self.dispatcher, self.l.limit)
        self.reply(case, self.p.reply, at=self.reply_time(case, 0))
        self.p.unrated = False
        self.finish(case)


class DemoLoader:
    def __init__(self, now=None):
        self.now = now or utcnow()
        self.limit = self.now - timedelta(minutes=1)

    def load(self) -> dict:
        """Upsert the county, create the missing demo cases; return what was created."""
        session = db.session()
        # Nobody else writes these rows while we load: keeping them loaded across the chunk
        # commits saves a refresh SELECT per department, user and enterprise per chunk.
        expire_on_commit, session.expire_on_commit = session.expire_on_commit, False
        try:
            return self._load()
        finally:
            session.expire_on_commit = expire_on_commit

    def _load(self) -> dict:
        self.departments = upsert_departments()
        self.users = upsert_users(self.departments)
        self.enterprises = upsert_enterprises(self.departments, self.users)
        self.cards = issue_cards(self.enterprises, self.now)
        self.categories = {c.code: c for c in db.session.execute(db.select(Category)).scalars()}
        self.calendar = WorkCalendar.from_database()
        db.session.commit()
        existing = set(db.session.execute(
            db.select(Case.submission_key).where(Case.submission_key.like(KEY_PREFIX + "%"))
        ).scalars())
        created = 0
        for plan in plan_cases():
            if plan.key in existing:
                continue
            # The operations flush where they need ids; autoflushing before each of their
            # look-ups (limits, calendar, recipients) only repeats UPDATEs of the same case.
            with db.session.no_autoflush:
                _Driver(self, plan).run()
            created += 1
            if created % CHUNK == 0:
                db.session.commit()
        db.session.commit()
        created += load_meetings(self)  # meetings and 《代表声音》 (app/demo/meetings.py)
        seed_field(self)  # 包联, teams, visits, 一企一策, 纪委监委 (app/demo/field.py)
        load_rounds(self)  # past 网络专项评议 rounds with answers and suggestions (app/demo/rounds.py)
        seed_assessments(self)  # 社会监督员 现场测评 and campaigns (app/demo/assessments.py)
        seed_areas(self)  # 营商环境月分析: departments, monitoring points, last month (app/demo/areas.py)
        return {"departments": len(self.departments), "users": len(self.users),
                "enterprises": len(self.enterprises), "cases_created": created}


def load_demo(now=None) -> dict:
    return DemoLoader(now).load()


def has_departments() -> bool:
    return db.session.execute(db.select(Department.id).limit(1)).first() is not None
