"""The items API: its schemas and its routes, under /api/items/.

    GET    /api/items/            list, a page at a time     200
    POST   /api/items/            create                     201 + Location, 409 name taken
    GET    /api/items/<id>/       read                       200
    PUT    /api/items/<id>/       replace                    200
    PATCH  /api/items/<id>/       change the fields sent     200
    DELETE /api/items/<id>/       delete                     204

The schemas below both validate the requests and describe them in the OpenAPI document
(/api/openapi.json); the shared rules are in api/__init__.py.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from ninja import Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, Field

from ..models import NAME_MAX_LENGTH, Item
from . import BODY_ERRORS, MAX_ID, Error, FieldErrors, PageQuery, api, text

DESCRIPTION_MAX_LENGTH = 10_000
DUPLICATE_NAME = "An item with this name already exists."

Name = Annotated[str, text(NAME_MAX_LENGTH, min_length=1)]
Description = Annotated[str, text(DESCRIPTION_MAX_LENGTH)]
ItemId = Annotated[int, Path(ge=1, le=MAX_ID)]


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


class ItemIn(Schema):
    """An item as a client sends it (POST and PUT: PUT resets a field left out)."""

    model_config = ConfigDict(extra="forbid")

    name: Name
    description: Description = ""
    # What GET returned may be sent back as it is: these fields are read-only, and ignored.
    id: Any = Field(None, json_schema_extra={"readOnly": True})
    created_at: Any = Field(None, json_schema_extra={"readOnly": True})
    updated_at: Any = Field(None, json_schema_extra={"readOnly": True})
{%- for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/api-item-in.py" ignore missing %}{%- endfor %}

    def fields(self) -> dict[str, Any]:
        return {"name": self.name, "description": self.description}


class ItemPatch(ItemIn):
    """PATCH: only the fields sent change."""

    # None only when left out: an explicit null is refused, as it is not a string.
    name: Name = Field(None, json_schema_extra=_no_default)  # type: ignore[assignment]

    def fields(self) -> dict[str, Any]:
        sent = self.model_fields_set
        return {key: value for key, value in super().fields().items() if key in sent}


class ItemOut(Schema):
    id: int
    name: str
    description: str
{%- for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/api-item-out.py" ignore missing %}{%- endfor %}
    created_at: datetime
    updated_at: datetime


class ItemPage(Schema):
    items: list[ItemOut]
    next: str | None = Field(description="The URL of the next page; null on the last page.")


class DuplicateName(Exception):
    """Another item has this name."""


@api.exception_handler(DuplicateName)
def duplicate_name(request: HttpRequest, exc: DuplicateName) -> HttpResponse:
    return api.create_response(request, {"errors": {"name": [DUPLICATE_NAME]}}, status=409)


router: Router = Router(tags=["Items"])
CHANGE_ERRORS = BODY_ERRORS | {404: Error, 409: FieldErrors}


@router.get("/", response={200: ItemPage, 422: FieldErrors}, url_name="item-list")
def list_items(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """List the items, oldest first"""
    rows = list(Item.objects.filter(pk__gt=page.after).order_by("pk")[: page.limit + 1])
    next_url = None
    if len(rows) > page.limit:
        rows = rows[: page.limit]
        query = urlencode({"after": rows[-1].pk, "limit": page.limit})
        next_url = f"{reverse('api:item-list')}?{query}"
    return {"items": rows, "next": next_url}


@router.post("/", response={201: ItemOut} | BODY_ERRORS | {409: FieldErrors})
def create_item(request: HttpRequest, response: HttpResponse, payload: ItemIn) -> Any:
    """Create an item"""
    item = save(Item(**payload.fields()))
    response["Location"] = reverse("api:item-detail", args=[item.pk])
    return Status(201, item)


@router.get("/{id:item_id}/", response={200: ItemOut, 404: Error}, url_name="item-detail")
def get_item(request: HttpRequest, item_id: ItemId) -> Item:
    """Read an item"""
    return get_item_or_404(item_id)


@router.put("/{id:item_id}/", response={200: ItemOut} | CHANGE_ERRORS)
def replace_item(request: HttpRequest, item_id: ItemId, payload: ItemIn) -> Item:
    """Replace an item"""
    return update(get_item_or_404(item_id), payload.fields())


@router.patch("/{id:item_id}/", response={200: ItemOut} | CHANGE_ERRORS)
def patch_item(request: HttpRequest, item_id: ItemId, payload: ItemPatch) -> Item:
    """Change an item's fields"""
    return update(get_item_or_404(item_id), payload.fields())


@router.delete("/{id:item_id}/", response={204: None, 404: Error})
def delete_item(request: HttpRequest, item_id: ItemId) -> Status[None]:
    """Delete an item"""
    get_item_or_404(item_id).delete()
    return Status(204, None)


def get_item_or_404(item_id: int) -> Item:
    try:
        return Item.objects.get(pk=item_id)
    except Item.DoesNotExist:
        raise HttpError(404, f"There is no item {item_id}.") from None


def update(item: Item, fields: dict[str, Any]) -> Item:
    for field, value in fields.items():
        setattr(item, field, value)
    return save(item)


def save(item: Item) -> Item:
    """Save `item`; raise DuplicateName if another item has its name."""
    if Item.objects.filter(name=item.name).exclude(pk=item.pk).exists():
        raise DuplicateName
    try:
        with transaction.atomic():
            item.save()
    except IntegrityError:
        # Another request took the name between the check above and the save.
        raise DuplicateName from None
    return item
