"""The demo county's past 网络专项评议 rounds, driven through the real operations.

Three quarterly rounds, closed: about twenty enterprises answer each from their cards and a
few without a card from the round link; some leave a suggestion, which becomes a case of
source `review` and (for the older ones) goes through dispatch, reply and rating. Scores
improve a little from round to round, so the comparison shows a trend. Loaded once: a
database that already has rounds is left alone."""
from datetime import timedelta
import random

from app.core.clock import local_today
from app.demo import data
from app.demo.field import _at, _handle
from app.extensions import db
from app.intake.queries import public_card
from app.rounds import operations as ops
from app.rounds.models import EvaluationRound, RoundSuggestion

SEED = "rounds-2026"
DEPARTMENTS = ["APPROVAL", "SAMR", "NRP", "TAX", "POWER", "HRSS"]
DIMENSIONS = ["服务效率", "服务态度", "政策落实"]
LEVELS = ["very_satisfied", "satisfied", "basically_satisfied", "dissatisfied", "very_dissatisfied"]
SUGGESTIONS = [
    ("construction_permit", "建议施工许可与规划许可并联办理，减少企业往返"),
    ("electricity", "建议供电公司公布小微企业低压接电的办理时限和联系人"),
    ("tax", "建议税务局在园区设立办税服务点，方便企业办理发票业务"),
    ("property_registration", "建议不动产登记推行“交房即交证”，缩短办证时间"),
    ("other", "建议人社局组织专场招聘会，缓解企业招工难"),
    ("other", "建议市场监管局对新开办企业提供一次上门指导"),
]
NO_CARD_FIRMS = ["示范县恒信商贸有限公司", "示范县鑫源建材经营部", "示范县惠民农资有限公司"]


def load_rounds(loader) -> int:
    """The past rounds of the demo county `loader` (app/demo/loader.DemoLoader); returns how
    many rounds were created."""
    if db.session.execute(db.select(EvaluationRound.id).limit(1)).first() is not None:
        return 0
    rng = random.Random(SEED)
    dispatcher = loader.users["dispatcher"]
    departments = [loader.departments[code] for code in DEPARTMENTS]
    firms = sorted(loader.enterprises.values(), key=lambda e: e.credit_code)
    today = local_today(loader.now)
    made = 0
    for quarter, ago in enumerate((285, 195, 105), 1):
        starts_on = today - timedelta(days=ago)
        ends_on = starts_on + timedelta(days=20)
        round_ = ops.open_round(dispatcher, title=f"第{quarter}次网络专项评议", starts_on=starts_on,
                                ends_on=ends_on, departments=departments, dimensions=DIMENSIONS,
                                now=_at(starts_on, 9))
        for n, firm in enumerate(rng.sample(firms, min(20, len(firms)))):
            cards = loader.cards.by_enterprise.get(firm.id, [])
            card = next((c for c in reversed(cards) if not c.is_revoked), None)
            if card is None:
                continue
            _answer(round_, rng, quarter, _at(starts_on + timedelta(days=n % 15), 10 + n % 6),
                    loader, card=public_card(card.token))
        for n, name in enumerate(NO_CARD_FIRMS):
            _answer(round_, rng, quarter, _at(starts_on + timedelta(days=n + 2), 15), loader,
                    extra={"enterprise_name": name, "credit_code": data.credit_code(rng)})
        ops.close_round(round_, dispatcher, now=_at(ends_on, 17))
        db.session.commit()
        made += 1
    return made


def _answer(round_, rng, quarter, at, loader, card=None, extra=None):
    # Later rounds lean a little more towards the satisfied levels.
    weights = [30 + 8 * quarter, 35, 20 - 3 * quarter, 10 - 2 * quarter, 5 - quarter]
    values = dict(extra or {})
    for link in round_.departments:
        for index, _dimension in enumerate(round_.dimensions):
            if rng.random() < 0.9:  # now and then a department the enterprise has not met
                values[ops.rating_field(link.department_id, index)] = rng.choices(LEVELS, weights)[0]
    if rng.random() < 0.35:
        category, text = rng.choice(SUGGESTIONS)
        values.update(category=category, suggestion=text, contact_phone=f"139{rng.randrange(10**8):08d}")
    answer, _created = ops.save_answer(round_, values, card=card, now=at)
    for suggestion in db.session.execute(db.select(RoundSuggestion).filter_by(
            answer_id=answer.id)).scalars():
        _handle(suggestion.case, at, loader.users["dispatcher"], rng, loader.limit)
