"""How the JSON API knows who is calling: the operations that write take `auth=WRITE_AUTH`.

- API clients send a token they made on /accounts/tokens/: `Authorization: Bearer <token>`.
- Browsers (static/.../js/app.js) send the session cookie of the logged-in user, with Django's
  CSRF token in the X-CSRFToken header: a cookie alone could come from another site's form.

Both are in the OpenAPI document (components.securitySchemes). Without either, a write is a
401 {"error": "Unauthorized", ...}; a session without a valid CSRF token is a 403.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja.errors import HttpError
from ninja.security import APIKeyCookie, HttpBearer
from ninja.utils import check_csrf

from .models import Token, User


class BearerToken(HttpBearer):
    """`Authorization: Bearer <token>`, a token of an active user."""

    def authenticate(self, request: HttpRequest, token: str) -> User | None:
        user = Token.user_for(token)
        if user is not None:
            request.user = user
        return user


class BrowserSession(APIKeyCookie):
    """The session of a logged-in browser, which must also send the CSRF token."""

    param_name = settings.SESSION_COOKIE_NAME

    def __init__(self) -> None:
        # Checked below, once there is a user: a request without one is a 401, not a 403.
        super().__init__(csrf=False)

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        if not request.user.is_authenticated:
            return None
        if check_csrf(request) is not None:
            raise HttpError(403, "The CSRF token is missing or wrong: send it as X-CSRFToken.")
        return request.user


# The operations that change data: a token first (it needs no CSRF check), then the session.
WRITE_AUTH = [BearerToken(), BrowserSession()]
