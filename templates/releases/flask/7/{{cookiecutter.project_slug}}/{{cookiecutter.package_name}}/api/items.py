"""The items API: its models, its routes, and the rules the HTML form shares.

    GET    /api/items            list, a page at a time     200
    POST   /api/items            create                     201 + Location, 409 name taken
    GET    /api/items/<id>       read                       200
    PUT    /api/items/<id>       replace                    200
    PATCH  /api/items/<id>       change the fields sent     200
    DELETE /api/items/<id>       delete                     204

The pydantic models below both validate the requests and describe them in the OpenAPI
document (/api/openapi.json); the shared rules are in api/__init__.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from apiflask import APIBlueprint
from flask import url_for
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import db
from ..models import NAME_MAX_LENGTH, Item
from . import BODY_ERRORS, CONFLICT, Output, PageQuery, text

DESCRIPTION_MAX_LENGTH = 10_000
DUPLICATE_NAME = "An item with this name already exists."

Name = Annotated[str, text(NAME_MAX_LENGTH, min_length=1)]
Description = Annotated[str, text(DESCRIPTION_MAX_LENGTH)]


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class ItemIn(BaseModel):
    """An item as a client sends it (POST and PUT: PUT resets a field left out)."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Description | None = None
    # What GET returned may be sent back as it is: these fields are read-only, and ignored.
    id: Any = Field(None, json_schema_extra={"readOnly": True})
    created_at: Any = Field(None, json_schema_extra={"readOnly": True})
    updated_at: Any = Field(None, json_schema_extra={"readOnly": True})
{%- for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/api-item-in.py" ignore missing %}{%- endfor %}

    def fields(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description}


class ItemPatch(ItemIn):
    """PATCH: only the fields sent change; a name may be left out, but not null."""

    # None only when left out: an explicit null is refused, as it is not a string.
    name: Name = Field(None, json_schema_extra=_no_default)  # type: ignore[assignment]

    def fields(self) -> dict[str, Any]:
        sent = self.model_fields_set
        return {key: value for key, value in super().fields().items() if key in sent}


class ItemOut(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    description: str | None
{%- for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/api-item-out.py" ignore missing %}{%- endfor %}
    created_at: datetime
    updated_at: datetime


class ItemPage(BaseModel):
    items: list[ItemOut]
    next: str | None = Field(description="The URL of the next page; null on the last page.")


class DuplicateName(Exception):
    """Another item has this name."""


bp = APIBlueprint("items", __name__, url_prefix="/api/items", tag="Items")


@bp.errorhandler(DuplicateName)
def duplicate_name(error: DuplicateName) -> ResponseReturnValue:
    return {"errors": {"name": [DUPLICATE_NAME]}}, 409


@bp.get("")
@bp.input(PageQuery, location="query")
@bp.output(ItemPage)
def list_items(query_data: PageQuery) -> Output:
    """List the items, oldest first"""
    query = select(Item).where(Item.id > query_data.after).order_by(Item.id)
    items = list(db.session.scalars(query.limit(query_data.limit + 1)))
    next_url = None
    if len(items) > query_data.limit:
        items = items[: query_data.limit]
        next_url = url_for(".list_items", after=items[-1].id, limit=query_data.limit)
    return {"items": items, "next": next_url}


@bp.post("")
@bp.input(ItemIn)
@bp.output(ItemOut, status_code=201)
@bp.doc(responses=BODY_ERRORS | CONFLICT)
def create_item(json_data: ItemIn) -> Output:
    """Create an item"""
    item = Item(**json_data.fields())
    save(item)
    return item, 201, {"Location": url_for(".get_item", item_id=item.id)}


@bp.get("/<id:item_id>")
@bp.output(ItemOut)
def get_item(item_id: int) -> Output:
    """Read an item"""
    return get_item_or_404(item_id)


@bp.put("/<id:item_id>")
@bp.input(ItemIn)
@bp.output(ItemOut)
@bp.doc(responses=BODY_ERRORS | CONFLICT)
def replace_item(item_id: int, json_data: ItemIn) -> Output:
    """Replace an item"""
    return update(get_item_or_404(item_id), json_data.fields())


@bp.patch("/<id:item_id>")
@bp.input(ItemPatch)
@bp.output(ItemOut)
@bp.doc(responses=BODY_ERRORS | CONFLICT)
def patch_item(item_id: int, json_data: ItemPatch) -> Output:
    """Change an item's fields"""
    return update(get_item_or_404(item_id), json_data.fields())


@bp.delete("/<id:item_id>")
@bp.output({}, status_code=204)
def delete_item(item_id: int) -> ResponseReturnValue:
    """Delete an item"""
    db.session.delete(get_item_or_404(item_id))
    db.session.commit()
    return ""


def get_item_or_404(item_id: int) -> Item:
    return db.get_or_404(Item, item_id, description=f"There is no item {item_id}.")


def update(item: Item, fields: dict[str, Any]) -> Item:
    for field, value in fields.items():
        setattr(item, field, value)
    save(item)
    return item


def ordered() -> list[Item]:
    """Every item, oldest first (for the HTML page)."""
    return list(db.session.scalars(select(Item).order_by(Item.id)))


def save(item: Item) -> None:
    """Add or update `item` and commit; raise DuplicateName if its name is taken."""
    if name_taken(item):
        raise DuplicateName
    db.session.add(item)
    try:
        db.session.commit()
    except IntegrityError:
        # Another request took the name between the check above and this commit.
        db.session.rollback()
        raise DuplicateName from None


def name_taken(item: Item) -> bool:
    query = select(Item.id).where(Item.name == item.name)
    if item.id is not None:
        query = query.where(Item.id != item.id)
    with db.session.no_autoflush:  # `item` may hold the duplicate name already
        return db.session.scalar(query.limit(1)) is not None
