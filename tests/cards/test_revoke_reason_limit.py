"""A revoke reason longer than its column is refused before anything changes."""
import pytest

from app.cards.operations import CardError, current_card, ensure_current_card, revoke_card
from app.extensions import db
from tests.conftest import login


def test_too_long_revoke_reason_is_refused_and_the_card_stays_valid(client, world, make_enterprise):
    enterprise = make_enterprise()
    card = ensure_current_card(enterprise)
    db.session.commit()
    with pytest.raises(CardError, match="作废原因不能超过200字"):
        revoke_card(enterprise, reason="丢" * 201)
    login(client, "dispatcher")
    response = client.post(f"/cards/enterprise/{enterprise.id}/revoke", data={"reason": "丢" * 300},
                           follow_redirects=True)
    assert "作废原因不能超过200字" in response.get_data(as_text=True)
    db.session.expire_all()
    assert current_card(enterprise).id == card.id and card.revoked_at is None
