"""The JSON API under /api/, described by the OpenAPI document at /api/openapi.json.

Django Ninja validates each request against the same pydantic schemas that write the OpenAPI
document, so the document cannot drift from what the API accepts; /api/docs shows it (Swagger
UI, from Ninja's own static files). One resource is one module in this package (items.py): its
schemas and its router. Here are the rules they share:

- Every answer under /api/ is JSON, errors too: {"error": "Not Found", "message": "..."}
  (the handlers below for the API's own errors; middleware.APIErrorsMiddleware for Django's:
  400 for a bad Host, 404 with or without the trailing slash, 413, 500), and
  422 {"errors": {"field": ["message", ...]}} when a field is invalid; 409 in the same shape
  when a valid value conflicts with another row (a name already taken).
- A request body must be JSON (415 otherwise), well formed (400) and at most
  DATA_UPLOAD_MAX_MEMORY_SIZE bytes (413). The API uses no cookies, so it asks for no CSRF
  token; a cross-site form cannot send JSON, and the HTML form keeps its token.
- Ids are whole numbers from 1 to 2**31 - 1, what an INTEGER column of SQLite, PostgreSQL
  and MySQL holds alike; any other id is a 404, never a database error.
- Text never holds a NUL character (PostgreSQL refuses it) or a lone surrogate (not
  Unicode): both are 422.
- Lists come in pages: ?limit= (1 to 100, 20 by default) and ?after=<the last id seen>, with
  the URL of the next page in "next" (null on the last).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from http import HTTPStatus
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import register_converter
from ninja import NinjaAPI, Schema
from ninja.errors import {{ "AuthenticationError, " if "auth" in cookiecutter._features }}HttpError, ValidationError
from ninja.parser import Parser
from pydantic import Field, StringConstraints

MAX_ID = 2**31 - 1
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Text without NUL characters: PostgreSQL cannot store them, and they end strings in C code.
NO_NUL = r"^[^\x00]*$"
# Swagger UI's stylesheet draws its icons as data: URLs.
DOCS_IMAGES = "img-src 'self' data:"


def text(max_length: int, *, min_length: int = 0) -> StringConstraints:
    """`Annotated[str, text(100)]`: at most 100 characters, stripped, without NUL."""
    return StringConstraints(
        strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=NO_NUL
    )


class PageQuery(Schema):
    """?limit=&after=: the query of every list."""

    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items per page.")
    after: int = Field(0, ge=0, le=MAX_ID, description="Only items with a larger id.")


class Error(Schema):
    error: str
    message: str


class FieldErrors(Schema):
    errors: dict[str, list[str]]


def repeat(low: int, high: int) -> str:
    """A regular expression for `low` to `high` digits."""
    return "\\d{" + (str(low) if low == high else f"{low},{high}") + "}"


def at_most(limit: int) -> str:
    """A regular expression for the whole numbers from 1 to `limit`, without leading zeros."""
    digits = str(limit)
    # Fewer digits than `limit`, then as many: a smaller digit after the same start.
    choices = ["[1-9]" + repeat(0, len(digits) - 2)] if len(digits) > 1 else []
    for i, digit in enumerate(digits):
        low = 1 if i == 0 else 0
        if int(digit) > low:
            rest = len(digits) - i - 1
            choices.append(f"{digits[:i]}[{low}-{int(digit) - 1}]" + repeat(rest, rest))
    choices.append(digits)
    return "(?:" + "|".join(choices) + ")"


class IdConverter:
    """`{id:item_id}` in a route: an id the database can hold; any other path is a 404."""

    regex = at_most(MAX_ID)

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


register_converter(IdConverter, "id")


class NotJSON(ValueError):
    """The request body is not JSON (415)."""


class JSONParser(Parser):
    """Ninja's parser, for JSON bodies only."""

    def parse_body(self, request: HttpRequest) -> dict[str, Any]:
        if request.content_type != "application/json":
            raise NotJSON
        data: dict[str, Any] = json.loads(request.body)  # RecursionError too: a 400
        return data


def error(request: HttpRequest, status: int, message: str) -> HttpResponse:
    body = {"error": HTTPStatus(status).phrase, "message": message}
    return api.create_response(request, body, status=status)


def with_docs_policy(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    """The documentation page's Content-Security-Policy: the site's, plus data: images."""

    def docs(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        from django.conf import settings

        response = view(request, *args, **kwargs)
        response["Content-Security-Policy"] = f"{settings.CONTENT_SECURITY_POLICY}; {DOCS_IMAGES}"
        return response

    return docs


api = NinjaAPI(
    title="{{ cookiecutter.project_name }} API",
    version="1",
    urls_namespace="api",
    parser=JSONParser(),
    docs_decorator=with_docs_policy,
)


@api.exception_handler(ValidationError)
def invalid_fields(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors: dict[str, list[str]] = {}
    for detail in exc.errors:
        where, *names = detail["loc"]
        if where == "body":
            names = names[1:]  # the view's parameter: "payload"
        field = ".".join(str(name) for name in names) or "_schema"
        errors.setdefault(field, []).append(str(detail["msg"]))
    return api.create_response(request, {"errors": errors}, status=422)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    if isinstance(exc.__cause__, NotJSON):
        return error(request, 415, "Send a JSON body with 'Content-Type: application/json'.")
    if exc.status_code == 400:
        return error(request, 400, "The request body is not valid JSON.")
    return error(request, exc.status_code, str(exc))


# The responses every operation with a JSON body may give, besides its own.
BODY_ERRORS = {400: Error, 413: Error, 415: Error, 422: FieldErrors}
{%- for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/api.py" ignore missing %}{%- endfor %}


# One router per resource, each a module of this package. They are added here, with the API
# itself, rather than in config/urls.py: after a broken edit, the reloader imports the URLs
# again, and a router added to an API whose URLs exist already is an error.
{%- import "resource/templates/python.jinja" as python %}
{{ python.from_import(".", ["items"] + (cookiecutter._resources | map(attribute="module") | list), comment="  # noqa: E402") }}

api.add_router("/items/", items.router)
{%- for resource in cookiecutter._resources %}
api.add_router("/{{ resource.url }}/", {{ resource.module }}.router)
{%- endfor %}
