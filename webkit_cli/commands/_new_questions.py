"""`webkit new`'s questions: the target folder, the framework, the database and the features."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import click

from webkit_cli import console, frameworks, names
from webkit_cli.errors import UsageError
from webkit_cli.record import DATABASES, FEATURES


def check_target(target: Path, force: bool) -> None:
    parent = target.parent
    if not parent.exists():
        raise UsageError(
            f"the output directory {parent} does not exist",
            f"create it first (mkdir -p {parent}) or choose another --output-dir",
        )
    if not parent.is_dir():
        raise UsageError(f"the output directory {parent} is not a directory")
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise UsageError(
            f"{target} already exists and is not a directory",
            "choose another name or --output-dir",
        )
    if target.is_dir():
        if any(target.iterdir()):
            raise UsageError(
                f"{target} already exists and is not empty",
                "choose another name or --output-dir; webkit never writes into a non-empty directory",
            )
        if not force:
            raise UsageError(
                f"{target} already exists (empty)",
                "pass --force to create the project in it",
            )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(
            f"cannot write in {parent}: permission denied",
            "choose a directory you can write to with --output-dir",
        )
    from webkit_cli.project import find_root

    enclosing = find_root(parent.resolve())
    if enclosing is not None:
        where = (
            "a webkit project"
            if enclosing == parent.resolve()
            else f"inside the webkit project {enclosing}"
        )
        raise UsageError(
            f"{parent} is {where}",
            f"create the new project outside it, e.g. --output-dir {enclosing.parent}",
        )


def choose_framework(framework: str | None, interactive: bool) -> str:
    if framework:
        return framework
    if interactive:
        return click.prompt(
            "Framework",
            type=click.Choice(frameworks.NAMES),
            default=frameworks.DEFAULT,
        )
    console.info(f"Framework: {frameworks.DEFAULT} (the default; choose with --framework)")
    return frameworks.DEFAULT


def choose_database(
    db: str | None, url: str | None, package: str, fw: frameworks.Framework, interactive: bool
) -> tuple[str, str]:
    """The database kind and, for a server, its URL in the framework's scheme."""
    from webkit_cli import database

    if url is not None:
        kind = database.validate_url(url)
        if db is not None and db != kind:
            title = database.SERVERS[kind].title
            raise UsageError(
                f"--database-url is a {title} URL, but --db {db} was given",
                "drop one of the two options (--database-url alone chooses the database)",
            )
        db = kind
    if db is None:
        if interactive:
            db = click.prompt("Database", type=click.Choice(DATABASES), default=DATABASES[0])
        else:
            db = DATABASES[0]
    if db not in database.SERVERS:
        return db, ""
    if url is None:
        url = database.default_url(db, package)
        database.validate_url(url)
    return db, database.framework_url(url, fw.url_schemes[db])


def chosen_features(
    defaults, jobs: str | None, auth: bool, email_verification: bool | None
) -> dict[str, dict[str, Any]]:
    """The features of the user defaults, and those the options turn on (with their settings)."""
    features = {name: dict(FEATURES[name]) for name in defaults}
    if jobs is not None:
        features["jobs"] = {**FEATURES["jobs"], "backend": jobs}
    if auth:
        features.setdefault("auth", dict(FEATURES["auth"]))
    if email_verification is not None:
        if "auth" not in features:
            raise UsageError(
                "--email-verification is a setting of accounts, and accounts are off",
                "add --auth: webkit new NAME --auth --email-verification",
            )
        features["auth"]["email_verification"] = email_verification
    return features


def valid_name(value: str) -> str:
    """The prompt's check: a name refused is asked again, with the reason."""
    try:
        names.validate(value)
    except UsageError as exc:
        raise click.UsageError(f"{exc.message} ({exc.hint})" if exc.hint else exc.message) from None
    return value
