"""A generated resource: what the user typed (`webkit generate resource Post title:str ...`),
checked, and the names everything else derives from it.

The record keeps only what the user gave: [[tool.webkit.resources]] name = "Post", fields =
["title:str", ...] (and plural = "..." when given). Every other name (class, module, table,
URLs, titles, the fields' parts) comes from `derive`, one pure function of that, which the
template renders with (Record.values) and the commands check with. So its results are part of
what a record renders to: a change here changes every project's pristine render, as a
template change does, and needs a new template release.

    FIELD:TYPE[:ARG][:unique][:index], with ? after the type (or its argument) for optional

    str[:LENGTH] (1..255, default 255)  text  int  float  decimal  bool  date  datetime
    email  url  slug  ref:Resource (a foreign key; the column is FIELD_id)
"""

from __future__ import annotations

import builtins
import keyword
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from webkit_cli.errors import UsageError
from webkit_cli.inflection import plural, words

TYPES = (
    "str",
    "text",
    "int",
    "float",
    "decimal",
    "bool",
    "date",
    "datetime",
    "email",
    "url",
    "slug",
    "ref",
)
MODIFIERS = ("unique", "index")
STR_LENGTH = 255
# A resource's or a field's name (and a resource's snake_case name): the generated code stays
# within 100 columns, and identifiers well under databases' limits.
MAX_NAME = 20
# Fields every resource has.
AUTOMATIC_FIELDS = ("id", "created_at", "updated_at")
# Names a field cannot take: they are attributes or methods of the models and schemas that hold
# it (SQLAlchemy, Django, pydantic), or of the code generated around it.
RESERVED_FIELDS = frozenset(
    """
    pk objects save delete clean full_clean validate_unique check refresh_from_db meta query
    metadata registry fields schema json dict copy construct model_config model_fields
    validate parse_obj
    """.split()
)
# Types that cannot be :unique or :index (MySQL cannot index TEXT without a prefix length;
# a foreign key is indexed already; an index on a boolean does not help).
NO_UNIQUE = {"text", "bool", "ref"}
NO_INDEX = {"text", "ref"}
EXAMPLE = "webkit generate resource Post title:str body:text? published:bool"

_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_]*")
_FIELD = re.compile(r"[a-z][a-z0-9_]*")


@dataclass(frozen=True)
class Field:
    """One FIELD:TYPE as the user gave it, parsed."""

    spec: str
    name: str
    type: str
    length: int | None = None  # str only
    ref: str | None = None  # ref only: the resource's name as typed
    optional: bool = False
    unique: bool = False
    index: bool = False

    @property
    def column(self) -> str:
        """Its name in the database, the API's JSON and the forms: FIELD_id for a ref."""
        return f"{self.name}_id" if self.type == "ref" else self.name


def _refuse(message: str, hint: str) -> UsageError:
    return UsageError(message, hint)


def parse_field(spec: str) -> Field:
    """`title:str:120?:unique` -> Field, or a UsageError naming what is wrong with it."""
    shown = spec.encode("unicode_escape").decode("ascii")
    parts = spec.split(":")
    if len(parts) < 2 or not parts[0]:
        raise _refuse(
            f"field '{shown}' has no type", f"write it as NAME:TYPE, e.g. title:str ({EXAMPLE})"
        )
    name, rest = parts[0], parts[1:]
    optional = False
    cleaned = []
    for part in rest:
        if part.endswith("?"):
            optional = True
            part = part[:-1]
        if "?" in part or not part:
            raise _refuse(
                f"field '{shown}' is not NAME:TYPE[:ARG][:unique][:index]",
                "mark an optional field with ? after its type, e.g. body:text?",
            )
        cleaned.append(part)
    _check_field_name(name, shown)
    kind, rest = cleaned[0], cleaned[1:]
    if kind not in TYPES:
        raise _refuse(
            f"field '{shown}': '{kind}' is not a type webkit knows",
            f"use one of: {', '.join(TYPES)} (ref:Resource for a foreign key)",
        )
    length = ref = None
    if kind == "str" and rest and rest[0].isdigit():
        length = int(rest[0])
        rest = rest[1:]
        if not 1 <= length <= STR_LENGTH:
            raise _refuse(
                f"field '{shown}': a str holds 1 to {STR_LENGTH} characters, not {length}",
                "use text for longer text",
            )
    elif kind == "ref":
        if not rest or rest[0] in MODIFIERS:
            raise _refuse(
                f"field '{shown}': ref needs the resource it refers to",
                "write it as NAME:ref:Resource, e.g. author:ref:Author",
            )
        ref, rest = rest[0], rest[1:]
        if name.endswith("_id"):
            raise _refuse(
                f"field '{shown}': a ref's column is already named NAME_id",
                f"name the field without _id: {name[:-3]}:ref:{ref}",
            )
    unknown = [part for part in rest if part not in MODIFIERS]
    if unknown:
        raise _refuse(
            f"field '{shown}': '{unknown[0]}' is not a modifier webkit knows",
            f"use {' or '.join(MODIFIERS)}"
            + (", and a length right after str (title:str:120)" if kind == "str" else ""),
        )
    unique, index = "unique" in rest, "index" in rest
    if unique and kind in NO_UNIQUE:
        raise _refuse(f"field '{shown}': a {kind} field cannot be unique", "drop :unique")
    if index and (kind in NO_INDEX or unique):
        why = "a unique field is indexed already" if unique else f"a {kind} field cannot be :index"
        raise _refuse(f"field '{shown}': {why}", "drop :index")
    return Field(spec, name, kind, length, ref, optional, unique, index)


