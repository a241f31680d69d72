"""Argon2id password hashing (argon2-cffi's defaults follow RFC 9106's recommendations), and
the one rule a new password must meet, wherever it is set (CLI, admin page, self-service)."""
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

MIN_PASSWORD_LENGTH = 10
MIN_PASSWORD_DISTINCT = 4  # "aaaaaaaaaa", "ababababab" and "1212121212" are not passwords
COMMON_PASSWORDS = Path(__file__).with_name("common_passwords.txt")


@cache
def common_passwords() -> frozenset[str]:
    """The shipped list of passwords too common to allow, lower-cased."""
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line.strip().lower() for line in lines
                     if line.strip() and not line.startswith("#"))


def password_problem(password: str | None, username: str | None = None) -> str | None:
    """Why `password` may not be set for `username` (a Chinese message), or None if it may."""
    password = password or ""
    if len(password) < MIN_PASSWORD_LENGTH:
        return f"密码至少{MIN_PASSWORD_LENGTH}位"
    lowered, name = password.lower(), (username or "").strip().lower()
    if name and (lowered == name or (len(name) >= 4 and name in lowered)):
        return "密码不能是用户名，也不能包含用户名"
    if lowered in common_passwords() or len(set(lowered)) < MIN_PASSWORD_DISTINCT:
        return "密码过于常见或简单，容易被猜到，请换一个"
    return None

_hasher = PasswordHasher()


def configure(params: dict | None):
    """Swap the hasher's cost (tests use a cheap one; production keeps the defaults)."""
    global _hasher
    if params:
        _hasher = PasswordHasher(**params)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher.check_needs_rehash(password_hash)
