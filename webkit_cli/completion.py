"""Shell completion beyond what click gives from the commands themselves (their names, options
and choices): values that depend on the project around the current folder.

Each function here is a click `shell_complete` callback. They run only while the shell asks
for completions (`_WEBKIT_COMPLETE=... webkit`), never print, and give nothing rather than an
error when there is no project or its files cannot be read.
"""

from __future__ import annotations

import contextlib
import os
import sys
from pathlib import Path
from typing import Any

import click
from click.shell_completion import CompletionItem

SHELLS = ("bash", "zsh", "fish")
# The variable click's completion scripts set when they ask `webkit` for completions.
COMPLETE_VAR = "_WEBKIT_COMPLETE"


def script(shell: str, cli: click.Command, prog_name: str = "webkit") -> str:
    """The completion script that a shell's rc file sources."""
    from click.shell_completion import get_completion_class

    completion_class = get_completion_class(shell)
    if completion_class is None:  # pragma: no cover - the command offers only SHELLS
        raise ValueError(shell)
    return completion_class(cli, {}, prog_name, COMPLETE_VAR).source()


def _webkit_table() -> tuple[Path, dict[str, Any]] | None:
    """The project around the current folder and its [tool.webkit] table, or None."""
    from webkit_cli.project import find_root

    if sys.version_info >= (3, 11):
        import tomllib
    else:  # pragma: no cover
        import tomli as tomllib

    try:
        root = find_root(Path.cwd().resolve())
        if root is None:
            return None
        with (root / "pyproject.toml").open("rb") as handle:
            table = tomllib.load(handle).get("tool", {}).get("webkit")
    except (OSError, ValueError):  # TOMLDecodeError and UnicodeDecodeError are ValueErrors
        return None
    return (root, table) if isinstance(table, dict) else None


def resource_names(project_table: dict[str, Any]) -> list[str]:
    """The names of the resources recorded as [[tool.webkit.resources]] tables (name = ...)."""
    resources = project_table.get("resources", [])
    if not isinstance(resources, list):
        return []
    names = (item.get("name") for item in resources if isinstance(item, dict))
    return [name for name in names if isinstance(name, str) and name]


def complete_resource(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """A resource of the project (for commands that take one, such as generate and destroy)."""
    found = _webkit_table()
    if found is None:
        return []
    return [
        CompletionItem(name) for name in resource_names(found[1]) if name.startswith(incomplete)
    ]


def complete_targets(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """deploy-config's --target, which takes a comma-separated list: the next name in it."""
    from webkit_cli.deploy.settings import TARGETS

    done, _, last = incomplete.rpartition(",")
    prefix = f"{done}," if done else ""
    taken = set(done.split(","))
    return [
        CompletionItem(prefix + target)
        for target in TARGETS
        if target.startswith(last) and target not in taken
    ]


def complete_run(
    ctx: click.Context, param: click.Parameter, incomplete: str
) -> list[CompletionItem]:
    """`webkit run`: the command (a shortcut of the project's framework, or a command in its
    .venv/bin), then file names for its arguments."""
    if ctx.params.get(param.name or ""):  # the command is typed: its arguments are files
        return [CompletionItem(incomplete, type="file")]
    found = _webkit_table()
    if found is None:
        return []
    root, table = found
    from webkit_cli import frameworks

    names: list[str] = []
    if table.get("framework") in frameworks.NAMES:
        names += list(frameworks.get(table["framework"]).all_shortcuts())
    bin_dir = root / ".venv" / "bin"
    with contextlib.suppress(OSError):
        names += sorted(
            entry.name
            for entry in os.scandir(bin_dir)
            if entry.name[:1] != "." and os.access(entry.path, os.X_OK)
        )
    return [CompletionItem(name) for name in dict.fromkeys(names) if name.startswith(incomplete)]