def _check_field_name(name: str, shown: str) -> None:
    bare = name.encode("unicode_escape").decode("ascii")
    if not _FIELD.fullmatch(name) or "__" in name or name.endswith("_"):
        raise _refuse(
            f"field name '{bare}' in '{shown}' is not a valid name",
            "use lower-case letters, digits and single underscores, starting with a letter",
        )
    if len(name) > MAX_NAME:
        raise _refuse(
            f"field name '{name}' is {len(name)} characters long; the limit is {MAX_NAME}",
            "choose a shorter name",
        )
    if name in AUTOMATIC_FIELDS:
        raise _refuse(
            f"field '{name}' is reserved: every resource has id, created_at and updated_at",
            "leave it out, or choose another name",
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name) or name in RESERVED_FIELDS:
        raise _refuse(
            f"field name '{name}' is reserved (a Python keyword, or a name the models use)",
            f"choose another name, e.g. '{name}_value'",
        )


@dataclass(frozen=True)
class Resource:
    """A resource as the user gave it, checked: name, fields, and the plural if given."""

    name: str
    fields: tuple[Field, ...]
    plural_given: str | None = None

    @property
    def words(self) -> list[str]:
        return words(self.name)

    @property
    def snake(self) -> str:
        return "_".join(self.words)

    @property
    def class_name(self) -> str:
        return "".join(word.capitalize() for word in self.words)

    @property
    def plural(self) -> str:
        if self.plural_given:
            return "_".join(words(self.plural_given))
        return "_".join([*self.words[:-1], plural(self.words[-1])])

    def record(self) -> dict[str, Any]:
        """What [[tool.webkit.resources]] keeps: exactly what the user gave."""
        entry: dict[str, Any] = {"name": self.name, "fields": [f.spec for f in self.fields]}
        if self.plural_given:
            entry["plural"] = self.plural_given
        return entry


def parse(name: str, specs: Sequence[str], plural_given: str | None = None) -> Resource:
    """The resource `name` with the fields `specs`, or a UsageError (bad names, types,
    modifiers, duplicates). Whether its refs exist is `check`'s."""
    _check_resource_name(name, "resource name")
    if plural_given is not None:
        _check_resource_name(plural_given, "--plural")
    if not specs:
        raise _refuse(f"resource '{name}' has no fields", f"give at least one: {EXAMPLE}")
    fields = [parse_field(spec) for spec in specs]
    seen: dict[str, str] = {}
    for field in fields:
        for taken in {field.name, field.column}:
            if taken in seen:
                raise _refuse(
                    f"field '{taken}' is given twice ('{seen[taken]}' and '{field.spec}')",
                    "give each field once",
                )
            seen[taken] = field.spec
    resource = Resource(name, tuple(fields), plural_given)
    for part, value in (("name", resource.snake), ("plural", resource.plural)):
        if len(value) > MAX_NAME + 4 * (part == "plural"):
            raise _refuse(
                f"resource name '{name}' gives the {part} '{value}', {len(value)} characters "
                f"long; the limit is {MAX_NAME + 4 * (part == 'plural')}",
                "choose a shorter name" + (", or give --plural" if part == "plural" else ""),
            )
    for part, value in (
        ("name", resource.snake),
        ("class", resource.class_name),
        ("plural", resource.plural),
    ):
        if keyword.iskeyword(value) or hasattr(builtins, value):
            raise _refuse(
                f"resource name '{name}' gives the {part} '{value}', which is a Python "
                f"{'keyword' if keyword.iskeyword(value) else 'builtin'}",
                "choose another name, e.g. 'My" + resource.class_name + "'",
            )
    if resource.plural == resource.snake:
        raise _refuse(
            f"resource name '{name}' has the same plural ('{resource.plural}'): its list and "
            "its rows would share names",
            "give another plural with --plural, or another name",
        )
    return resource


