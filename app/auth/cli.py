"""`flask users …`: create accounts and API tokens from the shell (for the first admin and
for integrations)."""
import sys

import click
from flask.cli import AppGroup

from app.auth.models import Role, User
from app.auth.operations import UserError, create_api_token, create_user, revoke_api_tokens
from app.departments.models import Department
from app.extensions import db

users_cli = AppGroup("users", help="Users and API tokens.")


def _fail(message: str):
    """Say what is wrong on stderr and exit 1, leaving the database untouched."""
    db.session.rollback()
    click.echo(message, err=True)
    sys.exit(1)


@users_cli.command("add")
@click.argument("username")
@click.option("--role", required=True, type=click.Choice([r.name for r in Role]),
              help="One of the roles: " + ", ".join(f"{r.name} ({r.value})" for r in Role))
@click.option("--department", "department_code", help="Department code (handlers and heads).")
@click.option("--display-name", help="The name shown to others; defaults to USERNAME.")
@click.option("--email", help="Where notifications are e-mailed.")
def add_user(username, role, department_code, display_name, email):
    """Create USERNAME; the password is read as one line from stdin (never an argument)."""
    line = click.get_text_stream("stdin").readline()
    password = line.rstrip("\r\n")
    if not password:
        _fail("没有读到密码 / no password: it is read as one line from stdin")
    department = None
    if department_code:
        department = db.session.execute(
            db.select(Department).filter_by(code=department_code)).scalar_one_or_none()
        if department is None:
            _fail(f"部门代码“{department_code}”不存在 / unknown department code {department_code}")
    try:
        # The operator typed this password (for the first admin, or an integration's
        # account, docs/api.md): not a temporary one to be changed at the first login.
        user = create_user(username, password, Role[role], display_name=display_name,
                           department=department, email=email, must_change_password=False)
    except UserError as exc:
        _fail(str(exc))
    db.session.commit()
    where = f"，部门 {department.name}" if department else ""
    click.echo(f"已创建用户 {user.username}（{user.role.value}{where}）")


def _user_or_fail(username: str) -> User:
    user = db.session.execute(db.select(User).filter_by(username=username)).scalar_one_or_none()
    if user is None:
        _fail(f"用户“{username}”不存在 / unknown user {username}")
    return user


@users_cli.command("revoke-tokens")
@click.argument("username")
def revoke_tokens(username):
    """Revoke every API token of USERNAME (they answer 401 from the next request)."""
    user = _user_or_fail(username)
    count = revoke_api_tokens(user)
    db.session.commit()
    click.echo(f"已撤销 {user.username} 的 {count} 个 API 令牌")


@users_cli.command("token")
@click.argument("username")
def new_token(username):
    """Print a new API token for USERNAME (shown once; only its hash is stored)."""
    user = _user_or_fail(username)
    if not user.is_active:
        _fail(f"用户“{username}”已停用 / user {username} is disabled")
    token = create_api_token(user)
    db.session.commit()
    click.echo(token)
