"""Creating users and API tokens; flush, never commit (the caller commits)."""
import hashlib
import secrets

from app.auth.models import ApiToken, Role, User
from app.auth.passwords import hash_password
from app.core.types import utcnow
from app.departments.models import Department
from app.extensions import db

MIN_PASSWORD_LENGTH = 8
DEPARTMENT_ROLES = (Role.handler, Role.department_head)


class UserError(ValueError):
    """A refused user change, with a Chinese message."""


def create_user(username: str, password: str, role: Role, *, display_name=None,
                department: Department | None = None, email=None, phone=None,
                must_change_password=True) -> User:
    username = (username or "").strip()
    if not username:
        raise UserError("用户名不能为空")
    if db.session.execute(db.select(User.id).filter_by(username=username)).first():
        raise UserError(f"用户名“{username}”已存在")
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise UserError(f"密码至少{MIN_PASSWORD_LENGTH}位")
    if role in DEPARTMENT_ROLES and department is None:
        raise UserError(f"{role.value}必须属于一个部门")
    user = User(username=username, display_name=display_name or username, role=role,
                department=department, password_hash=hash_password(password), email=email,
                phone=phone, must_change_password=must_change_password)
    db.session.add(user)
    db.session.flush()
    return user


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(user: User) -> str:
    """A new bearer token for `user`; only its hash is stored, so it is shown once."""
    token = "msb_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=hash_token(token), prefix=token[:10],
                            created_at=utcnow()))
    db.session.flush()
    return token


def user_for_token(token: str) -> User | None:
    row = db.session.execute(
        db.select(ApiToken).filter_by(token_hash=hash_token(token), revoked_at=None)
    ).scalar_one_or_none()
    if row is None or not row.user.is_active:
        return None
    row.last_used_at = utcnow()
    return row.user
