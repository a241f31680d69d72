"""The database, not luck, keeps unique things unique: of two concurrent inserts of the same
card token, notification dedupe key or tracking number, exactly one wins."""
from concurrent.futures import ThreadPoolExecutor
import threading

import pytest
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.auth.models import Role
from app.cards.models import Card, CardKind
from app.cases.models import Case, CaseSource, CaseState
from app.core.clock import utcnow
from app.extensions import db
from app.reminders.models import Notification
from app.reminders.notify import queue_notification
from tests.conftest import category, is_postgres


def _card(i, **_):
    return Card(token="tok-same-for-both", serial=f"SER{i}", kind=CardKind.hall)


def _notification(i, recipient_id, **_):
    return Notification(dedupe_key="42:urge:7:20261117T010000", kind="urge",
                        recipient_id=recipient_id, title=f"催办{i}", body="请抓紧办理")


def _case(i, category_id, **_):
    return Case(tracking_no="MS2611-DUPDUP", access_code=f"00000{i}",
                source=CaseSource.hall, category_id=category_id, content=f"重复编号测试{i}",
                state=CaseState.submitted, submitted_at=utcnow())


ROWS = {"card token": (_card, "uq_cards_token"),
        "notification dedupe_key": (_notification, "uq_notifications_dedupe_key"),
        "tracking number": (_case, "uq_cases_tracking_no")}


@pytest.fixture
def refs(make_user):
    user = make_user(Role.dispatcher)
    return {"recipient_id": user.id, "category_id": category().id}


def insert_concurrently(engine, make_row, refs, n=2):
    """n sessions insert rows at the same moment; each result is "ok" or the IntegrityError."""
    barrier = threading.Barrier(n)

    def insert(i):
        with Session(engine) as session:
            session.add(make_row(i, **refs))
            barrier.wait(timeout=30)
            try:
                session.commit()
                return "ok"
            except IntegrityError as exc:
                session.rollback()
                return exc
    with ThreadPoolExecutor(n) as pool:
        return list(pool.map(insert, range(n)))


@pytest.mark.parametrize("what", ROWS)
def test_concurrent_duplicate_insert_fails_for_exactly_one(app, refs, what):
    if not is_postgres(app.config["SQLALCHEMY_DATABASE_URI"]):
        pytest.skip("needs PostgreSQL: SQLite serializes writers, so there is no race to lose")
    import psycopg.errors
    make_row, constraint = ROWS[what]
    results = insert_concurrently(db.engine, make_row, refs)
    errors = [r for r in results if r != "ok"]
    assert results.count("ok") == 1 and len(errors) == 1, results
    assert isinstance(errors[0].orig, psycopg.errors.UniqueViolation)
    assert errors[0].orig.diag.constraint_name == constraint


@pytest.mark.parametrize("what", ROWS)
def test_duplicate_insert_is_refused_on_every_database(app, refs, what):
    make_row, _constraint = ROWS[what]
    db.session.add(make_row(1, **refs))
    db.session.commit()
    db.session.add(make_row(2, **refs))
    with pytest.raises(IntegrityError):
        db.session.commit()
    db.session.rollback()


def test_concurrent_queue_notification_creates_one_row(app, refs):
    """Two schedulers queueing the same reminder at once: ON CONFLICT lets one through."""
    if not is_postgres(app.config["SQLALCHEMY_DATABASE_URI"]):
        pytest.skip("needs PostgreSQL: SQLite serializes writers, so there is no race to lose")
    from app.auth.models import User
    barrier = threading.Barrier(2)
    deadline = utcnow()

    def queue(_i):
        with app.app_context():
            user = db.session.get(User, refs["recipient_id"])
            barrier.wait(timeout=30)
            ids = queue_notification("urge", [user], title="催办", body="请抓紧办理",
                                     deadline_at=deadline)
            db.session.commit()
            return ids
    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(queue, range(2)))
    assert sorted(len(ids) for ids in results) == [0, 1]
    db.session.rollback()
    assert db.session.scalar(db.select(db.func.count(Notification.id))) == 1
