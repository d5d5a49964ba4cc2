"""The JSON API under /api, described by the OpenAPI document at /api/openapi.json.

APIFlask validates each request against the same pydantic models that write the OpenAPI
document, so the document cannot drift from what the API accepts. One resource is one module
in this package (items.py): its models, its blueprint and its routes. Here are the rules they
share:

- Every answer under /api is JSON, errors too: {"error": "Not Found", "message": "..."}, and
  422 {"errors": {"field": ["message", ...]}} when a field is invalid (errors.py, and
  `format_error` below for APIFlask's own errors); 409 in the same shape when a valid value
  conflicts with another row (a name already taken).
- A request body must be JSON (415 otherwise), well formed (400) and at most
  MAX_CONTENT_LENGTH bytes (413).
- Ids are whole numbers from 1 to 2**31 - 1, what a 32-bit INTEGER column of SQLite,
  PostgreSQL and MySQL holds alike; any other id is a 404, never a database error.
- Text never holds a NUL character (PostgreSQL refuses it) or a lone surrogate (which is not
  Unicode, and no database stores): both are 422.
- Lists come in pages: ?limit= (1 to 100, 20 by default) and ?after=<the last id seen>, with
  the URL of the next page in "next" (null on the last).
"""

from __future__ import annotations

import re
from http import HTTPStatus
from typing import Any

from apiflask import APIFlask
from apiflask.exceptions import HTTPError
from flask import Request, abort, request
from flask.json.provider import DefaultJSONProvider
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, Field, StringConstraints
from werkzeug.exceptions import BadRequest
from werkzeug.routing import BaseConverter

from ..extensions import csrf

URL_PREFIX = "/api"
MAX_ID = 2**31 - 1
PAGE_SIZE = 20
MAX_PAGE_SIZE = 100
# Text without NUL characters: PostgreSQL cannot store them, and they end strings in C code.
NO_NUL = r"^[^\x00]*$"


ID_SCHEMA = {"type": "integer", "minimum": 1, "maximum": MAX_ID}
ERROR_SCHEMA = {
    "type": "object",
    "properties": {"error": {"type": "string"}, "message": {"type": "string"}},
    "required": ["error", "message"],
}
VALIDATION_ERROR_SCHEMA = {
    "type": "object",
    "properties": {
        "errors": {
            "type": "object",
            "additionalProperties": {"type": "array", "items": {"type": "string"}},
        }
    },
    "required": ["errors"],
}

Responses = dict[int | str, dict[str, Any]]
# What a view under @bp.output returns: the object that APIFlask serializes with the output
# model (a row, a dict), maybe with a status and headers. Flask's type for views cannot say so.
Output = Any


def error_response(description: str, schema: dict[str, Any] = ERROR_SCHEMA) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


# The responses every operation with a JSON body may give, besides its own.
BODY_ERRORS: Responses = {
    400: error_response("The body is not well-formed JSON"),
    413: error_response("The body is larger than the server accepts"),
    415: error_response("The body is not JSON (send Content-Type: application/json)"),
}
# 409: a valid value that another row holds already, in the shape of a 422.
CONFLICT: Responses = {
    409: error_response("A value is taken by another row", VALIDATION_ERROR_SCHEMA),
}


def text(max_length: int, *, min_length: int = 0) -> StringConstraints:
    """`Annotated[str, text(100)]`: at most 100 characters, stripped, without NUL."""
    return StringConstraints(
        strip_whitespace=True, min_length=min_length, max_length=max_length, pattern=NO_NUL
    )


class PageQuery(BaseModel):
    """?limit=&after=: the query of every list."""

    limit: int = Field(PAGE_SIZE, ge=1, le=MAX_PAGE_SIZE, description="Items per page.")
    after: int = Field(0, ge=0, le=MAX_ID, description="Only items with a larger id.")


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


