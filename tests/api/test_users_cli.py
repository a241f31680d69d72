"""`flask users add` and `flask users token`, through the CLI runner."""
from app.auth.models import ApiToken, Role, User
from app.auth.operations import user_for_token
from app.auth.passwords import verify_password
from app.extensions import db


def find(username):
    return db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()


def test_add_user_reads_password_from_stdin(runner, make_department):
    make_department(code="MARKET", name="市场监管局")
    result = runner.invoke(args=["users", "add", "wang", "--role", "handler", "--department",
                                 "MARKET", "--display-name", "王科长", "--email", "w@example.cn"],
                           input="a-long-secret-1\n")
    assert result.exit_code == 0, result.output
    assert "wang" in result.output and "a-long-secret-1" not in result.output
    user = find("wang")
    assert user.role is Role.handler and user.department.code == "MARKET"
    assert user.display_name == "王科长" and user.email == "w@example.cn"
    assert verify_password(user.password_hash, "a-long-secret-1")


def test_add_user_refuses_short_password_with_exit_1(runner):
    result = runner.invoke(args=["users", "add", "li", "--role", "dispatcher"], input="short\n")
    assert result.exit_code == 1
    assert "密码至少10位" in result.output
    assert find("li") is None


def test_add_user_refuses_empty_stdin(runner):
    result = runner.invoke(args=["users", "add", "li", "--role", "dispatcher"], input="")
    assert result.exit_code == 1 and find("li") is None


def test_add_user_refuses_unknown_department_duplicate_and_missing_department(runner, world):
    result = runner.invoke(args=["users", "add", "zhao", "--role", "handler", "--department",
                                 "NOPE"], input="a-long-secret-1\n")
    assert result.exit_code == 1 and "NOPE" in result.output
    result = runner.invoke(args=["users", "add", "zhao", "--role", "handler"],
                           input="a-long-secret-1\n")
    assert result.exit_code == 1 and "部门" in result.output
    result = runner.invoke(args=["users", "add", "dispatcher", "--role", "dispatcher"],
                           input="a-long-secret-1\n")
    assert result.exit_code == 1 and "已存在" in result.output
    assert find("zhao") is None


def test_add_user_refuses_unknown_role(runner):
    result = runner.invoke(args=["users", "add", "qian", "--role", "king"], input="a-long-secret-1\n")
    assert result.exit_code == 2 and find("qian") is None


def test_token_prints_only_a_working_token(runner, world, client):
    result = runner.invoke(args=["users", "token", "dispatcher"])
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert result.output == token + "\n" and token.startswith("msb_")
    assert user_for_token(token).username == "dispatcher"
    stored = db.session.execute(db.select(ApiToken)).scalar_one()
    assert stored.token_hash != token and token.startswith(stored.prefix)
    response = client.get("/api/v1/departments", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 200


def test_token_for_unknown_user_fails(runner):
    result = runner.invoke(args=["users", "token", "nobody"])
    assert result.exit_code == 1 and result.stdout == ""
