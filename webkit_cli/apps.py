"""A generated app (`webkit generate app NAME`): a Django app beside the project's own, or a
Flask blueprint package inside it. The record keeps its name ([[tool.webkit.apps]]); the rest
derives from it here, as for resources (see resources.py: this is part of what a record
renders to)."""

from __future__ import annotations

import keyword
import re
import sys
from typing import Any

from webkit_cli.errors import UsageError

MAX_NAME = 24
_NAME = re.compile(r"[a-z][a-z0-9_]*")


def check(name: str) -> str:
    """`name` if it can be an app's package name, else a UsageError saying why."""
    from webkit_cli import names

    shown = name.encode("unicode_escape").decode("ascii")
    if not _NAME.fullmatch(name) or "__" in name or name.endswith("_"):
        raise UsageError(
            f"app name '{shown}' is not a valid name",
            "use lower-case letters, digits and single underscores, starting with a letter: "
            "blog, user_profiles",
        )
    if len(name) > MAX_NAME:
        raise UsageError(
            f"app name '{name}' is {len(name)} characters long; the limit is {MAX_NAME}",
            "choose a shorter name",
        )
    if keyword.iskeyword(name) or keyword.issoftkeyword(name):
        raise UsageError(
            f"app name '{name}' is a Python keyword", f"choose another, e.g. '{name}s'"
        )
    if name in sys.stdlib_module_names or name in names.RESERVED:
        raise UsageError(
            f"app name '{name}' is the name of a module Python or the project already imports",
            f"choose another name, e.g. 'my_{name}'",
        )
    return name


def template_values(name: str) -> dict[str, Any]:
    words = name.split("_")
    return {
        "name": name,
        "class_name": "".join(word.capitalize() for word in words),
        "title": " ".join(words).capitalize(),
        "url": "-".join(words),
    }
