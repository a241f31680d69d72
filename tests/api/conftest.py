"""An API client that speaks as one of the `world` users through a real bearer token."""
import pytest

from app.auth.operations import create_api_token
from app.extensions import db

WORLD_USERS = ("handler", "head", "other_handler", "dispatcher", "supervisor", "admin")


@pytest.fixture
def tokens(world):
    issued = {name: create_api_token(getattr(world, name)) for name in WORLD_USERS}
    db.session.commit()
    return issued


class Api:
    def __init__(self, client, tokens):
        self.client, self.tokens = client, tokens

    def headers(self, as_):
        return {"Authorization": f"Bearer {self.tokens[as_]}"}

    def get(self, path, as_="dispatcher", **kw):
        return self.client.get(f"/api/v1{path}", headers=self.headers(as_), **kw)

    def post(self, path, json=None, as_="dispatcher", **kw):
        return self.client.post(f"/api/v1{path}", json=json, headers=self.headers(as_), **kw)

    def act(self, case_or_no, action, as_="dispatcher", **fields):
        no = getattr(case_or_no, "tracking_no", case_or_no)
        return self.post(f"/cases/{no}/actions", {"action": action, **fields}, as_=as_)


@pytest.fixture
def api(client, tokens):
    return Api(client, tokens)
