"""`webkit run`: the environment of a command run in a project, the command lines of a
shortcut (tests, lint, shell, migrate, ...), and the executable a command name means there."""

from __future__ import annotations

import difflib
import os
import shutil
from pathlib import Path

from webkit_cli import runner
from webkit_cli.frameworks import ARGS
from webkit_cli.project import Project


def environment(proj: Project) -> dict[str, str]:
    """The project's .env under the environment (which wins, as for `webkit serve`), with
    .venv first on PATH and VIRTUAL_ENV set to it."""
    dotenv = {k: v for k, v in proj.dotenv().items() if k not in os.environ}
    env = runner.child_env(dotenv, venv=proj.venv)
    # What the user exported reaches the command unchanged: child_env drops this one for the
    # steps webkit runs itself (see there).
    if "PYTHONDONTWRITEBYTECODE" in os.environ:
        env["PYTHONDONTWRITEBYTECODE"] = os.environ["PYTHONDONTWRITEBYTECODE"]
    return env


def _given(option: str, args: list[str]) -> bool:
    return any(arg == option or arg.startswith(f"{option}=") for arg in args)


def expand(proj: Project, name: str, args: list[str]) -> list[list[str]] | None:
    """The command lines of the shortcut `name` with the user's `args`, each run by the
    project's Python; None when the framework has no such shortcut. An option of a step that
    `args` give as well (`--rev-id 0009`, say) is left to the user's value."""
    shortcut = proj.framework.all_shortcuts().get(name)
    if shortcut is None:
        return None
    values: dict[str, str] = {"package": proj.package}
    steps = []
    for step in shortcut.steps:
        argv = [str(proj.python)]
        skip = False
        for index, part in enumerate(step):
            if skip:
                skip = False
                continue
            if part == ARGS:
                argv += args
                continue
            following = step[index + 1] if index + 1 < len(step) else ""
            if part.startswith("-") and "{" in following and _given(part, args):
                skip = True  # the option and the value webkit would have given it
                continue
            if "{next_revision}" in part and "next_revision" not in values:
                from webkit_cli import migrations

                _kind, location = proj.framework.migration_files
                values["next_revision"] = migrations.next_revision(proj.root / location)
            argv.append(part.format(**values))
        steps.append(argv)
    return steps


def executable(name: str, path: str, cwd: Path) -> str | None:
    """What `name` runs: a path (relative to `cwd`) when it has a slash, else the first match
    on `path` (a PATH value)."""
    if os.sep in name:
        candidate = cwd / name
        return str(candidate) if candidate.is_file() and os.access(candidate, os.X_OK) else None
    return shutil.which(name, path=path)


def suggestions(proj: Project, name: str) -> list[str]:
    """Shortcuts and .venv commands whose names are close to a `name` that was not found."""
    known = list(proj.framework.all_shortcuts())
    bin_dir = proj.venv / "bin"
    if bin_dir.is_dir():
        known += [entry.name for entry in bin_dir.iterdir()]
    return difflib.get_close_matches(name, known, n=3, cutoff=0.6)
