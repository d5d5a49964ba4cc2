"""`webkit add FEATURE`: turn an option on in an existing project, by the same merge as
`webkit update` with a changed record (see webkit_cli/updating.py).

A database (`webkit add postgres`, `mysql` or `sqlite`) switches the project to it: the driver,
the settings, the CI service and .env's DATABASE_URL; the new database is created and migrated.
The data stays in the old one: moving it is the user's to do, and the command says so.
"""

from __future__ import annotations

import click

from webkit_cli import console, project, record, template_store, updating
from webkit_cli.commands._record_change import change_record
from webkit_cli.errors import UsageError
from webkit_cli.git import Repo

DATABASE_TITLES = {"sqlite": "SQLite", "postgres": "PostgreSQL", "mysql": "MySQL"}


def choices() -> list[str]:
    return [*record.DATABASES, *record.FEATURES]


@click.command()
@click.argument("feature", metavar="FEATURE")
@click.option(
    "--database-url",
    metavar="URL",
    help="For postgres and mysql: the server's URL (default $DATABASE_URL, else the local one).",
)
@click.option(
    "--backend",
    type=click.Choice(record.CHOICES[("jobs", "backend")]),
    help="For jobs: where the queue is, the project's database (the default) or Redis.",
)
@click.option(
    "--email-verification/--no-email-verification",
    default=None,
    help="For auth: new users confirm their email address before they log in (default off).",
)
@click.option("--dry-run", is_flag=True, help="Print the change it would make; change nothing.")
@click.option("--commit", is_flag=True, help="Commit the change when it merges cleanly.")
@click.option("--no-install", is_flag=True, help="Do not install or migrate afterwards.")
def add(
    feature: str,
    database_url: str | None,
    backend: str | None,
    email_verification: bool | None,
    dry_run: bool,
    commit: bool,
    no_install: bool,
) -> None:
    """Turn FEATURE on: postgres, mysql or sqlite (switch the database), jobs (background
    jobs, with --backend database or redis), or auth (user accounts, with
    --email-verification)."""
    proj = project.find()
    rec = proj.record
    if feature not in choices():
        raise UsageError(
            f"'{feature}' is not a feature webkit can add",
            f"choose one of: {', '.join(choices())}",
        )
    if database_url is not None and feature not in ("postgres", "mysql"):
        raise UsageError(
            f"--database-url is for postgres and mysql, not {feature}", "drop --database-url"
        )
    if backend is not None and feature != "jobs":
        raise UsageError(f"--backend is for jobs, not {feature}", "drop --backend")
    if email_verification is not None and feature != "auth":
        flag = "--email-verification" if email_verification else "--no-email-verification"
        raise UsageError(f"{flag} is for auth, not {feature}", f"drop {flag}")
    updating.refuse_if_pending(proj.root, f"webkit add {feature}")
    if feature in record.DATABASES:
        if rec.database == feature:
            console.success(
                f"The project already uses {DATABASE_TITLES[feature]}: nothing to change."
            )
            return
        changed = rec.with_answers(database=feature)
        env_set = {"DATABASE_URL": _database_url(proj, feature, database_url)}
    else:
        given = {"backend": backend, "email_verification": email_verification}
        given = {k: v for k, v in given.items() if v is not None}
        # Settings given now change those the project has; the others keep their values.
        settings = {**record.FEATURES[feature], **rec.features.get(feature, {}), **given}
        if feature in rec.features and rec.features[feature] == settings:
            console.success(f"{feature} is already on: nothing to change.")
            return
        changed = rec.replace(features={**rec.features, feature: settings})
        env_set = None
    current = template_store.current_version(rec.framework)
    if rec.template_version != current:
        raise UsageError(
            f"the project has {rec.framework} template release {rec.template_version}, and "
            f"webkit adds {feature} with release {current}",
            "update it first: webkit update (then commit), then run `webkit add` again",
        )
    repo = Repo.of(proj.root, f"webkit add {feature}")
    updating.check_ready(repo, f"webkit add {feature}")
    if not dry_run:
        _before_merge(proj, feature)
    change_record(
        proj,
        repo,
        changed,
        f"{feature} (webkit add)",
        dry_run=dry_run,
        commit=commit,
        install=not no_install,
        env_set=env_set,
    )
    if feature in record.DATABASES and not dry_run:
        console.info(
            f"The data stays in the {DATABASE_TITLES[rec.database]} database the project used: "
            "the new one starts empty, with the migrations applied. Moving the data is yours "
            "to do (dump it from the old one and load it into the new one); .env keeps the old "
            "DATABASE_URL in a comment."
        )


def _before_merge(proj: project.Project, feature: str) -> None:
    """What the framework does before FEATURE is merged (Django's auth: the user model)."""
    from webkit_cli import virtualenvs

    hook = proj.framework.before_adding(feature)
    if hook is None:
        return
    problem = virtualenvs.venv_problem(proj.python)
    if problem is not None:
        console.warning(
            f".venv is {problem}, so the project's database was not looked at before adding "
            f"{feature}",
            "if it has tables already, run `webkit setup` first, then `webkit add` again",
        )
        return
    with console.step(f"Preparing the database for {feature}", "Database ready") as step:
        done = hook(proj)
        if done:
            step.done_text = (
                f"Un-applied the migrations of {', '.join(done)} (no users yet): they run "
                "again after the merge"
            )


def _database_url(proj: project.Project, kind: str, url: str | None) -> str:
    """DATABASE_URL for the new database, in the framework's scheme."""
    from webkit_cli import database

    if kind not in database.SERVERS:
        return _render_default(proj, kind)
    if url is None:
        url = database.default_url(kind, proj.package)
    found = database.validate_url(url)
    if found != kind:
        raise UsageError(
            f"--database-url is a {database.SERVERS[found].title} URL, not one for {kind}",
            f"give a {database.SERVERS[kind].title} URL: {database.SERVERS[kind].example}",
        )
    return database.framework_url(url, proj.framework.url_schemes[kind])


def _render_default(proj: project.Project, kind: str) -> str:
    """The DATABASE_URL a new project on `kind` gets (SQLite: a file in the project)."""
    from webkit_cli import scaffold

    with template_store.release(proj.record.framework, proj.record.template_version) as t:
        env = scaffold.render_one(t, proj.record.with_answers(database=kind).values(), ".env")
    for line in env.splitlines():
        if line.startswith("DATABASE_URL="):
            return line.split("=", 1)[1]
    raise UsageError(f"the template sets no DATABASE_URL for {kind}")  # pragma: no cover
