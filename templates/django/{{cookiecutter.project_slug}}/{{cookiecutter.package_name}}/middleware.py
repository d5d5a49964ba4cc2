"""Middleware: JSON errors under /api/, and the Content-Security-Policy on every response."""

from __future__ import annotations

from collections.abc import Callable
from http import HTTPStatus

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.middleware import common

API_PREFIX = "/api/"
BODY_METHODS = {"POST", "PUT", "PATCH"}

Handler = Callable[[HttpRequest], HttpResponse]


class APIErrorsMiddleware:
    """Every error under /api/ is JSON, whichever part of Django answered.

    First in MIDDLEWARE, so that it sees what the others answer: the CSRF failure page, 400 for
    a Host that ALLOWED_HOSTS refuses, 404 (in DEBUG, Django's technical page), 500. It also
    refuses a body over DATA_UPLOAD_MAX_MEMORY_SIZE with 413 before anything reads it (Django
    would answer 400).
    """

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if not is_api(request):
            return self.get_response(request)
        if request.method in BODY_METHODS and too_large(request):
            return error(413, "The request body is larger than the server accepts.")
        response = self.get_response(request)
        if response.status_code >= 400 and not is_json(response):
            return error(response.status_code, message_for(response.status_code), response)
        return response


def is_json(response: HttpResponse) -> bool:
    return response.get("Content-Type", "").split(";")[0].strip() == "application/json"


def is_api(request: HttpRequest) -> bool:
    return request.path_info.startswith(API_PREFIX) or request.path_info == API_PREFIX[:-1]


class CommonMiddleware(common.CommonMiddleware):
    """Django's, except that /api/items does not redirect to /api/items/ (APPEND_SLASH).

    An API client gets a 404 for a URL that does not exist, rather than a redirect that drops
    its request body (or, for a POST in DEBUG, an error).
    """

    def should_redirect_with_slash(self, request: HttpRequest) -> bool:
        return not is_api(request) and super().should_redirect_with_slash(request)


def too_large(request: HttpRequest) -> bool:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return False  # Django's own parsing answers a malformed length
    return limit is not None and length > limit


def message_for(status: int) -> str:
    if status == 404:
        return "There is nothing at this URL."
    return HTTPStatus(status).description


def error(status: int, message: str, original: HttpResponse | None = None) -> HttpResponse:
    body = {"error": HTTPStatus(status).phrase, "message": message}
    response = JsonResponse(body, status=status, json_dumps_params={"ensure_ascii": True})
    if original is not None and original.has_header("Allow"):
        response["Allow"] = original["Allow"]
    return response


class ContentSecurityPolicyMiddleware:
    """Sends settings.CONTENT_SECURITY_POLICY unless the view set a policy of its own."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response
