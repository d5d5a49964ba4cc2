"""The users, and the tokens their API clients send."""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime

from sqlalchemy import ForeignKey, String, select
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import Model, db
from ..models import UTCDateTime, utcnow
from . import passwords

EMAIL_MAX_LENGTH = 254
TOKEN_NAME_MAX_LENGTH = 100
TOKEN_BYTES = 32


def normalize_email(email: str) -> str:
    """Addresses compare without case: stored, and looked up, in lower case."""
    return email.strip().lower()


def new_session_key() -> str:
    return secrets.token_hex(16)


class User(Model):
    """An account: its email address is its name. What Flask-Login needs is here too."""

    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(EMAIL_MAX_LENGTH), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    is_admin: Mapped[bool] = mapped_column(default=False)
    email_verified: Mapped[bool] = mapped_column(default=False)
    # Part of what the session and the remember-me cookie hold: a new one (a new password)
    # ends every session but the one that set it.
    session_key: Mapped[str] = mapped_column(String(32), default=new_session_key)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    tokens: Mapped[list[ApiToken]] = relationship(
        back_populates="user", cascade="all, delete-orphan", order_by="ApiToken.id"
    )

    is_authenticated = True
    is_active = True
    is_anonymous = False

    def __init__(self, *, email: str, password: str, **fields: object) -> None:
        super().__init__(email=normalize_email(email), **fields)
        self.set_password(password)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.email!r}>"

    def set_password(self, password: str) -> None:
        self.password_hash = passwords.hash_password(password)
        self.session_key = new_session_key()

    def check_password(self, password: str) -> bool:
        if not passwords.verify(self.password_hash, password):
            return False
        if passwords.needs_rehash(self.password_hash):  # the hashing settings were raised
            self.password_hash = passwords.hash_password(password)
        return True

    def get_id(self) -> str:
        """What the session keeps (Flask-Login)."""
        return f"{self.id}.{self.session_key}"

    @classmethod
    def from_login_id(cls, login_id: str) -> User | None:
        user_id, _, key = login_id.partition(".")
        user = db.session.get(cls, int(user_id)) if user_id.isdigit() else None
        if user is None or not hmac.compare_digest(user.session_key, key):
            return None
        return user

    @classmethod
    def by_email(cls, email: str) -> User | None:
        query = select(cls).where(cls.email == normalize_email(email))
        return db.session.scalar(query)


def digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class ApiToken(Model):
    """A token an API client sends as `Authorization: Bearer <token>`, for its user. Only its
    SHA-256 digest is kept: the token is shown once, and a leaked database reveals none."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(TOKEN_NAME_MAX_LENGTH))
    digest: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship(back_populates="tokens")

    def __repr__(self) -> str:
        return f"<ApiToken {self.id} {self.name!r}>"

    @classmethod
    def issue(cls, user: User, name: str) -> str:
        """Make a token for `user` (added to the session, not committed); return it."""
        token = secrets.token_urlsafe(TOKEN_BYTES)
        db.session.add(cls(user=user, name=name, digest=digest(token)))
        return token

    @classmethod
    def user_for(cls, token: str) -> User | None:
        """The user of `token`, or None; notes its use."""
        row = db.session.scalar(select(cls).where(cls.digest == digest(token)))
        if row is None:
            return None
        row.last_used_at = utcnow()
        return row.user
