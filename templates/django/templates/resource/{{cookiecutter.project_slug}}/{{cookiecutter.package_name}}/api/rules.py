"""What the APIs of the generated resources share: who may call them, what each type of field
accepts (as the OpenAPI document says it: every request the document allows is accepted, and
nothing else), and the conflict a valid value can meet in the database.

One type per kind of field that `webkit generate resource` knows (text is `text()` of this
package). Numbers, booleans and ids must be JSON numbers and booleans, not strings that look
like them; dates and times must be strings; a decimal may be either. An e-mail address, a URL
and a slug must match their pattern as sent: no surrounding spaces (the HTML forms strip
them).
"""

from __future__ import annotations

import re
from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Annotated, Any

from django.http import HttpRequest, HttpResponse
from pydantic import (
    AfterValidator,
    AwareDatetime,
    BeforeValidator,
    Field,
    Strict,
    StringConstraints,
    WithJsonSchema,
)
{%- if "auth" in cookiecutter._features %}

from accounts.api import WRITE_AUTH
{%- endif %}

from . import MAX_ID, api

{% if "auth" in cookiecutter._features -%}
# Who may call an operation, as Django Ninja's `auth=`: None is anyone; `user` a logged-in user,
# by an API token (Authorization: Bearer) or a browser's session with its CSRF token
# (accounts/api.py). Each resource says once who may read it and once who may change it
# (`can_read` and `can_write` in its module).
anyone = None
user = WRITE_AUTH
{%- else -%}
# Who may call an operation, as Django Ninja's `auth=`: None is anyone, as the project has no
# accounts yet. Each resource says once who may read it and once who may change it (`can_read`
# and `can_write` in its module) with this name, so that authentication can close its writes
# in one place.
anyone = None
{%- endif %}


INT_MIN, INT_MAX = -(2**31), 2**31 - 1
TEXT_MAX_LENGTH = 10_000
EMAIL_MAX_LENGTH = 254
URL_MAX_LENGTH = 500
SLUG_MAX_LENGTH = 100
DECIMAL_DIGITS, DECIMAL_PLACES = 12, 2
DECIMAL_MAX = Decimal("9999999999.99")
DECIMAL_PATTERN = r"^-?[0-9]{1,10}(\.[0-9]{1,2})?$"
# Deliberately plain, and in printable ASCII (the same for every regular expression engine,
# Rust's in pydantic, Python's in the tests, a browser's): something@somewhere.tld without
# spaces; http(s)://host[:port][/...]. Whether an address reaches anyone only sending to it
# can tell.
EMAIL_PATTERN = r"^[!-?A-~]+@[!-?A-~]+\.[!-?A-~]+$"
URL_PATTERN = r"^https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[!-~]*)?$"
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"


def whole_number(value: Any) -> Any:
    """JSON's integers include 7.0: a whole number with a fraction part of zero."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


def only_strings(value: Any) -> Any:
    """Dates and times come as strings (pydantic would also read numbers as timestamps)."""
    if not isinstance(value, str):
        raise ValueError("Input should be a string")
    return value


def decimal_text(value: Any) -> Any:
    """A decimal sent as a string has the document's form: 12.50, -3, 0.5."""
    if isinstance(value, str) and not re.fullmatch(DECIMAL_PATTERN, value):
        raise ValueError("Input should be a decimal number with at most 2 decimal places")
    return value


def or_blank(pattern: str) -> str:
    """`pattern` (^...$), or nothing at all."""
    return f"^(?:{pattern[1:-1]})?$"


def cents(value: Decimal) -> Decimal:
    """A decimal as the database keeps it: 12.5 is 12.50."""
    return value.quantize(Decimal("0.01"))


def in_utc(value: datetime) -> datetime:
    """A time in UTC, as the database keeps it; one that UTC cannot hold is invalid."""
    try:
        return value.astimezone(timezone.utc)
    except OverflowError:
        raise ValueError("Input is out of range once in UTC") from None


Integer = Annotated[int, Strict(), Field(ge=INT_MIN, le=INT_MAX), BeforeValidator(whole_number)]
Float = Annotated[float, Strict(), Field(allow_inf_nan=False)]
Boolean = Annotated[bool, Strict()]
Money = Annotated[
    Decimal,
    BeforeValidator(decimal_text),
    Field(max_digits=DECIMAL_DIGITS, decimal_places=DECIMAL_PLACES, allow_inf_nan=False),
    AfterValidator(cents),
    WithJsonSchema(
        {
            "anyOf": [
                {
                    "type": "number",
                    "minimum": -float(DECIMAL_MAX),
                    "maximum": float(DECIMAL_MAX),
                    "multipleOf": 0.01,
                },
                {"type": "string", "pattern": DECIMAL_PATTERN},
            ],
            "description": "A decimal with at most 10 digits before the point and 2 after.",
        },
        mode="validation",
    ),
]
Date = Annotated[date, BeforeValidator(only_strings)]
DateTime = Annotated[AwareDatetime, BeforeValidator(only_strings), AfterValidator(in_utc)]
Email = Annotated[str, StringConstraints(max_length=EMAIL_MAX_LENGTH, pattern=EMAIL_PATTERN)]
Url = Annotated[str, StringConstraints(max_length=URL_MAX_LENGTH, pattern=URL_PATTERN)]
Slug = Annotated[str, StringConstraints(max_length=SLUG_MAX_LENGTH, pattern=SLUG_PATTERN)]
# Optional, and left empty: Django keeps "" rather than null in a text column.
EmailOrBlank = Annotated[
    str, StringConstraints(max_length=EMAIL_MAX_LENGTH, pattern=or_blank(EMAIL_PATTERN))
]
UrlOrBlank = Annotated[
    str, StringConstraints(max_length=URL_MAX_LENGTH, pattern=or_blank(URL_PATTERN))
]
SlugOrBlank = Annotated[
    str, StringConstraints(max_length=SLUG_MAX_LENGTH, pattern=or_blank(SLUG_PATTERN))
]
# A row of another resource, by its id.
Id = Annotated[int, Strict(), Field(ge=1, le=MAX_ID), BeforeValidator(whole_number)]


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


def left_out() -> Any:
    """PATCH's default for a required field: None when the client left it out (it stays as it
    is), which the document does not show as a default; null itself is refused."""
    return Field(None, json_schema_extra=_no_default)


class Conflict(Exception):
    """A valid value the database cannot take: one another row has (a unique field), or the id
    of a row that does not exist (a reference). 409, in the shape of a 422."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@api.exception_handler(Conflict)
def conflict(request: HttpRequest, exc: Conflict) -> HttpResponse:
    return api.create_response(request, {"errors": {exc.field: [exc.message]}}, status=409)
