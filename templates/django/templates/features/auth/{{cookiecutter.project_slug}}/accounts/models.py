"""The user model (an email address, no username) and the users' API tokens.

AUTH_USER_MODEL is "accounts.User" from the first migration on: Django cannot switch to a
custom user model once its own tables have rows pointing at auth.User.
"""

from __future__ import annotations

import hashlib
import secrets
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.db import models
from django.utils import timezone

# What a token starts with: a reader (or a secret scanner) can tell what it is.
TOKEN_PREFIX = "api_"


def normalize_email(email: str) -> str:
    """The one form of an address that the database holds: stripped and lower case.

    The whole address, not only the domain as Django does: users type their address in any
    case, and two accounts differing in case only would be a trap for both.
    """
    return email.strip().lower()


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **fields: Any) -> User:
        if not email:
            raise ValueError("A user needs an email address.")
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)  # None: an unusable password
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> User:
        fields.update(is_staff=True, is_superuser=True)
        return self.create_user(email, password, **fields)

    def get_by_natural_key(self, username: str | None) -> User:
        # Logging in: whatever the case the address is typed in.
        return self.get(email=normalize_email(username or ""))


class User(AbstractBaseUser, PermissionsMixin):
    """A user: an email address (unique whatever its case) and a password."""

    email = models.EmailField(
        "email address",
        unique=True,
        error_messages={"unique": "A user with this email address already exists."},
    )
    is_staff = models.BooleanField(
        "staff status", default=False, help_text="Can log in to the admin site."
    )
    is_active = models.BooleanField(
        "active",
        default=True,
        help_text="Can log in. Unselect this instead of deleting the account.",
    )
    date_joined = models.DateTimeField("date joined", default=timezone.now)

    objects: ClassVar[UserManager] = UserManager()

    EMAIL_FIELD = "email"
    USERNAME_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = []

    class Meta:
        verbose_name = "user"
        verbose_name_plural = "users"

    def __str__(self) -> str:
        return self.email

    def clean(self) -> None:
        super().clean()
        self.email = normalize_email(self.email)

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.email = normalize_email(self.email)
        super().save(*args, **kwargs)


def digest(secret: str) -> str:
    """What the database keeps of a token: its SHA-256, never the token itself."""
    return hashlib.sha256(secret.encode()).hexdigest()


class Token(models.Model):
    """An API token: `Authorization: Bearer <token>`. Shown once, when it is made; the
    database keeps its SHA-256 (a token is random enough that a fast hash is enough), so a
    copy of the database gives no one a token. Deleting the row revokes it."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, models.CASCADE, related_name="tokens")
    name = models.CharField(max_length=100, help_text="What the token is for, for you.")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return self.name

    @classmethod
    def issue(cls, user: User, name: str) -> tuple[Token, str]:
        """A new token for `user`: the row, and the token itself, to show once."""
        secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
        return cls.objects.create(user=user, name=name, digest=digest(secret)), secret

    @classmethod
    def user_for(cls, secret: str) -> User | None:
        """The active user whose token this is, or None."""
        token = (
            cls.objects.select_related("user")
            .filter(digest=digest(secret), user__is_active=True)
            .first()
        )
        if token is None:
            return None
        cls.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
        return token.user
