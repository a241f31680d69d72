"""A small county for the work summary's tests: every number known by construction.

November 2026 (Monday 2 November 09:00 local); outside it, a card case in October."""
from datetime import date, datetime, timedelta, timezone

from app.bulletins import operations as bulletin_ops
from app.cards.operations import issue_card
from app.cases import operations as ops
from app.cases.models import CaseSource, CaseState, Rating
from app.extensions import db
from app.field import operations as field_ops
from app.field.models import VisitLevel
from app.intake.queries import public_card
from app.meetings import operations as meeting_ops
from app.meetings.queries import meeting_type_by_code
from app.rounds import operations as round_ops
from app.rounds.models import RoundSuggestion
from tests.conftest import category

MONDAY = datetime(2026, 11, 2, 1, 0, tzinfo=timezone.utc)
PERIOD = (date(2026, 11, 1), date(2026, 12, 1))
# What the summary of PERIOD must say (the tests compare exactly).
EXPECTED = {
    "qr_received": 3, "qr_closed": 2, "qr_closure_rate": ("66.66", 2, 3),
    "hotline_received": 3, "hotline_on_time_sign": ("100.00", 3, 3),
    "hotline_reply": ("66.66", 2, 3), "hotline_satisfaction": ("100.00", 2, 2),
    "rounds_held": 1, "suggestions_collected": 2, "suggestions_solved": 1,
    "meetings_held__party_business": 1, "issues_assigned__party_business": 2,
    "meetings_held": 2, "issues_assigned": 3,
    "bulletins_issued": 1, "suggestions_adopted": 2, "visits": 1,
}


def build(world, make_case, make_enterprise, fixed_clock):
    fixed_clock.set(MONDAY - timedelta(days=20))
    make_case(CaseState.closed, source=CaseSource.card)  # October: outside the period
    fixed_clock.set(MONDAY)
    make_case(CaseState.closed, source=CaseSource.card)
    make_case(CaseState.closed, source=CaseSource.hall)
    make_case(CaseState.signed, source=CaseSource.card)
    make_case(CaseState.closed, source=CaseSource.visit)  # not a 群众反馈问题
    make_case(CaseState.closed, source=CaseSource.hotline)
    make_case(CaseState.closed, source=CaseSource.hotline)
    make_case(CaseState.signed, source=CaseSource.hotline)
    make_case(CaseState.invalid, source=CaseSource.card)  # invalid: never counted

    # One round, two suggestions: one solved (已办结), one still with the department.
    round_ = round_ops.open_round(world.dispatcher, title="2026年第四季度网络专项评议",
                                  starts_on=date(2026, 11, 2), ends_on=date(2026, 11, 30),
                                  departments=[world.dept], dimensions="服务效率")
    for n in range(2):
        card = public_card(issue_card(make_enterprise()).token)
        values = {round_ops.rating_field(world.dept.id, 0): "satisfied",
                  "category": "other", "suggestion": f"建议{n}：简化办事流程",
                  "contact_phone": "13800138000"}
        answer, _ = round_ops.save_answer(round_, values, card=card)
        case = db.session.execute(db.select(RoundSuggestion).filter_by(
            answer_id=answer.id)).scalar_one().case
        ops.dispatch_case(case, world.dispatcher, world.dept)
        ops.sign_case(case, world.handler)
        if n == 0:
            ops.reply_to_case(case, world.handler, "已落实")
            ops.rate_case(case, Rating.satisfied, actor=world.dispatcher)

    # A 党企月商会 with two issues, a 面对面解难题 with one; a September meeting outside.
    firm = make_enterprise()
    for code, held_on, issues in (("party_business", date(2026, 11, 2), 2),
                                  ("face_to_face", date(2026, 11, 2), 1),
                                  ("party_business", date(2026, 9, 24), 0)):
        meeting = meeting_ops.create_meeting(world.dispatcher, meeting_type_by_code(code), held_on)
        for n in range(issues):
            meeting_ops.raise_issue(meeting, world.dispatcher, category=category(),
                                    content=f"会议交办问题{n}", department=world.dept,
                                    leader_name="王县长", due_on=date(2026, 11, 30),
                                    enterprise=firm)

    # One bulletin carrying two deputies' suggestions.
    deputies = [ops.submit_case(source=CaseSource.deputy, category=category(),
                                content=f"代表建议{n}", actor=world.dispatcher,
                                contact_name="县人大代表", contact_phone="13900000000")[0]
                for n in range(2)]
    bulletin_ops.create_bulletin(world.dispatcher, 1, None, date(2026, 11, 3), deputies)

    # One visit by the office.
    field_ops.record_visit(world.dispatcher, enterprise=firm, visited_on=date(2026, 11, 2),
                           level=VisitLevel.county, heard="企业生产经营正常")
    db.session.commit()
