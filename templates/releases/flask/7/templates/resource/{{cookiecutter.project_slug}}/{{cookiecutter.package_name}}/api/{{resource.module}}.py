{%- set r = resource -%}
{%- set C = r.class_name -%}
{%- set id = r.snake ~ "_id" -%}
{%- set uniques = r.columns | selectattr("unique") | list -%}
{%- set refs = r.columns | selectattr("type", "equalto", "ref") | list -%}
{%- set checked = uniques or refs -%}
{%- set rules = {"int": "Integer", "float": "Float", "decimal": "Money", "bool": "Boolean", "date": "Date", "datetime": "DateTime", "email": "Email", "url": "Url", "slug": "Slug", "ref": "Id"} -%}
{%- macro api_type(c) -%}
{%- if c.type == "str" -%}
Annotated[str, text({{ c.length }}{{ ", min_length=1" if not c.optional }})]
{%- elif c.type == "text" -%}
Annotated[str, text(TEXT_MAX_LENGTH{{ ", min_length=1" if not c.optional }})]
{%- else -%}
{{ rules[c.type] }}
{%- endif -%}
{%- endmacro -%}
{%- macro out_type(c) -%}
{{ {"int": "int", "float": "float", "decimal": "Decimal", "bool": "bool", "date": "date", "datetime": "datetime", "ref": "int"}.get(c.type, "str") }}{{ " | None" if c.optional }}
{%- endmacro -%}
{%- set rule_names = [] -%}
{%- for c in r.columns -%}
{%- if c.type in rules %}{% set _ = rule_names.append(rules[c.type]) %}{% endif -%}
{%- if c.type == "text" %}{% set _ = rule_names.append("TEXT_MAX_LENGTH") %}{% endif -%}
{%- endfor -%}
{%- set stdlib_dates = ["datetime"] + (["date"] if "date" in r.types else []) -%}
{%- import "python.jinja" as python -%}
"""The API of {{ r.lower_plural }}: its models and its routes, like the items API (items.py).

Under /api/{{ r.url }}:

    GET    ""         list, a page at a time     200
    POST   ""         create                     201 + Location
    GET    /<id>      read                       200
    PUT    /<id>      replace                    200
    PATCH  /<id>      change the fields sent     200
    DELETE /<id>      delete                     204; 409 if other rows refer to it

A valid value that the database cannot take (one another row has, for a unique field; the id
of no row, for a reference) is a 409 in the shape of a 422. Written by `webkit generate
resource`; it is yours to change.
"""

from __future__ import annotations

from datetime import {{ stdlib_dates | sort | join(", ") }}
{%- if "decimal" in r.types %}
from decimal import Decimal
{%- endif %}
from typing import Annotated, Any

from apiflask import APIBlueprint
from flask import url_for
from flask.typing import ResponseReturnValue
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from ..extensions import {{ "Model, db" if refs else "db" }}
{{ python.from_import("..models", [C] + (refs | map(attribute="ref") | map(attribute="class_name") | list)) }}
from . import (
    BODY_ERRORS,
    ERROR_SCHEMA,
    VALIDATION_ERROR_SCHEMA,
    Output,
    PageQuery,
    Responses,
    error_response,
    text,
)
from .rules import (
{%- for name in python.sorted_names((["Conflict"] if checked or True else []) + ["anyone"] + (["left_out"] if r.columns | rejectattr("optional") | list else []) + rule_names).split(",") %}
    {{ name }},
{%- endfor %}
)

# Who may read {{ r.lower_plural }}, and who may change them: each operation below says which.
can_read = anyone
can_write = anyone

NAME = "{{ r.lower }}"
# The fields a client sends, in the order of the model.
{%- if r.columns | length == 1 %}
FIELDS = ("{{ r.columns[0].column }}",)
{%- else %}
FIELDS = (
{%- for c in r.columns %}
    "{{ c.column }}",
{%- endfor %}
)
{%- endif %}
{%- if uniques %}
# The fields no two {{ r.lower_plural }} may share, and what a client is told when one is taken.
UNIQUE = {
{%- for c in uniques %}
    "{{ c.column }}": "A {{ r.lower }} with this {{ c.title | lower }} already exists.",
{%- endfor %}
}
{%- endif %}
{%- if refs %}
# The fields that refer to rows of other resources: their model, and what a row is called.
REFERENCES: dict[str, tuple[type[Model], str]] = {
{%- for c in refs %}
    "{{ c.column }}": ({{ c.ref.class_name }}, "{{ c.ref.lower }}"),
{%- endfor %}
}
{%- endif %}
CONFLICT: Responses = {
    409: error_response("A value is taken, or refers to no row", VALIDATION_ERROR_SCHEMA)
}
IN_USE: Responses = {409: error_response("Other rows refer to it", ERROR_SCHEMA)}


class {{ C }}In(BaseModel):
    """A {{ r.lower }}, as POST and PUT send it (PUT resets a field left out)."""

    model_config = ConfigDict(extra="forbid")
{% for c in r.columns %}
    {{ c.column }}: {{ api_type(c) }}{{ " | None = None" if c.optional }}
{%- endfor %}
    # What GET returned may be sent back as it is: these fields are read-only, and ignored.
    id: Any = Field(None, json_schema_extra={"readOnly": True})
    created_at: Any = Field(None, json_schema_extra={"readOnly": True})
    updated_at: Any = Field(None, json_schema_extra={"readOnly": True})

    def fields(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in FIELDS}


