"""Passwords: argon2id hashing and the rules a new password must meet.

Hashed with argon2id (t=2, m=19 MiB, p=1: the OWASP ASVS minimum). Its own module because
both signing in (checking) and managing accounts (setting) need it.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError

from dashboard.problem import Problem

PASSWORD_MIN_LENGTH = 8
PASSWORD_MAX_LENGTH = 1024  # long passphrases are welcome; megabytes would only burn CPU

_HASHER = PasswordHasher(
    time_cost=2, memory_cost=19 * 1024, parallelism=1, hash_len=32, salt_len=16, type=Type.ID
)


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify(password_hash: str, password: str) -> bool:
    try:
        return _HASHER.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with other parameters than today's."""
    return _HASHER.check_needs_rehash(password_hash)


def problems(password: str | None) -> list[Problem]:
    """Why a new password is refused (too short or too long); [] when it will do."""
    if password is None or len(password) < PASSWORD_MIN_LENGTH:
        return [Problem("access.password.too_short", {"min": PASSWORD_MIN_LENGTH})]
    if len(password) > PASSWORD_MAX_LENGTH:
        return [Problem("access.password.too_long", {"max": PASSWORD_MAX_LENGTH})]
    return []
