"""`webkit new`'s plan: what it would do (--dry-run) and, at the end, what it made."""

from __future__ import annotations

import os
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webkit_cli import (
    console,
    frameworks,
    installers,
    interpreters,
    names,
    user_defaults,
    virtualenvs,
)
from webkit_cli.commands._new_resolution import seed_packages
from webkit_cli.errors import WebkitError
from webkit_cli.record import Record


@dataclass
class Plan:
    names: names.ProjectNames
    framework: frameworks.Framework
    target: Path
    interpreter: interpreters.Interpreter | None
    installer: installers.Installer | None
    git: bool
    record: Record | None = None  # what the project records in [tool.webkit]
    context: dict[str, Any] = field(default_factory=dict)  # the template's variables
    database_skipped: bool = False
    # Steps that failed without stopping the others (the database, git): `new` ends with exit 1
    failures: list[WebkitError] = field(default_factory=list)
    venv_ahead: virtualenvs.VenvAhead | None = None  # virtualenv made ready while the render runs
    defaults: user_defaults.Defaults | None = None  # each setting and where it came from
    template: Path | None = None  # the template directory the project is rendered from


def print_plan(plan: Plan, files: list[str]) -> None:
    out = console.out()
    out.print(
        f"[bold]Plan for {plan.target}[/bold] ({plan.framework.title}, dry run: nothing is written)"
    )
    if plan.defaults is not None:
        _print_settings(plan)
    out.print(f"\n[bold]1. Render[/bold] templates/{plan.framework.template} ({len(files)} files):")
    for path in files:
        out.print(f"   {console.escape(path)}")
    n = 2
    if plan.interpreter is not None:
        no_pip = " --no-pip (uv installs pip with the dependencies)" if seed_packages(plan) else ""
        out.print(
            f"\n[bold]{n}. Create .venv[/bold]: virtualenv .venv --python "
            f"{plan.interpreter.path}{no_pip}"
        )
        n += 1
    if plan.installer is not None:
        out.print(
            f"\n[bold]{n}. Install[/bold] with {plan.installer.name}: the runtime dependencies"
            + (
                " (resolved with `uv pip compile` while steps 1 and 2 run, from uv's cache and "
                "against the index at once: the cache's versions when the index has not answered "
                "by then, and the index's newer ones after the migration, if any)"
                if plan.installer.resolves_ahead
                else ""
            )
            + ", then the dev group while the migration runs; write requirements.lock and "
            "requirements-dev.lock"
        )
        n += 1
        if plan.context["database_url"]:
            from webkit_cli.database import redact

            out.print(
                f"\n[bold]{n}. Database[/bold]: create {redact(plan.context['database_url'])} "
                "if it does not exist"
            )
            n += 1
        migrate = " ".join(plan.framework.argv(plan.framework.migrate, package=plan.names.package))
        out.print(f"\n[bold]{n}. Migrate[/bold]: .venv/bin/python {migrate}")
        from webkit_cli import schema_cache

        if not plan.context["database_url"] and schema_cache.folder() is not None:
            out.print(
                "   (or a copy of the database this migration made for a project of the same "
                "template, features and locked versions, from webkit's cache)"
            )
        n += 1
    if plan.git:
        out.print(f"\n[bold]{n}. Git[/bold]: git init, then a first commit")


def print_record(template: Path, plan: Plan) -> None:
    """The [tool.webkit] tables the project would record (what `update` and `add` start from)."""
    from webkit_cli import scaffold

    pyproject = scaffold.render_one(template, plan.context, "pyproject.toml")
    lines, inside = [], False
    for line in pyproject.splitlines():
        if line.startswith("["):
            inside = line.lstrip("[").startswith("tool.webkit")
        if inside:
            lines.append(line)
    out = console.out()
    out.print("\n[bold]Recorded in pyproject.toml[/bold] (no secrets: those go to .env only):")
    for line in "\n".join(lines).strip().splitlines():
        out.print(f"   {console.escape(line)}")


def _print_settings(plan: Plan) -> None:
    interpreter, installer = plan.interpreter, plan.installer
    shown = {
        "framework": plan.framework.name,
        "database": plan.context["database"],
        "installer": installer.name if installer else "none (nothing is installed)",
        "python": f"{interpreter.short_version} ({interpreter.path})" if interpreter else "none",
        "features": ", ".join(plan.defaults.value("features")) or "none",
    }
    console.out().print(
        "\nSettings (an option wins over WEBKIT_*, which wins over the config file):"
    )
    width = max(map(len, shown.values()))
    for key, value, source in plan.defaults.rows(shown):
        line = console.escape(f"   {key:<10} {value:<{width}}  ")
        console.out().print(f"{line}[dim]{console.escape(source)}[/dim]")


def summary(plan: Plan, started: float) -> None:
    from rich.tree import Tree

    target = plan.target
    tree = Tree(f"[bold]{target.name}/[/bold]")
    hidden = {".git", ".venv", "__pycache__", ".pytest_cache"}
    for entry in sorted(target.iterdir(), key=lambda p: (not p.is_dir(), p.name)):
        if entry.name in hidden:
            continue
        if entry.is_dir():
            branch = tree.add(f"[bold blue]{entry.name}/[/bold blue]")
            children = sorted(
                p.name + ("/" if p.is_dir() else "")
                for p in entry.iterdir()
                if p.name not in hidden
            )
            shown = children[:6]
            for child in shown:
                branch.add(child)
            if len(children) > len(shown):
                branch.add(f"[dim]… {len(children) - len(shown)} more[/dim]")
        else:
            tree.add(entry.name)
    console.print_obj(tree)
    elapsed = console.format_seconds(time.perf_counter() - started)
    title = f"[bold]Created {plan.framework.title} project {target.name}[/bold] in {elapsed}"
    if plan.failures:
        console.info(f"[yellow]![/yellow] {title}, but a step failed (below)")
    else:
        console.success(title)
    location = os.path.relpath(target) if not os.path.relpath(target).startswith("..") else target
    webkit = console.webkit_command()
    lines = [(f"cd {console.escape(str(location))}", "")]
    if plan.installer is None or plan.database_skipped or plan.failures:
        lines.append(
            (f"{webkit} setup", "create .venv, install, create the database, migrate, git")
        )
    lines.append((f"{webkit} serve", "http://127.0.0.1:8000 with auto-reload"))
    lines += [(command.format(webkit=webkit), note) for command, note in plan.framework.next_steps]
    lines.append((".venv/bin/python -m pytest", "the project's own tests"))
    width = max(len(command) for command, _ in lines) + 2
    console.info(
        "\n[bold]Next steps:[/bold]\n"
        + "\n".join(
            f"  {command.ljust(width)}# {note}" if note else f"  {command}"
            for command, note in lines
        )
    )