class {{ C }}Patch({{ C }}In):
    """PATCH: only the fields sent change; a required field may be left out, but not null."""
{%- for c in r.columns if not c.optional %}
{%- if loop.first %}
{% endif %}
    {{ c.column }}: {{ api_type(c) }} = left_out()
{%- endfor %}

    def fields(self) -> dict[str, Any]:
        sent = self.model_fields_set
        return {key: value for key, value in super().fields().items() if key in sent}


class {{ C }}Out(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
{%- for c in r.columns %}
    {{ c.column }}: {{ out_type(c) }}
{%- endfor %}
    created_at: datetime
    updated_at: datetime


class {{ C }}Page(BaseModel):
    items: list[{{ C }}Out]
    next: str | None = Field(description="The URL of the next page; null on the last page.")


bp = APIBlueprint(
    "{{ r.module }}_api",
    __name__,
    url_prefix="/api/{{ r.url }}",
    tag="{{ r.title_plural }}",
)


@bp.errorhandler(Conflict)
def conflict(error: Conflict) -> ResponseReturnValue:
    return {"errors": {error.field: [error.message]}}, 409


@bp.get("")
@bp.input(PageQuery, location="query")
@bp.output({{ C }}Page)
@can_read
def index(query_data: PageQuery) -> Output:
    """List the {{ r.lower_plural }}, oldest first"""
    query = select({{ C }}).where({{ C }}.id > query_data.after)
    query = query.order_by({{ C }}.id).limit(query_data.limit + 1)
    rows = list(db.session.scalars(query))
    next_url = None
    if len(rows) > query_data.limit:
        rows = rows[: query_data.limit]
        next_url = url_for(".index", after=rows[-1].id, limit=query_data.limit)
    return {"items": rows, "next": next_url}


@bp.post("")
@bp.input({{ C }}In)
@bp.output({{ C }}Out, status_code=201)
@bp.doc(responses=BODY_ERRORS | CONFLICT)
@can_write
def create(json_data: {{ C }}In) -> Output:
    """Create a {{ r.lower }}"""
    row = save({{ C }}(**json_data.fields()))
    return row, 201, {"Location": url_for(".read", {{ id }}=row.id)}


@bp.get("/<id:{{ id }}>")
@bp.output({{ C }}Out)
@can_read
def read({{ id }}: int) -> Output:
    """Read a {{ r.lower }}"""
    return get_or_404({{ id }})


@bp.put("/<id:{{ id }}>")
@bp.input({{ C }}In)
@bp.output({{ C }}Out)
@bp.doc(responses=BODY_ERRORS | CONFLICT)
@can_write
def replace({{ id }}: int, json_data: {{ C }}In) -> Output:
    """Replace a {{ r.lower }}"""
    return update(get_or_404({{ id }}), json_data.fields())


@bp.patch("/<id:{{ id }}>")
@bp.input({{ C }}Patch)
@bp.output({{ C }}Out)
@bp.doc(responses=BODY_ERRORS | CONFLICT)
@can_write
def change({{ id }}: int, json_data: {{ C }}Patch) -> Output:
    """Change a {{ r.lower }}'s fields"""
    return update(get_or_404({{ id }}), json_data.fields())


@bp.delete("/<id:{{ id }}>")
@bp.output({}, status_code=204)
@bp.doc(responses=IN_USE)
@can_write
def delete({{ id }}: int) -> ResponseReturnValue:
    """Delete a {{ r.lower }}"""
    if not remove(get_or_404({{ id }})):
        message = f"Other rows refer to this {NAME}: change or delete them first."
        return {"error": "Conflict", "message": message}, 409
    return ""


def get_or_404(row_id: int) -> {{ C }}:
    return db.get_or_404({{ C }}, row_id, description=f"There is no {NAME} {row_id}.")


def update(row: {{ C }}, fields: dict[str, Any]) -> {{ C }}:
    for field, value in fields.items():
        setattr(row, field, value)
    return save(row)


def ordered() -> list[{{ C }}]:
    """Every {{ r.lower }}, oldest first."""
    return list(db.session.scalars(select({{ C }}).order_by({{ C }}.id)))


def save(row: {{ C }}) -> {{ C }}:
    """Add or update `row` and commit; raise Conflict for a value the database cannot take."""
{%- if checked %}
    values = {name: getattr(row, name) for name in FIELDS}
    check(row.id, values)
    db.session.add(row)
    try:
        db.session.commit()
    except IntegrityError:
        # Another request took the value, or deleted the row, since the check.
        db.session.rollback()
        check(row.id, values)
        raise Conflict("_schema", "Another change came first: send the request again.") from None
{%- else %}
    db.session.add(row)
    db.session.commit()
{%- endif %}
    return row
{%- if checked %}


def check(row_id: int | None, values: dict[str, Any]) -> None:
    """Raise Conflict if a value is taken by another row, or is the id of no row."""
    with db.session.no_autoflush:  # the row may hold the values already
{%- if uniques %}
        others = select({{ C }}.id).where({{ C }}.id != row_id).limit(1)
        for field, message in UNIQUE.items():
            same = getattr({{ C }}, field) == values[field]
            if db.session.scalar(others.where(same)) is not None:
                raise Conflict(field, message)
{%- endif %}
{%- if refs %}
        for field, (model, name) in REFERENCES.items():
            if values[field] is not None and db.session.get(model, values[field]) is None:
                raise Conflict(field, f"There is no {name} {values[field]}.")
{%- endif %}
{%- endif %}


def remove(row: {{ C }}) -> bool:
    """Delete `row`; False when other rows refer to it (the database refuses)."""
    db.session.delete(row)
    try:
        db.session.commit()
    except IntegrityError:
        db.session.rollback()
        return False
    return True
