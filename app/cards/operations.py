"""Issuing and revoking cards. Tokens carry 128 random bits: unguessable, not enumerable."""
import secrets

from app.cards.models import Card, CardKind
from app.core.types import utcnow
from app.extensions import db

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
