"""The rules that the generated resources' APIs share (api/rules.py), for every kind of field,
whichever kinds the project's resources use."""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from typing import Any

import pytest
from pydantic import TypeAdapter, ValidationError

from {{ cookiecutter.package_name }}.api import rules


@pytest.mark.parametrize(
    ("kind", "value", "expected"),
    [
        (rules.Integer, 7.0, 7),
        (rules.Float, 2, 2.0),
        (rules.Money, "12.50", Decimal("12.50")),
        (rules.Money, 3, Decimal("3.00")),
        (rules.Money, 12.5, Decimal("12.50")),
        (rules.Boolean, False, False),
        (rules.Date, "2024-02-29", date(2024, 2, 29)),
        (
            rules.DateTime,
            "2024-01-01T12:00:00+02:00",
            datetime(2024, 1, 1, 10, tzinfo=timezone.utc),
        ),
        (rules.Email, "ada@example.com", "ada@example.com"),
        (rules.Url, "https://example.com/a?b=c", "https://example.com/a?b=c"),
        (rules.Slug, "a-slug_1", "a-slug_1"),
        (rules.EmailOrBlank, "", ""),
        (rules.UrlOrBlank, "https://example.com", "https://example.com"),
        (rules.SlugOrBlank, "", ""),
        (rules.Id, 1, 1),
    ],
)
def test_each_kind_takes_its_values(kind: Any, value: Any, expected: Any) -> None:
    assert TypeAdapter(kind).validate_python(value) == expected


@pytest.mark.parametrize(
    ("kind", "value"),
    [
        (rules.Integer, "7"),
        (rules.Integer, 7.5),
        (rules.Integer, 2**31),
        (rules.Float, "1.5"),
        (rules.Float, float("inf")),
        (rules.Money, "1e2"),
        (rules.Money, " 1"),
        (rules.Money, "1.234"),
        (rules.Money, 10**10),
        (rules.Boolean, "yes"),
        (rules.Date, 20240101),
        (rules.DateTime, "2024-01-01T12:00:00"),
        (rules.DateTime, "0001-01-01T00:00:00+01:00"),
        (rules.Email, "ada"),
        (rules.Email, " ada@example.com"),
        (rules.Url, "ftp://example.com"),
        (rules.Slug, "not a slug"),
        (rules.SlugOrBlank, " "),
        (rules.Id, 0),
    ],
)
def test_each_kind_refuses_what_its_document_does_not_allow(kind: Any, value: Any) -> None:
    with pytest.raises(ValidationError):
        TypeAdapter(kind).validate_python(value)


def test_a_decimal_is_a_number_or_a_string_in_the_document() -> None:
    schema = TypeAdapter(rules.Money).json_schema()
    assert [choice["type"] for choice in schema["anyOf"]] == ["number", "string"]


def test_anyone_may_call_an_operation() -> None:
    assert rules.anyone is None  # Django Ninja's auth=None: no authentication
{%- if "auth" in cookiecutter._features %}


def test_a_user_may_write() -> None:
    assert rules.user  # a token or a logged-in session (accounts/api.py)
{%- endif %}
