"""The links mailed to users, signed with SECRET_KEY (itsdangerous), so they cannot be forged.

A password-reset link is signed with the account's password hash in its salt: once the
password changes (by that link or any other way), the link no longer verifies, so it works
once; it also expires after RESET_MAX_AGE. A verification link is signed with the address it
confirms.
"""

from __future__ import annotations

from flask import current_app
from itsdangerous import BadData, URLSafeTimedSerializer

from ..extensions import db
from .models import User

RESET_MAX_AGE = 60 * 60  # one hour
VERIFY_MAX_AGE = 3 * 24 * 60 * 60  # three days


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key or "")


def _make(user: User, purpose: str, secret: str) -> str:
    return _serializer().dumps(user.id, salt=f"accounts.{purpose}.{secret}")


def _check(token: str, purpose: str, secret_of: str, max_age: int) -> User | None:
    """The user the link was made for, if it still verifies (else None)."""
    _, user_id = _serializer().loads_unsafe(token)  # which user, to know the salt
    user = db.session.get(User, user_id) if isinstance(user_id, int) else None
    if user is None:
        return None
    try:
        salt = f"accounts.{purpose}.{getattr(user, secret_of)}"
        _serializer().loads(token, salt=salt, max_age=max_age)
    except BadData:  # forged, changed, expired, or its password (address) changed since
        return None
    return user


def reset_token(user: User) -> str:
    return _make(user, "reset", user.password_hash)


def user_to_reset(token: str) -> User | None:
    return _check(token, "reset", "password_hash", RESET_MAX_AGE)


def verify_token(user: User) -> str:
    return _make(user, "verify", user.email)


def user_to_verify(token: str) -> User | None:
    return _check(token, "verify", "email", VERIFY_MAX_AGE)
