"""The HTML forms of the generated resources: what a form posts (strings), as the API's models
take it, and the other way round, a row as the form shows it.

The pages check a form with the API's own rules (api/rules.py), so that a page and the API
accept exactly the same values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime, timezone
from typing import Any

from pydantic import ValidationError


def read(form: Mapping[str, str], kinds: Mapping[str, str]) -> dict[str, Any]:
    """The values of the posted `form` for the fields `kinds` names (field -> kind)."""
    values: dict[str, Any] = {}
    for field, kind in kinds.items():
        if kind == "bool":  # an unchecked checkbox sends nothing
            values[field] = field in form
            continue
        text = form.get(field, "").strip()
        if not text:
            continue  # not given: None, or "Field required"
        if kind in ("int", "ref"):
            values[field] = _number(text, int)
        elif kind == "float":
            values[field] = _number(text, float)
        elif kind == "datetime" and len(text) == len("2000-01-31T12:00"):
            values[field] = f"{text}Z"  # <input type="datetime-local"> sends the time in UTC
        else:
            values[field] = text
    return values


def _number(text: str, kind: type[int] | type[float]) -> int | float | str:
    """The number, or the text as it was sent, for the API's rules to refuse with a message."""
    try:
        return kind(text)
    except ValueError:
        return text


def shown(row: object | None, kinds: Mapping[str, str]) -> dict[str, Any]:
    """The values of `row` as its form shows them (the form of a new row: none)."""
    values: dict[str, Any] = {}
    if row is None:
        return values
    for field, kind in kinds.items():
        value = getattr(row, field)
        if kind == "datetime" and isinstance(value, datetime):
            value = value.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M")
        elif isinstance(value, date):
            value = value.isoformat()
        values[field] = value
    return values


def errors(error: ValidationError) -> dict[str, list[str]]:
    """The messages of the API's rules, by field."""
    found: dict[str, list[str]] = {}
    for detail in error.errors():
        field = ".".join(str(part) for part in detail["loc"]) or "_schema"
        found.setdefault(field, []).append(str(detail["msg"]))
    return found


def options(rows: Iterable[Any]) -> list[tuple[int, str]]:
    """The choices of a reference: each row's id and label."""
    return [(row.id, str(row)) for row in rows]
