"""Issuing and revoking cards. Tokens carry 128 random bits: unguessable, not enumerable."""
import secrets

from app.cards.models import Card, CardBatch, CardKind
from app.cases.models import AuditEvent
from app.core.clock import utcnow
from app.extensions import db
from app.settings.public_url import public_base_url

SERIAL_ALPHABET = "34679ACDEFGHJKMNPQRTWXY"


def new_card_token() -> str:
    return secrets.token_urlsafe(16)  # 16 bytes = 128 bits, 22 URL-safe characters


def new_serial() -> str:
    return "".join(secrets.choice(SERIAL_ALPHABET) for _ in range(8))


def issue_card(enterprise=None, *, title=None, batch=None, now=None) -> Card:
    """A new card for an enterprise, or a hall/poster card when `enterprise` is None."""
    card = Card(token=new_card_token(), serial=new_serial(),
                kind=CardKind.enterprise if enterprise is not None else CardKind.hall,
                enterprise=enterprise, title=title, batch=batch, issued_at=now or utcnow())
    db.session.add(card)
    db.session.flush()
    return card


def current_card(enterprise) -> Card | None:
    return db.session.execute(
        db.select(Card).filter_by(enterprise_id=enterprise.id, revoked_at=None)
        .order_by(Card.id.desc())).scalars().first()


def card_by_token(token: str) -> Card | None:
    return db.session.execute(db.select(Card).filter_by(token=token)).scalar_one_or_none()


def card_url(base_url: str, card: Card) -> str:
    return f"{base_url.rstrip('/')}/q/{card.token}"


REVOKE_REASON_MAX = Card.__table__.c.revoke_reason.type.length


class CardError(ValueError):
    """A refused card action, with a Chinese message."""


def ensure_current_card(enterprise, now=None) -> Card:
    """The enterprise's valid card, issuing its first one when it has none."""
    return current_card(enterprise) or issue_card(enterprise, now=now)


def revoke_card(enterprise, *, reason: str = "遗失补办", actor=None, now=None) -> tuple[Card, Card]:
    """Revoke the enterprise's current card and issue its replacement; return (old, new).

    The old URL keeps answering (with a notice) so a card on someone's wall still works."""
    now = now or utcnow()
    reason = (reason or "").strip() or "遗失补办"
    if len(reason) > REVOKE_REASON_MAX:
        raise CardError(f"作废原因不能超过{REVOKE_REASON_MAX}字，当前{len(reason)}字")
    old = current_card(enterprise)
    if old is None:
        raise CardError(f"{enterprise.name}没有有效的企业码")
    new = issue_card(enterprise, now=now)
    old.revoked_at = now
    old.revoke_reason = reason
    old.replaced_by = new
    db.session.add(AuditEvent(actor=actor, actor_label=actor.display_name if actor else "系统",
                              action="revoke_card", note=old.revoke_reason, created_at=now,
                              data={"enterprise": enterprise.credit_code, "old": old.serial,
                                    "new": new.serial}))
    db.session.flush()
    return old, new


def card_history(enterprise) -> list[Card]:
    return list(db.session.execute(
        db.select(Card).filter_by(enterprise_id=enterprise.id).order_by(Card.id)).scalars())


def record_batch(cards, *, layout: str, actor=None, note=None, now=None) -> CardBatch:
    """Remember a print run: who printed how many cards, when, in which layout, and the public
    base URL their codes point to (read in the same transaction the cards were rendered in)."""
    batch = CardBatch(created_by=actor, created_at=now or utcnow(), layout=layout,
                      card_count=len(cards), note=note, base_url=public_base_url())
    db.session.add(batch)
    for card in cards:
        if card.batch_id is None:
            card.batch = batch
    db.session.flush()
    return batch
