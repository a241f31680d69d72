"""API tokens can be revoked, from the CLI and the admin page; revoked ones answer 401
(issue 16, item 10)."""
from app.auth.operations import api_tokens_of, create_api_token
from app.cases.models import AuditEvent
from app.extensions import db


def api_status(client, token):
    return client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"}).status_code


def test_cli_revokes_every_token_of_a_user_and_they_answer_401(app, client, runner, world):
    first, second = create_api_token(world.dispatcher), create_api_token(world.dispatcher)
    other = create_api_token(world.admin)
    db.session.commit()
    assert api_status(client, first) == 200
    result = runner.invoke(args=["users", "revoke-tokens", "dispatcher"])
    assert result.exit_code == 0 and "已撤销 dispatcher 的 2 个 API 令牌" in result.output
    assert (api_status(client, first), api_status(client, second)) == (401, 401)
    assert api_status(client, other) == 200  # another user's token still works
    event = db.session.execute(db.select(AuditEvent).filter_by(action="revoke_api_tokens")
                               ).scalar_one()
    assert event.data["user"] == "dispatcher" and len(event.data["tokens"]) == 2
    unknown = runner.invoke(args=["users", "revoke-tokens", "nobody"])
    assert unknown.exit_code != 0 and "不存在" in unknown.output


def test_admin_page_lists_tokens_and_revokes_one_or_all(csrf_app, world):
    import re
    client = csrf_app.test_client()
    keep, drop = create_api_token(world.dispatcher), create_api_token(world.dispatcher)
    db.session.commit()
    assert api_status(client, keep) == 200  # records its last use
    page = client.get("/login").get_data(as_text=True)
    csrf = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    client.post("/login", data={"username": "admin", "password": "correct-horse-9",
                                "csrf_token": csrf})
    url = f"/admin/users/{world.dispatcher.id}"
    page = client.get(url).get_data(as_text=True)
    assert keep[:10] in page and drop[:10] in page and "从未使用" in page
    tokens = {t.prefix: t for t in api_tokens_of(world.dispatcher)}
    one = f"{url}/tokens/{tokens[drop[:10]].id}/revoke"
    assert client.post(one).status_code == 400  # no CSRF token: refused
    csrf = re.search(r'name="revoke-csrf_token"[^>]*value="([^"]+)"', page).group(1)
    response = client.post(one, data={"revoke-csrf_token": csrf})
    assert response.status_code == 302
    assert (api_status(client, keep), api_status(client, drop)) == (200, 401)
    assert "已撤销" in client.get(url).get_data(as_text=True)
    client.post(f"{url}/tokens/revoke", data={"revoke-csrf_token": csrf})
    assert api_status(client, keep) == 401


def test_only_admins_revoke_tokens(client, login_as, world):
    token = create_api_token(world.handler)
    db.session.commit()
    login_as(world.dispatcher)
    response = client.post(f"/admin/users/{world.handler.id}/tokens/revoke")
    assert response.status_code == 403
    assert api_status(client, token) == 200
