import pytest

from app.cards.operations import issue_card
from app.extensions import db


@pytest.fixture
def card(make_enterprise):
    card = issue_card(make_enterprise(name="鲁西轴承有限公司"))
    db.session.commit()
    return card


@pytest.fixture
def hall_card(app):
    card = issue_card(None, title="县政务服务大厅")
    db.session.commit()
    return card
