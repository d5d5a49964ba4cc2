"""The single-use links that confirm an email address (when ACCOUNTS_VERIFY_EMAIL is on)."""

from __future__ import annotations

from django.contrib.auth.base_user import AbstractBaseUser
from django.contrib.auth.tokens import PasswordResetTokenGenerator


class EmailVerificationTokenGenerator(PasswordResetTokenGenerator):
    """Like the password reset's links (signed, expiring after PASSWORD_RESET_TIMEOUT), and
    used up once the account is active."""

    key_salt = "accounts.tokens.EmailVerificationTokenGenerator"

    def _make_hash_value(self, user: AbstractBaseUser, timestamp: int) -> str:
        return f"{user.pk}{user.is_active}{user.password}{timestamp}"


verification_token = EmailVerificationTokenGenerator()
