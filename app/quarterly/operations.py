"""The office sets the 季测评's weights: validated, stored as a new row (the history), and an
audit event. Flushes, never commits: the caller commits once."""
from app.cases.models import AuditEvent
from app.core.clock import utcnow
from app.extensions import db
from app.quarterly.models import QuarterlyWeights
from app.quarterly.queries import COMPONENTS, current_weights

NOTE_MAX = 200


class WeightsError(ValueError):
    """A refused change of the weights, with a Chinese message and the field it is about."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message, self.field = message, field


def parse_weights(values) -> dict[str, int]:
    """{component key: int} from what was typed (`values[key]`), or WeightsError: every weight
    a whole number from 0 to 100, and all of them adding up to exactly 100."""
    weights = {}
    for component in COMPONENTS:
        text = str(values.get(component.key) or "").strip()
        if not text:
            raise WeightsError(f"请填写“{component.label}”的权重", component.key)
        if not text.isascii() or not text.isdigit():
            raise WeightsError(f"“{component.label}”的权重应为0至100之间的整数（不能为负数或小数）",
                               component.key)
        weight = int(text)
        if weight > 100:
            raise WeightsError(f"“{component.label}”的权重应为0至100之间的整数", component.key)
        weights[component.key] = weight
    total = sum(weights.values())
    if total != 100:
        raise WeightsError(f"各项权重之和应为100，现在是{total}")
    return weights


def set_weights(actor, values, note: str | None = None) -> QuarterlyWeights:
    """Store new weights (a new row; the old ones stay as history) and audit the change."""
    weights = parse_weights(values)
    note = (note or "").strip() or None
    if note and len(note) > NOTE_MAX:
        raise WeightsError(f"调整说明不能超过{NOTE_MAX}字", "note")
    before = current_weights()
    now = utcnow()
    row = QuarterlyWeights(weights=weights, note=note, created_by_id=actor.id if actor else None,
                           created_at=now)
    db.session.add(row)
    db.session.flush()
    db.session.add(AuditEvent(
        case_id=None, actor_id=actor.id if actor else None,
        actor_label=actor.display_name if actor else "系统", action="set_quarterly_weights",
        created_at=now, note=note,
        data={"from": before.weights, "from_default": before.is_default, "to": weights,
              "version": row.id}))
    db.session.flush()
    return row
