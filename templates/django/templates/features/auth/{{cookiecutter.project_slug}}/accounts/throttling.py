"""Failed logins, counted by django-axes (settings.AXES_*): per account and per address.

Axes has one limit for every lockout parameter. Here an account is locked after
AXES_FAILURE_LIMIT failures (someone guessing its password), an address after
ACCOUNTS_ADDRESS_FAILURE_LIMIT, a higher number (many people may share it, behind one NAT),
for AXES_COOLOFF_TIME; then the login page answers 429.
"""

from __future__ import annotations

from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from django.conf import settings
from django.db.models import Sum
from django.http import HttpRequest

from .models import normalize_email


def username(request: HttpRequest, credentials: dict[str, Any] | None) -> str:
    """The address tried, as the database holds it: User@Example.com counts for user@example.com."""
    given = (credentials or {}).get("username") or request.POST.get("username") or ""
    return normalize_email(str(given))


def client_address(request: HttpRequest) -> str:
    """The visitor's address. Behind the proxy (settings.ACCOUNTS_BEHIND_PROXY), the last one
    of X-Forwarded-For, the one the proxy added; else the connection's."""
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if settings.ACCOUNTS_BEHIND_PROXY and forwarded:
        return str(forwarded).split(",")[-1].strip()
    return str(request.META.get("REMOTE_ADDR", ""))


class Handler(AxesDatabaseHandler):  # type: ignore[misc]  # axes is untyped
    """Axes' database handler, with a limit for the account and a higher one for the address
    (AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"], in that order)."""

    def get_failures(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
        """The failures that count against AXES_FAILURE_LIMIT: the account's, or the address's
        scaled to that limit."""
        per_account, per_address = (
            attempts.aggregate(total=Sum("failures_since_start"))["total"] or 0
            for attempts in self.get_user_attempts(request, credentials)
        )
        limit = settings.AXES_FAILURE_LIMIT
        scaled = per_address * limit // settings.ACCOUNTS_ADDRESS_FAILURE_LIMIT
        return max(per_account, scaled)
