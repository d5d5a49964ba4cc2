"""HTML pages."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from pydantic import ValidationError
{% for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/pages-imports.py" ignore missing %}{%- endfor %}
from .api import items
from .models import Item

bp = Blueprint("pages", __name__)


@bp.get("/")
def index() -> ResponseReturnValue:
    return render_template("index.html", items=items.ordered(), errors={}, name="")


@bp.post("/")
{%- for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/pages-write.py" ignore missing %}{%- endfor %}
def create_item() -> ResponseReturnValue:
    """Add an item from the form when JavaScript is off (static/js/app.js uses the API)."""
    name = request.form.get("name", "")
    try:
        items.save(Item(**items.ItemIn(name=name).fields()))
    except ValidationError as error:  # the API's own rules
        errors = {"name": [str(detail["msg"]) for detail in error.errors()]}
    except items.DuplicateName:
        errors = {"name": [items.DUPLICATE_NAME]}
    else:
        return redirect(url_for(".index"), code=303)
    page = render_template("index.html", items=items.ordered(), errors=errors, name=name)
    return page, 422
