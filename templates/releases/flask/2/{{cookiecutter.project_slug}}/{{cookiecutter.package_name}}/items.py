"""The rules for items, shared by the JSON API and the HTML form."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from .extensions import db
from .models import NAME_MAX_LENGTH, Item

FIELDS = {"name", "description"}
READ_ONLY_FIELDS = {"id", "created_at", "updated_at"}
DUPLICATE_NAME = "An item with this name already exists."


class ValidationError(Exception):
    """Invalid input, as {"field": ["message", ...]}."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(errors)
        self.errors = errors


def validate(data: Mapping[str, Any], *, partial: bool = False) -> dict[str, Any]:
    """Check an item's fields and return them cleaned; raise ValidationError if any is wrong.

    A full update (`partial=False`) needs `name` and resets a missing `description`; a partial
    one changes only the fields given. Read-only fields (id, timestamps) are ignored, so a client
    may send back what it received.
    """
    errors: dict[str, list[str]] = {}
    clean: dict[str, Any] = {}

    for field in sorted(set(data) - FIELDS - READ_ONLY_FIELDS):
        errors[field] = ["Unknown field."]

    if "name" in data:
        name = data["name"]
        if not isinstance(name, str):
            errors["name"] = ["Must be a string."]
        elif not name.strip():
            errors["name"] = ["Must not be blank."]
        elif len(name.strip()) > NAME_MAX_LENGTH:
            errors["name"] = [f"Must be at most {NAME_MAX_LENGTH} characters."]
        else:
            clean["name"] = name.strip()
    elif not partial:
        errors["name"] = ["This field is required."]

    if "description" in data:
        description = data["description"]
        if description is None or isinstance(description, str):
            clean["description"] = description
        else:
            errors["description"] = ["Must be a string or null."]
    elif not partial:
        clean["description"] = None

    if errors:
        raise ValidationError(errors)
    return clean


def ordered() -> list[Item]:
    """Every item, oldest first."""
    return list(db.session.scalars(select(Item).order_by(Item.id)))


def save(item: Item) -> None:
    """Add or update `item` and commit; raise ValidationError if its name is taken."""
    if name_taken(item):
        raise ValidationError({"name": [DUPLICATE_NAME]})
    db.session.add(item)
    try:
        db.session.commit()
    except IntegrityError:
        # Another request took the name between the check above and this commit.
        db.session.rollback()
        raise ValidationError({"name": [DUPLICATE_NAME]}) from None


def name_taken(item: Item) -> bool:
    query = select(Item.id).where(Item.name == item.name)
    if item.id is not None:
        query = query.where(Item.id != item.id)
    with db.session.no_autoflush:  # `item` may hold the duplicate name already
        return db.session.scalar(query.limit(1)) is not None