def _check_resource_name(name: str, what: str) -> None:
    shown = name.encode("unicode_escape").decode("ascii")
    if not _NAME.fullmatch(name) or "__" in name or name.endswith("_"):
        raise _refuse(
            f"{what} '{shown}' is not a valid name",
            "use letters, digits and underscores, starting with a letter: Post, BlogPost",
        )
    if len(name) > MAX_NAME:
        raise _refuse(
            f"{what} '{name}' is {len(name)} characters long; the limit is {MAX_NAME}",
            "choose a shorter name",
        )


def from_record(entry: Mapping[str, Any]) -> Resource:
    """A recorded resource, parsed again (a UsageError names what in the record is wrong)."""
    fields = entry.get("fields", [])
    plural_given = entry.get("plural")
    if not isinstance(fields, list) or not all(isinstance(f, str) for f in fields):
        raise _refuse(
            f"[[tool.webkit.resources]] '{entry.get('name')}': fields must be a list of strings",
            "fix it in pyproject.toml's [tool.webkit] (git diff shows what changed)",
        )
    if plural_given is not None and not isinstance(plural_given, str):
        raise _refuse(
            f"[[tool.webkit.resources]] '{entry.get('name')}': plural must be a string",
            "fix it in pyproject.toml's [tool.webkit] (git diff shows what changed)",
        )
    return parse(str(entry.get("name", "")), fields, plural_given)


def same(a: Resource, b: Resource) -> str | None:
    """What two resources would share (their class, module, table or URL), if anything."""
    for what, value in (
        ("class", "class_name"),
        ("name", "snake"),
        ("plural", "plural"),
    ):
        if getattr(a, value) == getattr(b, value):
            return f"{what} '{getattr(a, value)}'"
    if a.snake == b.plural or a.plural == b.snake:
        return f"name '{a.snake}' / '{b.plural}'"
    return None


def find(resources: Iterable[Resource], name: str) -> Resource | None:
    """The resource called `name` (as typed, or by its class or snake name)."""
    wanted = words(name)
    return next((r for r in resources if r.words == wanted), None)


def template_values(resource: Resource, known: Sequence[Resource]) -> dict[str, Any]:
    """Everything the templates say about `resource`, derived from what the user gave; `known`
    is every resource of the record (its refs point at some of them)."""
    by_words = {tuple(r.words): r for r in known}
    columns = []
    for field in resource.fields:
        target = by_words.get(tuple(words(field.ref))) if field.ref else None
        columns.append(
            {
                "name": field.name,
                "column": field.column,
                "type": field.type,
                "length": field.length or (STR_LENGTH if field.type == "str" else None),
                "optional": field.optional,
                "unique": field.unique,
                "index": field.index,
                "title": " ".join(field.name.split("_")).capitalize(),
                "ref": _names(target) if target is not None else None,
            }
        )
    label = next(
        (c["name"] for c in columns if c["type"] in ("str", "slug", "email") and not c["optional"]),
        None,
    )
    return {
        "name": resource.name,
        "fields": [field.spec for field in resource.fields],
        "plural_given": resource.plural_given,
        **_names(resource),
        "columns": columns,
        "types": sorted({c["type"] for c in columns}),
        "label": label,
        "refs": sorted({c["ref"]["class_name"] for c in columns if c["ref"]}),
    }


def _names(resource: Resource) -> dict[str, Any]:
    title = " ".join(resource.words).capitalize()
    plural_words = resource.plural.split("_")
    return {
        "class_name": resource.class_name,
        "snake": resource.snake,
        "plural": resource.plural,
        "module": resource.plural,
        "title": title,
        "title_plural": " ".join(plural_words).capitalize(),
        "lower": " ".join(resource.words),
        "lower_plural": " ".join(plural_words),
        "url": "-".join(plural_words),  # the URL segment: /blog-posts/, /api/blog-posts
        "model": resource.class_name.lower(),  # Django's lower-case model name
    }