class IdConverter(BaseConverter):
    """`<id:item_id>`: an id the database can hold; any other path matches no route (404).

    The range is in the pattern itself: werkzeug answers 405 rather than 404 when a converter
    refuses a path whose pattern matched a route for another method.
    """

    regex = at_most(MAX_ID)
    part_isolating = True

    def to_python(self, value: str) -> int:
        return int(value)

    def to_url(self, value: int) -> str:
        return str(value)


class APIRequest(Request):
    """Flask's request, which says why a JSON body is refused."""

    def on_json_loading_failed(self, e: ValueError | None) -> Any:
        raise BadRequest("The request body is not valid JSON.")


class JSONProvider(DefaultJSONProvider):
    """Flask's JSON, where nesting too deep for Python's parser is malformed JSON (400)."""

    def loads(self, s: str | bytes, **kwargs: Any) -> Any:
        try:
            return super().loads(s, **kwargs)
        except RecursionError:
            raise ValueError("The JSON is nested too deeply.") from None


def init_app(app: APIFlask) -> None:
    app.url_map.converters["id"] = IdConverter
    app.before_request(require_json_body)
    app.register_error_handler(HTTPError, format_error)  # APIFlask raises it for bad input

    # One blueprint per resource, each a module of this package.
{%- import "resource/templates/python.jinja" as python %}
{%- set modules = ["items"] + (cookiecutter._resources | map(attribute="module") | list) %}
{{ python.from_import(".", modules, indent="    ") }}
{% if modules | length == 1 %}
    for blueprint in (items.bp,):
{%- else %}
    for blueprint in (
{%- for module in modules | sort %}
        {{ module }}.bp,
{%- endfor %}
    ):
{%- endif %}
        app.register_blueprint(blueprint)
        # The JSON API accepts only `Content-Type: application/json` (anything else gets 415),
        # and a cross-site HTML form cannot send that content type without a CORS preflight,
        # which this app never grants. So the API needs no CSRF token; HTML forms still do.
        csrf.exempt(blueprint)

    @app.spec_processor
    def complete(spec: dict[str, Any] | str) -> dict[str, Any] | str:
        """Say what APIFlask leaves out: the ids' range, and that a body is required."""
        assert isinstance(spec, dict)  # SPEC_PROCESSOR_PASS_OBJECT is off
        for rule in app.url_map.iter_rules():
            names = set(re.findall(r"<id:(\w+)>", rule.rule))
            path = re.sub(r"<(?:[^<:>]+:)?([^<>]+)>", r"{\1}", rule.rule)
            for operation in spec["paths"].get(path, {}).values():
                for parameter in operation.get("parameters", []):
                    if parameter["in"] == "path" and parameter["name"] in names:
                        parameter["schema"] = ID_SCHEMA
                if "requestBody" in operation:
                    operation["requestBody"]["required"] = True
{%- for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/api-spec.py" ignore missing %}{%- endfor %}
        return spec


def is_api_request() -> bool:
    return request.path == URL_PREFIX or request.path.startswith(URL_PREFIX + "/")


def require_json_body() -> None:
    """415 for an API request whose body is not JSON, 422 for JSON that is not an object
    (APIFlask would read `null` as `{}`), before a view reads it."""
    if (
        request.method not in {"POST", "PUT", "PATCH"}
        or request.routing_exception is not None
        or not is_api_request()
    ):
        return
    if not request.is_json:
        abort(415, description="Send a JSON body with 'Content-Type: application/json'.")
    if not isinstance(request.get_json(), dict):  # malformed: 400
        raise HTTPError(422, detail={"json": {"_schema": ["The body must be a JSON object."]}})


def format_error(error: HTTPError) -> ResponseReturnValue:
    """APIFlask's errors (invalid input) in the API's shapes."""
    if error.status_code == 422 and isinstance(error.detail, dict):
        errors: dict[str, list[str]] = {}
        for fields in error.detail.values():  # by location: {"json": {...}, "query": {...}}
            for field, messages in fields.items():
                errors.setdefault(field, []).extend(messages)
        return {"errors": errors}, 422, error.headers
    body = {"error": HTTPStatus(error.status_code).phrase, "message": str(error.message)}
    return body, error.status_code, error.headers
