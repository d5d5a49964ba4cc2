"""`webkit generate resource NAME FIELD:TYPE ...` and `webkit generate app NAME`: a resource
(model, migration, JSON API, pages, admin, tests) or an app, wired into the project. Both are
record changes merged into the work tree (webkit_cli/generating.py)."""

from __future__ import annotations

import click

from webkit_cli import console, generating, project, resources
from webkit_cli.commands._generated import change


@click.group()
def generate() -> None:
    """Write a resource or an app into the project."""


@generate.command(context_settings={"ignore_unknown_options": False})
@click.argument("name")
@click.argument("fields", nargs=-1, metavar="FIELD:TYPE...")
@click.option("--plural", metavar="NAME", help="Its plural, when the English rules miss it.")
@click.option("--dry-run", is_flag=True, help="List the files and the migration; change nothing.")
@click.option(
    "--no-migrate", is_flag=True, help="Write the files only; make the migration yourself."
)
def resource(
    name: str, fields: tuple[str, ...], plural: str | None, dry_run: bool, no_migrate: bool
) -> None:
    """A resource NAME with its model, migration, JSON API, pages, admin and tests.

    \b
    Types: str[:LENGTH] text int float decimal bool date datetime email url slug
           ref:Resource (a foreign key). A field is required unless marked with ?
           (body:text?); modifiers :unique and :index.
    \b
      webkit generate resource Post title:str body:text? views:int published:bool
      webkit generate resource Comment post:ref:Post body:text
    """
    proj = project.find()
    repo = generating.ready(proj, "webkit generate")
    made, record = generating.new_resource(proj, name, list(fields), plural)
    label = f"resource {made.class_name}"
    url = _values(made)["url"]
    api = f"/api/{url}" + ("/" if proj.framework.api_path.endswith("/") else "")
    console.info(f"Generating {label} (/{url}/, {api})")
    migration = None if no_migrate else ("create", made)
    path = change(repo, proj, record, label, removing=False, dry_run=dry_run, migration=migration)
    if dry_run:
        return
    if path is None:
        console.info(
            "Now make and apply its migration: webkit run makemigrations, then webkit run migrate"
        )
    console.success(
        f"Generated {made.class_name}: run its tests with `webkit run tests`, see it with "
        f"`webkit serve` at /{_values(made)['url']}/, and commit it when it suits you."
    )


def _values(made: resources.Resource) -> dict[str, str]:
    return resources.template_values(made, [made])


@generate.command()
@click.argument("name")
@click.option("--dry-run", is_flag=True, help="List the files; change nothing.")
def app(name: str, dry_run: bool) -> None:
    """An app NAME (Django) or blueprint (Flask), wired in: settings, URLs, tests.

    \b
      webkit generate app blog
    """
    proj = project.find()
    repo = generating.ready(proj, "webkit generate")
    record = generating.new_app(proj, name)
    kind = "blueprint" if proj.framework.name == "flask" else "app"
    console.info(f"Generating the {kind} {name} (/{name.replace('_', '-')}/)")
    change(repo, proj, record, f"{kind} {name}", removing=False, dry_run=dry_run, migration=None)
    if not dry_run:
        console.success(
            f"Generated the {kind} {name}: run its tests with `webkit run tests`, and commit it "
            "when it suits you."
        )
