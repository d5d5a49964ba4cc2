"""`webkit deploy-config`: write the files that run the project in production.

gunicorn, nginx, systemd, Docker, compose, Kubernetes and a Procfile, for the project's
framework, package and database, from one set of settings. Inputs are validated before
anything is read or written; a file the user edited is never replaced without --force.
"""

from __future__ import annotations

import click

from webkit_cli import __version__, console, project
from webkit_cli.deploy import settings as options
from webkit_cli.errors import UsageError

# status -> (colour, done, planned)
_LABELS = {
    "new": ("green", "created", "create"),
    "update": ("cyan", "updated", "update"),
    "conflict": ("yellow", "overwrote", "edited"),
    "unchanged": ("dim", "unchanged", "unchanged"),
}


def _print_diff(text: str) -> None:
    out = console.out()
    for line in text.splitlines():
        style = ""
        if line.startswith(("+++", "---")):
            style = "bold"
        elif line.startswith("@@"):
            style = "cyan"
        elif line.startswith("+"):
            style = "green"
        elif line.startswith("-"):
            style = "red"
        escaped = console.escape(line)
        out.print(f"[{style}]{escaped}[/{style}]" if style else escaped)


def _report(changes, *, planned: bool = False) -> None:
    for change in changes:
        colour, done, todo = _LABELS[change.status]
        label = todo if planned else done
        console.info(f"  [{colour}]{label:<10}[/{colour}] {console.escape(change.path)}")


def _complete_targets(ctx: click.Context, param: click.Parameter, incomplete: str):
    from webkit_cli.completion import complete_targets

    return complete_targets(ctx, param, incomplete)


@click.command("deploy-config")
@click.option(
    "-t",
    "--target",
    "targets",
    multiple=True,
    metavar="TARGET",
    shell_complete=_complete_targets,
    help=f"What to write (repeatable, or comma-separated): {', '.join(options.TARGETS)}. "
    "Default: all.",
)
@click.option("--domain", metavar="HOST", help="The site's public host name (example.com).")
@click.option(
    "--workers",
    metavar="N",
    help="Gunicorn workers (default: one per CPU where it runs, two at least).",
)
@click.option("--port", metavar="PORT", help="The port gunicorn listens on (8000).")
@click.option("--user", metavar="NAME", help="The unprivileged user that runs the app (app).")
@click.option(
    "--app-dir",
    metavar="PATH",
    help="Where the project lives on the server, for systemd and nginx (/srv/NAME).",
)
@click.option(
    "-o",
    "--output",
    metavar="DIR",
    default=options.DEFAULT_OUTPUT,
    show_default=True,
    help="Directory inside the project for the files.",
)
@click.option("--dry-run", is_flag=True, help="List what would change; write nothing.")
@click.option(
    "--diff", "show_diff", is_flag=True, help="Show the changes as a diff; write nothing."
)
@click.option("--force", is_flag=True, help="Overwrite files edited since webkit wrote them.")
def deploy_config(
    targets: tuple[str, ...],
    domain: str | None,
    workers: str | None,
    port: str | None,
    user: str | None,
    app_dir: str | None,
    output: str,
    dry_run: bool,
    show_diff: bool,
    force: bool,
) -> None:
    """Write gunicorn, nginx, systemd, Docker, compose, Kubernetes and Procfile files.

    Settings given once are remembered (in OUTPUT/.webkit-manifest.json) for the next run.
    Files you edited are left alone unless you pass --force; --diff shows what would change.

    \b
      webkit deploy-config --domain shop.example.com
      webkit deploy-config --target nginx --target systemd --diff
    """
    # Everything the user typed is checked before the project is even looked for.
    chosen = options.targets(targets)
    given = {
        "domain": options.domain(domain) if domain is not None else None,
        "workers": workers,  # as typed: "auto" must win over a number the manifest recorded
        "port": options.port(port) if port is not None else None,
        "user": options.user(user) if user is not None else None,
        "app_dir": options.app_dir(app_dir) if app_dir is not None else None,
        "output": options.output(output),
    }
    options.workers(workers)  # validated here, converted in from_options
    if show_diff and dry_run:
        raise UsageError(
            "--diff and --dry-run cannot be combined",
            "--diff shows every change in full, --dry-run lists the files; pass one of them",
        )

    from webkit_cli.deploy import files, render

    proj = project.find()
    manifest = files.load_manifest(files.manifest_path(proj.root, given["output"]))
    chosen_settings = options.from_options(given, manifest.settings, render.default_app_dir(proj))
    rendered = render.render(proj, chosen_settings, chosen)
    changes = files.plan(proj.root, rendered, manifest)
    writes = [c for c in changes if c.writes]
    conflicts = [c for c in changes if c.status == files.CONFLICT]

    where = f"{proj.root.name} ({proj.framework.title})"
    if domain is None and chosen_settings.domain == options.DEFAULT_DOMAIN:
        console.warning(
            f"no domain given: the files use {options.DEFAULT_DOMAIN}",
            "pass --domain with the site's real host name",
        )

    if show_diff:
        for change in writes:
            _print_diff(change.diff())
        console.info(
            f"{len(writes)} of {len(changes)} files would change in {where}; nothing was written."
        )
        return

    if dry_run:
        console.info(f"Dry run for {where}: nothing is written.")
        _report(changes, planned=True)
        if conflicts and not force:
            console.warning(
                f"{len(conflicts)} edited file(s) would be refused",
                "see them with --diff; --force overwrites them",
            )
        return

    if conflicts and not force:
        for change in conflicts:
            _print_diff(change.diff())
        listed = ", ".join(c.path for c in conflicts)
        raise UsageError(
            f"{len(conflicts)} file(s) changed since webkit wrote them, so nothing was "
            f"written: {listed}",
            "the diff above shows what webkit would write; pass --force to overwrite, "
            "or keep your edits and leave that file's target out (--target)",
        )

    files.apply(proj.root, changes, manifest, chosen_settings.recorded(), __version__)
    _report(changes)
    if writes:
        console.success(
            f"Wrote {len(writes)} file(s) for {where}; {len(changes) - len(writes)} unchanged"
        )
    else:
        console.success(f"All {len(changes)} deployment files of {where} are up to date")
