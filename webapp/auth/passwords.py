"""Password hashes: argon2id with the parameters OWASP recommends, older hashes upgraded at login.

New hashes use argon2id with 19 MiB of memory, 2 passes and 1 lane (the first configuration of the
OWASP Password Storage Cheat Sheet); the figures can be raised with ARGON2_MEMORY_KIB,
ARGON2_TIME_COST and ARGON2_PARALLELISM. Hashes made before (werkzeug's scrypt) still verify, and a
successful login replaces such a hash, or an argon2 hash with lower figures, by a new one.

PASSWORD_HASH_METHOD names another werkzeug method (say "pbkdf2:sha256:1000") where speed matters
more than strength: the test suite, which hashes hundreds of passwords.
"""

from __future__ import annotations

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from flask import current_app, has_app_context
from werkzeug.security import check_password_hash, generate_password_hash

ARGON2 = "argon2id"
DEFAULTS = {"PASSWORD_HASH_METHOD": ARGON2, "ARGON2_MEMORY_KIB": 19456, "ARGON2_TIME_COST": 2, "ARGON2_PARALLELISM": 1}

_hashers: dict[tuple[int, int, int], PasswordHasher] = {}
_dummies: dict[str, str] = {}


def _setting(name: str):
    if has_app_context():
        return current_app.config.get(name, DEFAULTS[name])
    return DEFAULTS[name]


def _method() -> str:
    return _setting("PASSWORD_HASH_METHOD") or ARGON2


def _hasher() -> PasswordHasher:
    key = (int(_setting("ARGON2_TIME_COST")), int(_setting("ARGON2_MEMORY_KIB")), int(_setting("ARGON2_PARALLELISM")))
    hasher = _hashers.get(key)
    if hasher is None:
        hasher = _hashers[key] = PasswordHasher(time_cost=key[0], memory_cost=key[1], parallelism=key[2], type=Type.ID)
    return hasher


def hash_password(password: str) -> str:
    method = _method()
    if method == ARGON2:
        return _hasher().hash(password)
    return generate_password_hash(password, method=method)


def verify_password(stored: str | None, password: str) -> bool:
    """Whether `password` matches the stored hash (argon2 or any werkzeug method)."""
    if not stored:
        return False
    if stored.startswith("$argon2"):
        try:
            return _hasher().verify(stored, password)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            return False
    try:
        return check_password_hash(stored, password)
    except ValueError:  # an unknown method in the stored value
        return False


def needs_rehash(stored: str | None) -> bool:
    """Whether a verified hash should be replaced by one of the configured method and figures."""
    if not stored:
        return False
    method = _method()
    if method == ARGON2:
        if not stored.startswith("$argon2"):
            return True
        try:
            return _hasher().check_needs_rehash(stored)
        except InvalidHashError:
            return True
    return not stored.startswith(method.split(":")[0] + ":")


def spend_like_a_check(password: str) -> None:
    """Verify against a throwaway hash: an unknown address costs as much time as a known one.

    Without it, the time a login takes tells whether an account exists for an address.
    """
    method = _method()
    key = f"{method}:{_setting('ARGON2_TIME_COST')}:{_setting('ARGON2_MEMORY_KIB')}:{_setting('ARGON2_PARALLELISM')}"
    dummy = _dummies.get(key)
    if dummy is None:
        dummy = _dummies[key] = hash_password("an unguessable dummy password")
    verify_password(dummy, password)
