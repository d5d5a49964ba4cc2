{%- import "python.jinja" as python -%}
{%- set r = resource -%}
{%- set C = r.class_name -%}
{%- set id = r.snake ~ "_id" -%}
{%- set uniques = r.columns | selectattr("unique") | list -%}
{%- set refs = r.columns | selectattr("type", "equalto", "ref") | list -%}
{%- set checked = uniques or refs -%}
{%- set rules = {"int": "Integer", "float": "Float", "decimal": "Money", "bool": "Boolean", "date": "Date", "datetime": "DateTime", "email": "Email", "url": "Url", "slug": "Slug", "ref": "Id"} -%}
{%- macro api_type(c) -%}
{%- if blank(c) and c.type in ["email", "url", "slug"] -%}
{{ rules[c.type] }}OrBlank
{%- elif c.type == "str" -%}
Annotated[str, text({{ c.length }}{{ ", min_length=1" if not c.optional }})]
{%- elif c.type == "text" -%}
Annotated[str, text(TEXT_MAX_LENGTH{{ ", min_length=1" if not c.optional }})]
{%- else -%}
{{ rules[c.type] }}
{%- endif -%}
{%- endmacro -%}
{%- macro blank(c) -%}
{{ "1" if c.optional and not c.unique and c.type in ["str", "text", "email", "url", "slug"] }}
{%- endmacro -%}
{%- macro out_type(c) -%}
{{ {"int": "int", "float": "float", "decimal": "Decimal", "bool": "bool", "date": "date", "datetime": "datetime", "ref": "int"}.get(c.type, "str") }}{{ " | None" if c.optional and not blank(c) }}
{%- endmacro -%}
{%- macro optional_default(c) -%}
{%- if not c.optional %}
{%- elif not blank(c) %} | None = None
{%- else %} = ""
{%- endif -%}
{%- endmacro -%}
{%- set rule_names = [] -%}
{%- for c in r.columns -%}
{%- if c.type in rules and not (blank(c) and c.type in ["email", "url", "slug"]) %}{% set _ = rule_names.append(rules[c.type]) %}{% endif -%}
{%- if blank(c) and c.type in ["email", "url", "slug"] %}{% set _ = rule_names.append(rules[c.type] ~ "OrBlank") %}{% endif -%}
{%- if c.type == "text" %}{% set _ = rule_names.append("TEXT_MAX_LENGTH") %}{% endif -%}
{%- endfor -%}
{%- set stdlib_dates = ["datetime"] + (["date"] if "date" in r.types else []) -%}
"""The API of {{ r.lower_plural }}: its schemas and its routes, like the items API (items.py).

Under /api/{{ r.url }}/:

    GET    /          list, a page at a time     200
    POST   /          create                     201 + Location
    GET    /<id>/     read                       200
    PUT    /<id>/     replace                    200
    PATCH  /<id>/     change the fields sent     200
    DELETE /<id>/     delete                     204; 409 if other rows refer to it

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
{% if checked %}
from django.db import IntegrityError, transaction
{%- endif %}
from django.db.models import ProtectedError
from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.http import urlencode
from ninja import Path, Query, Router, Schema, Status
from ninja.errors import HttpError
from pydantic import ConfigDict, Field

{{ python.from_import("..models", [C] + (refs | map(attribute="ref") | map(attribute="class_name") | list)) }}
from . import BODY_ERRORS, MAX_ID, Error, FieldErrors, PageQuery, text
from .rules import (
{%- for name in python.sorted_names((["Conflict"] if checked or False else []) + ["anyone"] + (["left_out"] if r.columns | rejectattr("optional") | list else []) + rule_names).split(",") %}
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
REFERENCES: dict[str, tuple[Any, str]] = {
{%- for c in refs %}
    "{{ c.column }}": ({{ c.ref.class_name }}, "{{ c.ref.lower }}"),
{%- endfor %}
}
{%- endif %}
RowId = Annotated[int, Path(ge=1, le=MAX_ID)]


class {{ C }}In(Schema):
    """A {{ r.lower }}, as POST and PUT send it (PUT resets a field left out)."""

    model_config = ConfigDict(extra="forbid")
{% for c in r.columns %}
    {{ c.column }}: {{ api_type(c) }}{{ optional_default(c) }}
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


class {{ C }}Out(Schema):
    id: int
{%- for c in r.columns %}
    {{ c.column }}: {{ out_type(c) }}
{%- endfor %}
    created_at: datetime
    updated_at: datetime


class {{ C }}Page(Schema):
    items: list[{{ C }}Out]
    next: str | None = Field(description="The URL of the next page; null on the last page.")


router: Router = Router(tags=["{{ r.title_plural }}"])
CHANGE_ERRORS = BODY_ERRORS | {404: Error, 409: FieldErrors}


{{ python.call("", "@router.get", ['"/"', "response={200: " ~ C ~ "Page, 422: FieldErrors}", 'url_name="' ~ r.model ~ '-list"', "auth=can_read"]) }}
def index(request: HttpRequest, page: Query[PageQuery]) -> dict[str, Any]:
    """List the {{ r.lower_plural }}, oldest first"""
    query = {{ C }}.objects.filter(pk__gt=page.after).order_by("pk")
    rows = list(query[: page.limit + 1])
    next_url = None
    if len(rows) > page.limit:
        rows = rows[: page.limit]
        parameters = urlencode({"after": rows[-1].pk, "limit": page.limit})
        next_url = f"{reverse('api:{{ r.model }}-list')}?{parameters}"
    return {"items": rows, "next": next_url}


{{ python.call("", "@router.post", ['"/"', "response={201: " ~ C ~ "Out} | BODY_ERRORS | {409: FieldErrors}", "auth=can_write"]) }}
{{ python.call("", "def create", ["request: HttpRequest", "response: HttpResponse", "payload: " ~ C ~ "In"], " -> Any:") }}
    """Create a {{ r.lower }}"""
    row = save({{ C }}(**payload.fields()))
    response["Location"] = reverse("api:{{ r.model }}-detail", args=[row.pk])
    return Status(201, row)


{{ python.call("", "@router.get", ['"/{id:' ~ id ~ '}/"', "response={200: " ~ C ~ "Out, 404: Error}", 'url_name="' ~ r.model ~ '-detail"', "auth=can_read"]) }}
def read(request: HttpRequest, {{ id }}: RowId) -> {{ C }}:
    """Read a {{ r.lower }}"""
    return get_or_404({{ id }})


{{ python.call("", "@router.put", ['"/{id:' ~ id ~ '}/"', "response={200: " ~ C ~ "Out} | CHANGE_ERRORS", "auth=can_write"]) }}
{{ python.call("", "def replace", ["request: HttpRequest", id ~ ": RowId", "payload: " ~ C ~ "In"], " -> " ~ C ~ ":") }}
    """Replace a {{ r.lower }}"""
    return update(get_or_404({{ id }}), payload.fields())


{{ python.call("", "@router.patch", ['"/{id:' ~ id ~ '}/"', "response={200: " ~ C ~ "Out} | CHANGE_ERRORS", "auth=can_write"]) }}
{{ python.call("", "def change", ["request: HttpRequest", id ~ ": RowId", "payload: " ~ C ~ "Patch"], " -> " ~ C ~ ":") }}
    """Change a {{ r.lower }}'s fields"""
    return update(get_or_404({{ id }}), payload.fields())


