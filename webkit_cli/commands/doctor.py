"""`webkit doctor`: what is wrong with the project (or this machine), and what fixes it."""

from __future__ import annotations

import json
from pathlib import Path

import click

from webkit_cli import console


@click.command()
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help='Print {"checks": [{"name", "ok", "detail", "fix"}, ...]} for scripts and editors.',
)
def doctor(as_json: bool) -> None:
    """Check the project, or this machine outside one; change nothing.

    In a project: its Python and .venv (made here, not moved), the installed packages
    against the lock files, the lock files against pyproject.toml, .env (mode 600, a
    SECRET_KEY of its own), the database and its migrations (and the broker of background
    jobs), git, the deploy files, and the template. Outside one: git, uv, and the Pythons
    that --python finds. Each problem comes with the command that fixes it.

    Exit status: 0 when every check passes, 1 otherwise.
    """
    from webkit_cli.doctor import examine

    report = examine(Path.cwd())
    if as_json:
        text = json.dumps({"checks": [check.as_json() for check in report.checks]}, indent=2)
        console.raw(text)
    else:
        _print(report)
    click.get_current_context().exit(0 if report.ok else 1)


def _print(report) -> None:
    proj = report.project
    if proj is not None:
        console.info(
            f"[bold]{console.escape(proj.root.name)}[/bold] ({proj.framework.title}) at "
            f"{console.escape(report.place)}"
        )
    else:
        console.info(f"[bold]Checking {console.escape(report.place)}[/bold]")
    width = max(len(check.name) for check in report.checks)
    for check in report.checks:
        name = console.escape(f"{check.name:<{width}}")
        if check.ok:
            console.info(f"[green]✓[/green] {name}  {console.escape(check.detail)}")
            continue
        out = console.out()  # problems show even with --quiet
        out.print(f"[red]✗[/red] {name}  {console.escape(check.detail)}")
        if check.fix:
            out.print(f"  {' ' * width}  [dim]fix:[/dim] {console.escape(check.fix)}")
    failed = sum(not check.ok for check in report.checks)
    if failed:
        console.info(f"\n{failed} of {len(report.checks)} checks found a problem.")
    else:
        console.success(f"All {len(report.checks)} checks pass.")
