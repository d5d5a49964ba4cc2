"""JSON API for items under /api.

    GET    /api/items          list            200
    POST   /api/items          create          201 + Location
    GET    /api/items/<id>     read            200
    PUT    /api/items/<id>     replace         200
    PATCH  /api/items/<id>     change fields   200
    DELETE /api/items/<id>     delete          204

Errors are JSON too (errors.py): 400 malformed JSON, 404, 405, 415 when the body is not JSON,
422 {"errors": {"field": ["message"]}} when a field is invalid.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, request, url_for
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import BadRequest

from . import items
from .extensions import db
from .models import Item

URL_PREFIX = "/api"

bp = Blueprint("api", __name__, url_prefix=URL_PREFIX)


@bp.errorhandler(items.ValidationError)
def validation_error(error: items.ValidationError) -> ResponseReturnValue:
    return {"errors": error.errors}, 422


@bp.get("/items")
def list_items() -> ResponseReturnValue:
    return {"items": [item.to_dict() for item in items.ordered()]}


@bp.post("/items")
def create_item() -> ResponseReturnValue:
    item = Item(**items.validate(json_body()))
    items.save(item)
    return item.to_dict(), 201, {"Location": url_for(".get_item", item_id=item.id)}


@bp.get("/items/<int:item_id>")
def get_item(item_id: int) -> ResponseReturnValue:
    return get_item_or_404(item_id).to_dict()


@bp.put("/items/<int:item_id>")
def replace_item(item_id: int) -> ResponseReturnValue:
    return update_item(item_id, partial=False)


@bp.patch("/items/<int:item_id>")
def patch_item(item_id: int) -> ResponseReturnValue:
    return update_item(item_id, partial=True)


@bp.delete("/items/<int:item_id>")
def delete_item(item_id: int) -> ResponseReturnValue:
    db.session.delete(get_item_or_404(item_id))
    db.session.commit()
    return "", 204


def update_item(item_id: int, *, partial: bool) -> ResponseReturnValue:
    item = get_item_or_404(item_id)
    for field, value in items.validate(json_body(), partial=partial).items():
        setattr(item, field, value)
    items.save(item)
    return item.to_dict()


def get_item_or_404(item_id: int) -> Item:
    return db.get_or_404(Item, item_id, description=f"There is no item {item_id}.")


def json_body() -> dict[str, Any]:
    """The request's JSON object, or abort with 415 (not JSON) or 400 (malformed)."""
    if not request.is_json:
        abort(415, description="Send a JSON body with 'Content-Type: application/json'.")
    try:
        data = request.get_json()
    except BadRequest:
        abort(400, description="The request body is not valid JSON.")
    if not isinstance(data, dict):
        abort(400, description="The request body must be a JSON object.")
    return data
