"""A user who must change their password gets no API access until they have: a temporary
password an admin set (or reset) is not a credential for integrations. A user the operator
created from the CLI, with a password they typed themselves, is not forced to change it
(issue 16, "API tokens of a user who must change their password")."""
from app.auth import operations as auth_ops
from app.auth.models import Role, User
from app.extensions import db
from tests.conftest import PASSWORD


def api_get(client, token):
    return client.get("/api/v1/cases", headers={"Authorization": f"Bearer {token}"})


def test_a_token_of_a_user_with_a_temporary_password_is_refused_until_it_is_changed(
        client, make_user):
    user = make_user(Role.dispatcher, username="newcomer", must_change_password=True)
    token = auth_ops.create_api_token(user)
    db.session.commit()
    response = api_get(client, token)
    assert response.status_code == 403
    body = response.get_json()
    assert body["error"] == "password_change_required" and "先修改密码" in body["message"]
    auth_ops.change_password(user, PASSWORD, "a-changed-secret-7")
    db.session.commit()
    assert api_get(client, token).status_code == 200


def test_an_admin_reset_stops_the_users_tokens_until_the_new_password_is_changed(
        client, make_user):
    user = make_user(Role.dispatcher, username="forgetful")
    token = auth_ops.create_api_token(user)
    db.session.commit()
    assert api_get(client, token).status_code == 200
    auth_ops.reset_password(user, "a-temporary-9")
    db.session.commit()
    assert api_get(client, token).status_code == 403


def test_the_admin_page_forces_a_change_and_the_cli_does_not(client, runner, world):
    from tests.conftest import login
    login(client, "admin")
    client.post("/admin/users/new", data={
        "username": "byadmin", "display_name": "管理员建的", "role": "dispatcher",
        "department": 0, "password": "a-temporary-9", "is_active": "y"})
    result = runner.invoke(args=["users", "add", "hotline12345", "--role", "dispatcher"],
                           input="a-long-secret-1\n")
    assert result.exit_code == 0, result.output
    by_name = {u.username: u for u in db.session.execute(db.select(User)).scalars()}
    assert by_name["byadmin"].must_change_password
    assert not by_name["hotline12345"].must_change_password
    token = runner.invoke(args=["users", "token", "hotline12345"]).output.strip()
    assert api_get(client, token).status_code == 200
