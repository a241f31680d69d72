"""Creating users and API tokens; flush, never commit (the caller commits)."""
import hashlib
import logging
import secrets

from app.auth.models import ApiToken, Role, User
from app.auth.passwords import hash_password, password_problem
from app.core.clock import utcnow
from app.departments.models import Department
from app.extensions import db

DEPARTMENT_ROLES = (Role.handler, Role.department_head)
log = logging.getLogger(__name__)


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
    """A new user. By default the password is a temporary one (an admin typed it on the page
    and handed it over): the user must change it before any page or API token works. The CLI
    passes must_change_password=False: its operator chose the password for the account."""
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


def authenticate(username: str, password: str, *, now=None) -> tuple[User | None, str | None]:
    """Check a login. Wrong passwords do not lock the account (anyone could then keep its owner
    out): they are counted per account and source address by `login_refusal` /
    `count_login_failure`. An account is locked only by wrong second-factor codes
    (app/auth/totp.py), which only someone who knows the password can send.

    A wrong password gets the same message whether the name exists, is deactivated or locked,
    so the page cannot be used to find account names. Only someone who gave the right
    password learns that the account is locked or deactivated.

    Returns (user, None) on success or (None, a Chinese message)."""
    from app.auth.passwords import needs_rehash, verify_password
    now = now or utcnow()
    user = _login_user(username)
    if user is None:
        _spend_a_verification(password)
        return None, LOGIN_FAILED
    if not verify_password(user.password_hash, password or ""):
        return None, LOGIN_FAILED
    if user.locked_until is not None and user.locked_until > now:
        minutes = max(1, int((user.locked_until - now).total_seconds() // 60) + 1)
        return None, f"错误次数过多，账号已锁定，请{minutes}分钟后再试"
    if not user.is_active:
        return None, "该账号已停用，请联系管理员"
    user.locked_until = None
    user.last_login_at = now
    if needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user, None


def _login_name(username: str) -> str:
    return (username or "").strip()


def _login_user(username: str) -> User | None:
    return db.session.execute(
        db.select(User).filter_by(username=_login_name(username))).scalar_one_or_none()


# --- login throttling (Flask-Limiter's storage: Redis in production, shared by all workers) ---

def _wait_text(item) -> str:
    """The longest wait a fixed window of `item` can impose, in Chinese ("15分钟", "10秒")."""
    seconds = item.get_expiry()
    if seconds % 3600 == 0:
        return f"{seconds // 3600}小时"
    if seconds % 60 == 0:
        return f"{seconds // 60}分钟"
    return f"{seconds}秒"


def _failure_limit(config):
    from limits import parse
    return parse(f"{config['LOGIN_MAX_FAILURES']} per {config['LOGIN_LOCK_MINUTES']} minutes")


def _failure_key(config, username: str, address: str) -> tuple[str, ...]:
    """Wrong passwords are counted per typed name and source address. The name's session
    version is part of the key, so resetting the password (or anything else that ends the
    user's sessions) starts the counts afresh for every address."""
    name = _login_name(username)[:64]
    version = db.session.execute(
        db.select(User.session_version).filter_by(username=name)).scalar_one_or_none()
    return (config["RATELIMIT_KEY_PREFIX"], "login-failures", name, str(version or 0),
            address or "-")


_memory_counter = None


def _login_counter():
    """The strategy login attempts are counted with: Flask-Limiter's (Redis in production), or,
    while its storage does not answer, one in this process's memory with the same limits —
    staff can still log in during a Redis outage, each process still throttles guessing, and
    the outage is logged (and shown by /readyz) instead of a 500. Flask-Limiter does the same
    for the decorated limits (RATELIMIT_IN_MEMORY_FALLBACK_ENABLED)."""
    global _memory_counter
    from limits.storage import MemoryStorage
    from app.extensions import limiter
    if limiter.storage.check():
        return limiter.limiter
    log.warning("rate-limit storage unreachable: login attempts counted in this process")
    if _memory_counter is None:
        _memory_counter = type(limiter.limiter)(MemoryStorage())
    return _memory_counter


def login_refusal(username: str, address: str, config) -> str | None:
    """Before a password is checked (an argon2 verification, ~0.76 s in production): why this
    attempt is refused, in Chinese with when to try again, or None — and then it is counted.

    In order: every attempt from `address` (LOGIN_RATELIMIT_IP, generous: a township office
    logs in from one NAT address); LOGIN_MAX_FAILURES wrong passwords for this name from this
    address within LOGIN_LOCK_MINUTES (other addresses are not affected); every attempt for
    this name that got this far (LOGIN_RATELIMIT_USERNAME, strict). Attempts refused by the
    second step are not counted by the third, so one address cannot hold a name's limit.
    Names are counted as typed, whether or not they exist: the answers tell nothing."""
    if not config.get("RATELIMIT_ENABLED", True):
        return None
    from limits import parse_many
    strategy = _login_counter()
    prefix = config["RATELIMIT_KEY_PREFIX"]
    for item in parse_many(config["LOGIN_RATELIMIT_IP"]):
        if not strategy.hit(item, prefix, "login-address", address or "-"):
            return f"您所在网络的登录尝试过于频繁，请{_wait_text(item)}后再试"
    failures = _failure_limit(config)
    if not strategy.test(failures, *_failure_key(config, username, address)):
        return (f"该账号从您所在的网络连续输错密码{failures.amount}次，已暂停从这里登录，"
                f"请{_wait_text(failures)}后再试；如忘记密码，请联系管理员重置（重置后立即解除）")
    name = _login_name(username)[:64]
    for item in parse_many(config["LOGIN_RATELIMIT_USERNAME"]):
        if not strategy.hit(item, prefix, "login-name", name):
            return f"该账号的登录尝试过于频繁，请{_wait_text(item)}后再试"
    return None


def count_login_failure(username: str, address: str, config) -> None:
    """Count one wrong password for this name from this address (see `login_refusal`)."""
    if not config.get("RATELIMIT_ENABLED", True):
        return
    _login_counter().hit(_failure_limit(config), *_failure_key(config, username, address))


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
    """Set an initial password the user must change at the next login; unlock the account
    (the second-factor lock here, and the wrong-password counts of every address, which are
    keyed by the session version this moves)."""
    _check_password(new_password, user.username)
    user.password_hash = hash_password(new_password)
    user.must_change_password = True
    user.failed_logins, user.locked_until = 0, None
    user.session_version += 1
