"""Rows for the tests of the generated resources.

`make(Model, **values)` adds a row of `Model` with the values given and a valid value for every
other required column: a number counting up (so that unique columns differ), and for a
reference, a row of its own made the same way.
"""

from __future__ import annotations

from datetime import date, datetime, timezone
from decimal import Decimal
from itertools import count
from typing import Any, TypeVar

from sqlalchemy import Column, inspect

from {{ cookiecutter.package_name }}.extensions import Model, db

M = TypeVar("M", bound=Model)
AUTOMATIC = {"id", "created_at", "updated_at"}
_numbers = count(1)


def make(model: type[M], **values: Any) -> M:
    number = next(_numbers)
    for column in inspect(model).columns:
        if column.key in values or column.key in AUTOMATIC or column.nullable:
            continue
        values[column.key] = value_for(column, number)
    row = model(**values)
    db.session.add(row)
    db.session.commit()
    return row


def value_for(column: Column[Any], number: int) -> Any:
    """A value that `column` takes (and that differs for each `number`)."""
    for key in column.foreign_keys:
        target = next(m.class_ for m in Model.registry.mappers if m.local_table is key.column.table)
        return make(target).id
    kind = column.type.python_type
    if kind is bool:
        return number % 2 == 0
    if kind is datetime:
        return datetime(2024, 1, 1, 12, number % 60, tzinfo=timezone.utc)
    if kind is date:
        return date(2024, 1, 1 + number % 28)
    if kind in (int, float):
        return kind(number)
    if kind is Decimal:
        return Decimal(f"{number}.25")
    length = getattr(column.type, "length", None) or 100
    return f"{column.key}-{number}"[:length]
