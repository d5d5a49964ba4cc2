"""Rows for the tests of the generated resources.

`make(Model, **values)` creates a row of `Model` with the values given and a valid value for
every other required field: a number counting up (so that unique fields differ), and for a
reference, a row of its own made the same way.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from itertools import count
from typing import Any, TypeVar

from django.db import models

M = TypeVar("M", bound=models.Model)
AUTOMATIC = {"id", "created_at", "updated_at"}
_numbers = count(1)


def make(model: type[M], **values: Any) -> M:
    number = next(_numbers)
    for field in model._meta.concrete_fields:
        if field.name in values or field.name in AUTOMATIC or field.null:
            continue
        values[field.name] = value_for(field, number)
    return model._default_manager.create(**values)


def value_for(field: Any, number: int) -> Any:
    """A value that `field` takes (and that differs for each `number`)."""
    if isinstance(field, models.ForeignKey):
        return make(field.related_model)
    if isinstance(field, models.BooleanField):
        return number % 2 == 0
    if isinstance(field, models.DateTimeField):
        return datetime(2024, 1, 1, 12, number % 60, tzinfo=timezone.utc)
    if isinstance(field, models.DateField):
        return date(2024, 1, 1 + number % 28)
    if isinstance(field, models.DecimalField):
        return Decimal(f"{number}.25")
    if isinstance(field, models.FloatField):
        return float(number)
    if isinstance(field, models.IntegerField):
        return number
    if isinstance(field, models.EmailField):
        return f"user{number}@example.com"
    if isinstance(field, models.URLField):
        return f"https://example.com/{number}"
    if isinstance(field, models.SlugField):
        return f"slug-{number}"
    return f"{field.name}-{number}"[: field.max_length or 100]
