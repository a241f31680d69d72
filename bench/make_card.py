"""Create (or reuse) a migrated database with one enterprise card and two dispatchers (so each
submission queues its real notification rows); print the card's token.

Usage: DATABASE_URL=sqlite:////tmp/x.sqlite3 MEDIA_ROOT=/tmp/m python bench/make_card.py"""
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import flask_migrate  # noqa: E402

from app import create_app  # noqa: E402
from app.auth.models import Role, User  # noqa: E402
from app.auth.operations import create_user  # noqa: E402
from app.cards.models import Card  # noqa: E402
from app.cards.operations import issue_card  # noqa: E402
from app.enterprises.models import Enterprise  # noqa: E402
from app.extensions import db  # noqa: E402


def main():
    app = create_app()
    with app.app_context():
        flask_migrate.upgrade()
        card = db.session.execute(db.select(Card).where(Card.enterprise_id.isnot(None))).scalars().first()
        if card is None:
            enterprise = Enterprise(name="基准测试企业有限公司", credit_code="91371500000000001X")
            db.session.add(enterprise)
            card = issue_card(enterprise)
            db.session.commit()
        if not db.session.execute(db.select(User.id).filter_by(role=Role.dispatcher)).first():
            for n in (1, 2):
                create_user(f"bench-dispatcher-{n}", "bench-only-password-1", Role.dispatcher)
            db.session.commit()
        print(card.token)


if __name__ == "__main__":
    main()