{{ python.call("", "@router.delete", ['"/{id:' ~ id ~ '}/"', "response={204: None, 404: Error, 409: Error}", "auth=can_write"]) }}
def delete(request: HttpRequest, {{ id }}: RowId) -> Status[None]:
    """Delete a {{ r.lower }}"""
    try:
        get_or_404({{ id }}).delete()
    except ProtectedError:
        message = f"Other rows refer to this {NAME}: change or delete them first."
        raise HttpError(409, message) from None
    return Status(204, None)


def get_or_404(row_id: int) -> {{ C }}:
    try:
        return {{ C }}.objects.get(pk=row_id)
    except {{ C }}.DoesNotExist:
        raise HttpError(404, f"There is no {NAME} {row_id}.") from None


def update(row: {{ C }}, fields: dict[str, Any]) -> {{ C }}:
    for field, value in fields.items():
        setattr(row, field, value)
    return save(row)


def save(row: {{ C }}) -> {{ C }}:
    """Save `row`; raise Conflict for a value the database cannot take."""
{%- if checked %}
    check(row)
    try:
        with transaction.atomic():
            row.save()
    except IntegrityError:
        # Another request took the value, or deleted the row, since the check.
        check(row)
        raise Conflict("_schema", "Another change came first: send the request again.") from None
{%- else %}
    row.save()
{%- endif %}
    return row
{%- if checked %}


def check(row: {{ C }}) -> None:
    """Raise Conflict if a value is taken by another row, or is the id of no row."""
{%- if uniques %}
    others = {{ C }}.objects.exclude(pk=row.pk)
    for field, message in UNIQUE.items():
        if others.filter(**{field: getattr(row, field)}).exists():
            raise Conflict(field, message)
{%- endif %}
{%- if refs %}
    for field, (model, name) in REFERENCES.items():
        value = getattr(row, field)
        if value is not None and not model.objects.filter(pk=value).exists():
            raise Conflict(field, f"There is no {name} {value}.")
{%- endif %}
{%- endif %}
