"""Who may do what: sessions for pages, tokens or sessions for the API, and login throttling.

Pages that change something use `login_required` (Flask-Login's): a visitor is sent to the
login page with `next`, and comes back there once logged in. The API's writes use
`@bp.auth_required(api_auth)` (APIFlask's, so the OpenAPI document says so): a client sends
`Authorization: Bearer <token>` (made on /accounts/tokens/), a browser on this site its
session cookie with the page's CSRF token in `X-CSRFToken`; anything else is 401 JSON.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import flask_login
from apiflask import HTTPTokenAuth
from apiflask.exceptions import HTTPError
from flask import current_app, request
from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager, current_user

from ..extensions import csrf, db
from .models import ApiToken, User

__all__ = ["api_auth", "limiter", "login_manager", "login_required"]

# Failed logins allowed before the next attempt is refused (429) for a while: for one account
# whoever tries, and from one address whatever the accounts.
LOGIN_LIMIT_PER_ACCOUNT = "5 per 15 minutes"
LOGIN_LIMIT_PER_ADDRESS = "20 per 15 minutes"
# Forms that send email or create accounts, from one address.
MAILING_LIMIT_PER_ADDRESS = "10 per hour"

SESSION_SCHEME = "SessionCookie"
CSRF_SCHEME = "CSRFToken"
UNAUTHORIZED = "Log in, or send an API token: 'Authorization: Bearer <token>'."

View = TypeVar("View", bound=Callable[..., Any])

login_manager = LoginManager()
login_manager.login_view = "accounts.login"
login_manager.login_message = "Log in to continue."

# The client's address is the one that connected, or X-Forwarded-For's when PROXY_FIX_X_FOR
# says a proxy sets it (security.py). RATELIMIT_STORAGE_URI says where the counts are kept.
limiter = Limiter(get_remote_address, headers_enabled=True)


class TokenOrSessionAuth(HTTPTokenAuth):
    """A Bearer token; without an Authorization header, the session of a browser on this
    site, which must then send its CSRF token (Flask-HTTPAuth alone reads tokens only)."""

    def authenticate(self, auth: Any, stored_password: Any) -> Any:
        if request.headers.get("Authorization"):
            return super().authenticate(auth, stored_password)
        if not current_user.is_authenticated:
            return None
        if current_app.config.get("WTF_CSRF_ENABLED", True):
            csrf.protect()  # 400 without the session's CSRF token
        return current_user._get_current_object()


api_auth = TokenOrSessionAuth(
    scheme="Bearer",
    description="An API token, made on /accounts/tokens/ (shown once). Browsers on this site "
    "send their session cookie and the page's CSRF token instead.",
)


def login_required(view: View) -> View:
    """For a page: a visitor is sent to the login page, and back here once logged in."""
    protected: View = flask_login.login_required(view)
    return protected


def load_user(login_id: str) -> User | None:
    return User.from_login_id(login_id)


def token_user(token: str) -> User | None:
    """The user of a Bearer token (None: 401)."""
    user = ApiToken.user_for(token)
    db.session.commit()  # the token's last use
    return user


def unauthorized(error: HTTPError) -> tuple[dict[str, str], int, dict[str, str]]:
    body = {"error": "Unauthorized", "message": UNAUTHORIZED}
    return body, error.status_code, {"WWW-Authenticate": 'Bearer realm="api"'}


login_manager.user_loader(load_user)
api_auth.verify_token(token_user)
api_auth.error_processor(unauthorized)


def document_security(spec: dict[str, Any]) -> None:
    """In the OpenAPI document: the session (with its CSRF token) as the other way to write."""
    schemes = spec.setdefault("components", {}).setdefault("securitySchemes", {})
    schemes[SESSION_SCHEME] = {
        "type": "apiKey",
        "in": "cookie",
        "name": "session",
        "description": "A browser's session on this site, from /accounts/login/.",
    }
    schemes[CSRF_SCHEME] = {
        "type": "apiKey",
        "in": "header",
        "name": "X-CSRFToken",
        "description": "With the session: the CSRF token of the page (its meta csrf-token).",
    }
    for path in spec.get("paths", {}).values():
        for operation in path.values():
            security = operation.get("security")
            if security and {SESSION_SCHEME: [], CSRF_SCHEME: []} not in security:
                security.append({SESSION_SCHEME: [], CSRF_SCHEME: []})
