"""HTML pages."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from . import items
from .models import Item

bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    return render_template("index.html", items=items.ordered(), errors={}, name="")


@bp.post("/")
def create_item() -> ResponseReturnValue:
    """Add an item from the form when JavaScript is off (static/js/app.js uses the API)."""
    name = request.form.get("name", "")
    try:
        items.save(Item(**items.validate({"name": name})))
    except items.ValidationError as error:
        page = render_template("index.html", items=items.ordered(), errors=error.errors, name=name)
        return page, 422
    return redirect(url_for(".index"), code=303)
