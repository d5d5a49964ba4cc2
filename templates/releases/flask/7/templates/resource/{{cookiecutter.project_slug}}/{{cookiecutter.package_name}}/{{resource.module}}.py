{%- set r = resource -%}
{%- set C = r.class_name -%}
{%- set id = r.snake ~ "_id" -%}
{%- set refs = r.columns | selectattr("type", "equalto", "ref") | list -%}
"""The HTML pages of {{ r.lower_plural }}, under /{{ r.url }}/.

The list, a row, and the forms to create, change and delete one. A form posts back to its
page with its CSRF token, and is checked by the API's own rules (the API module's models), so
that a page and the API accept exactly the same values; an invalid form comes back with its
errors (422). Written by `webkit generate resource`; it is yours to change.
"""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from pydantic import ValidationError
from sqlalchemy import select

from . import forms
{%- set modules = (refs | map(attribute="ref") | map(attribute="module") | list) + [r.module] %}
{%- for module in modules | unique | sort %}
from .api import {{ module }} as {{ "api" if module == r.module else module ~ "_api" }}
{%- endfor %}
from .api.rules import Conflict
from .extensions import db
from .models import {{ C }}

PAGE_SIZE = 20
# The form's fields, and the kind of each (see forms.py).
KINDS = {
{%- for c in r.columns %}
    "{{ c.column }}": "{{ c.type }}",
{%- endfor %}
}

bp = Blueprint("{{ r.module }}", __name__, url_prefix="/{{ r.url }}")


@bp.get("/")
def index() -> ResponseReturnValue:
    query = select({{ C }}).order_by({{ C }}.id)
    page = db.paginate(query, per_page=PAGE_SIZE)
    return render_template("{{ r.module }}/index.html", page=page)


@bp.get("/<id:{{ id }}>")
def read({{ id }}: int) -> ResponseReturnValue:
    row = api.get_or_404({{ id }})
    return render_template("{{ r.module }}/detail.html", row=row)


@bp.route("/new", methods=["GET", "POST"])
def create() -> ResponseReturnValue:
    return form(None)


@bp.route("/<id:{{ id }}>/edit", methods=["GET", "POST"])
def edit({{ id }}: int) -> ResponseReturnValue:
    return form(api.get_or_404({{ id }}))


@bp.route("/<id:{{ id }}>/delete", methods=["GET", "POST"])
def delete({{ id }}: int) -> ResponseReturnValue:
    row = api.get_or_404({{ id }})
    if request.method == "GET":
        return render_template("{{ r.module }}/delete.html", row=row, error=None)
    if api.remove(row):
        return redirect(url_for(".index"), code=303)
    error = f"Other rows refer to this {api.NAME}: change or delete them first."
    return render_template("{{ r.module }}/delete.html", row=row, error=error), 409


def form(row: {{ C }} | None) -> ResponseReturnValue:
    """The form of a new row (`row` None) or of `row`; once posted and valid, the row saved."""
    values = forms.shown(row, KINDS)
    errors: dict[str, list[str]] = {}
    if request.method == "POST":
        values = dict(request.form)  # shown again as typed
        try:
            fields = api.{{ C }}In(**forms.read(request.form, KINDS)).fields()
            saved = api.update(row, fields) if row else api.save({{ C }}(**fields))
        except ValidationError as error:
            errors = forms.errors(error)
        except Conflict as conflict:
            errors = {conflict.field: [conflict.message]}
        else:
            return redirect(url_for(".read", {{ id }}=saved.id), code=303)
    page = render_template(
        "{{ r.module }}/form.html", row=row, values=values, errors=errors, choices=choices()
    )
    return page, 422 if errors else 200


def choices() -> dict[str, list[tuple[int, str]]]:
    """The rows each reference may choose from, as (id, label)."""
{%- if refs %}
    return {
{%- for c in refs %}
        "{{ c.column }}": forms.options({{ "api" if c.ref.module == r.module else c.ref.module ~ "_api" }}.ordered()),
{%- endfor %}
    }
{%- else %}
    return {}
{%- endif %}
