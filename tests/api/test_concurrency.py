"""Many callers at once, on PostgreSQL: every submission is one case with its own number, and
a submission key sent several times at once still makes one case."""
from concurrent.futures import ThreadPoolExecutor
import threading

import pytest

from app.cases.models import Case
from app.extensions import db
from tests.api.test_cases_api import SUBMISSION
from tests.conftest import is_postgres


@pytest.fixture
def postgres(app):
    if not is_postgres(app.config["SQLALCHEMY_DATABASE_URI"]):
        pytest.skip("needs PostgreSQL: SQLite lets one writer in at a time, so a race there "
                    "proves nothing (run with DATABASE_URL=postgresql+psycopg://…)")


def post_concurrently(app, token, bodies, workers=10, barrier=None):
    """POST each body from a pool of threads, each request in its own app context/session."""
    def post(body):
        client = app.test_client()
        if barrier is not None:
            barrier.wait(timeout=30)
        response = client.post("/api/v1/cases", json=body,
                               headers={"Authorization": f"Bearer {token}"})
        return response.status_code, response.get_json()
    with ThreadPoolExecutor(workers) as pool:
        return list(pool.map(post, bodies))


def case_count():
    db.session.rollback()  # see what the threads committed
    return db.session.scalar(db.select(db.func.count(Case.id)))


def test_fifty_concurrent_submissions_make_fifty_distinct_cases(app, postgres, tokens):
    bodies = [{**SUBMISSION, "content": f"并发提交的第{i}条反映"} for i in range(50)]
    results = post_concurrently(app, tokens["dispatcher"], bodies)
    assert [status for status, _ in results] == [201] * 50, results
    numbers = {body["tracking_no"] for _, body in results}
    assert len(numbers) == 50
    assert case_count() == 50


def test_same_submission_key_five_times_at_once_makes_one_case(app, postgres, tokens):
    body = {**SUBMISSION, "submission_key": "double-tap-7f3a"}
    results = post_concurrently(app, tokens["dispatcher"], [body] * 5, workers=5,
                                barrier=threading.Barrier(5))
    statuses = sorted(status for status, _ in results)
    assert statuses == [200, 200, 200, 200, 201], results
    assert len({b["tracking_no"] for _, b in results}) == 1
    assert case_count() == 1
