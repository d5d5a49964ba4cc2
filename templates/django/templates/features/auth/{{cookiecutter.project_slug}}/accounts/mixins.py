"""Pages that anyone may read and only a logged-in user may change."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.mixins import AccessMixin
from django.http import HttpRequest, HttpResponseBase

SAFE_METHODS = {"GET", "HEAD", "OPTIONS"}


class LoginRequiredForWritesMixin(AccessMixin):
    """GET is public; a POST (or any other write) from an anonymous visitor is sent to the login
    page, with `next` to come back."""

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.method not in SAFE_METHODS and not request.user.is_authenticated:
            return self.handle_no_permission()
        response: HttpResponseBase = super().dispatch(request, *args, **kwargs)  # type: ignore[misc]
        return response
