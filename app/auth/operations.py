"""Creating users and API tokens; flush, never commit (the caller commits)."""
import hashlib
import secrets

from app.auth.models import ApiToken, Role, User
from app.auth.passwords import hash_password, password_problem
from app.core.clock import utcnow
from app.departments.models import Department
from app.extensions import db

DEPARTMENT_ROLES = (Role.handler, Role.department_head)


class UserError(ValueError):
    """A refused user change, with a Chinese message."""


def _check_password(password: str, username: str) -> None:
    problem = password_problem(password, username)
    if problem:
        raise UserError(problem)


def _check_lengths(**values) -> None:
    """Refuse text longer than its column, naming the field (username=..., display_name=...)."""
    for field, value in values.items():
        maximum = User.__table__.c[field].type.length
        if value and len(value) > maximum:
            raise UserError(f"{USER_FIELD_LABELS[field]}不能超过{maximum}个字符")


USER_FIELD_LABELS = {"username": "用户名", "display_name": "姓名", "email": "邮箱", "phone": "手机"}


def create_user(username: str, password: str, role: Role, *, display_name=None,
                department: Department | None = None, email=None, phone=None,
                must_change_password=True) -> User:
    username = (username or "").strip()
    if not username:
        raise UserError("用户名不能为空")
    _check_lengths(username=username, display_name=(display_name or "").strip(),
                   email=email, phone=phone)
    if db.session.execute(db.select(User.id).filter_by(username=username)).first():
        raise UserError(f"用户名“{username}”已存在")
    _check_password(password, username)
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


def api_tokens_of(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (only their prefixes and times are known)."""
    return list(db.session.execute(db.select(ApiToken).filter_by(user_id=user.id)
                                   .order_by(ApiToken.id.desc())).scalars())


def revoke_api_tokens(user: User, *, token_id: int | None = None, actor: User | None = None,
                      actor_label: str | None = None, now=None) -> int:
    """Revoke one of the user's tokens (`token_id`) or all that still work; return how many.
    A revoked token answers 401 from the next request on. Recorded as an audit event."""
    from app.cases.models import AuditEvent
    now = now or utcnow()
    query = db.select(ApiToken).filter_by(user_id=user.id, revoked_at=None)
    if token_id is not None:
        query = query.filter_by(id=token_id)
    tokens = list(db.session.execute(query).scalars())
    for token in tokens:
        token.revoked_at = now
    db.session.add(AuditEvent(case_id=None, actor=actor,
                              actor_label=actor_label or (actor.display_name if actor else "命令行"),
                              action="revoke_api_tokens", created_at=now,
                              data={"user": user.username, "tokens": [t.prefix for t in tokens]}))
    db.session.flush()
    return len(tokens)


def user_for_token(token: str) -> User | None:
    row = db.session.execute(
        db.select(ApiToken).filter_by(token_hash=hash_token(token), revoked_at=None)
    ).scalar_one_or_none()
    if row is None or not row.user.is_active:
        return None
    row.last_used_at = utcnow()
    return row.user


LOGIN_FAILED = "用户名或密码错误"
_dummy_hash = None


def _spend_a_verification(password: str) -> None:
    """Verify against a throwaway hash, so an unknown name takes as long as a known one."""
    global _dummy_hash
    from app.auth.passwords import verify_password
    if _dummy_hash is None:
        _dummy_hash = hash_password(secrets.token_urlsafe(16))
    verify_password(_dummy_hash, password or "")


def authenticate(username: str, password: str, *, max_failures: int, lock_minutes: int,
                 now=None) -> tuple[User | None, str | None]:
    """Check a login; after `max_failures` wrong passwords the account locks for a while.

    A wrong password gets the same message whether the name exists, is deactivated or locked,
    so the page cannot be used to find account names. Only someone who gave the right
    password learns that the account is locked or deactivated.

    Returns (user, None) on success or (None, a Chinese message)."""
    from datetime import timedelta

    from app.auth.passwords import needs_rehash, verify_password
    now = now or utcnow()
    user = db.session.execute(
        db.select(User).filter_by(username=(username or "").strip())).scalar_one_or_none()
    if user is None:
        _spend_a_verification(password)
        return None, LOGIN_FAILED
    locked = user.locked_until is not None and user.locked_until > now
    if not verify_password(user.password_hash, password or ""):
        if not locked:
            user.failed_logins += 1
            if user.failed_logins >= max_failures:
                user.locked_until = now + timedelta(minutes=lock_minutes)
                user.failed_logins = 0
        return None, LOGIN_FAILED
    if locked:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return None, f"错误次数过多，账号已锁定，请{minutes}分钟后再试"
    if not user.is_active:
        return None, "该账号已停用，请联系管理员"
    user.failed_logins = 0
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user, None


def change_password(user: User, current: str, new: str) -> None:
    from app.auth.passwords import verify_password
    if not verify_password(user.password_hash, current or ""):
        raise UserError("当前密码不正确")
    _check_password(new, user.username)
    if current == new:
        raise UserError("新密码不能与当前密码相同")
    user.password_hash = hash_password(new)
    user.must_change_password = False
    user.session_version += 1  # other sessions end; the caller logs this one in again


def logout_everywhere(user: User) -> None:
    """End every session of `user`: the session id carries the version (User.get_id), and
    load_user refuses a stale one. Logging out calls this too (a copied cookie must die)."""
    user.session_version += 1


def update_user(user: User, *, display_name: str, role: Role, department: Department | None,
                is_active: bool, email=None, phone=None) -> User:
    """Change a user's name, role, department or status; a role change ends their sessions."""
    display_name = (display_name or "").strip()
    if not display_name:
        raise UserError("姓名不能为空")
    _check_lengths(display_name=display_name, email=email, phone=phone)
    if role in DEPARTMENT_ROLES and department is None:
        raise UserError(f"{role.value}必须属于一个部门")
    if (user.role, user.department_id, user.is_active) != (
            role, department.id if department else None, is_active):
        user.session_version += 1  # new rights take effect now, not at the next login
    user.display_name, user.role, user.department = display_name, role, department
    user.is_active, user.email, user.phone = is_active, email or None, phone or None
    db.session.flush()
    return user


def reset_password(user: User, new_password: str) -> None:
    """Set an initial password the user must change at the next login; unlock the account."""
    _check_password(new_password, user.username)
    user.password_hash = hash_password(new_password)
    user.must_change_password = True
    user.failed_logins, user.locked_until = 0, None
    user.session_version += 1
