"""`webkit destroy resource NAME`: undo `webkit generate resource` (files, registrations, and a
migration that drops the table, applied). A file the user changed is kept, and named."""

from __future__ import annotations

import click

from webkit_cli import console, generating, project
from webkit_cli.commands._generated import change
from webkit_cli.completion import complete_resource


@click.group()
def destroy() -> None:
    """Remove what `webkit generate` wrote."""


@destroy.command()
@click.argument("name", shell_complete=complete_resource)
@click.option("--dry-run", is_flag=True, help="List what it would remove; change nothing.")
@click.option("--no-migrate", is_flag=True, help="Remove the files only; no migration.")
def resource(name: str, dry_run: bool, no_migrate: bool) -> None:
    """Remove the generated resource NAME, and drop its table with a new migration.

    \b
      webkit destroy resource Post
    """
    proj = project.find()
    repo = generating.ready(proj, "webkit destroy")
    gone, record = generating.removed_resource(proj, name)
    label = f"resource {gone.class_name}"
    console.info(f"Destroying {label}")
    migration = None if no_migrate else ("drop", gone)
    change(repo, proj, record, label, removing=True, dry_run=dry_run, migration=migration)
    if not dry_run:
        console.success(f"Destroyed {gone.class_name}: commit it when it suits you.")
