"""The database (reachable), its migrations (applied) and, for background jobs, the broker."""

from __future__ import annotations

import os

from webkit_cli import migrations, services, virtualenvs
from webkit_cli.doctor import Check, checks
from webkit_cli.errors import WebkitError
from webkit_cli.project import Project

LISTED = 3

# problem -> the fix, for a server that did not answer as it should
_FIXES = {
    "missing": "webkit setup (it creates the database)",
    "refused": "start the server, or fix the host and port of {setting} in {place}",
    "auth": "fix the user name and password of {setting} in {place}",
    "driver": "webkit setup (it installs the locked driver into .venv)",
    "other": "fix {setting} in {place}, or the server",
}


def _server_check(name: str, setting: str, answer: services.Answer) -> Check:
    if answer.ok:
        return Check(name, True, f"{answer.where} answers")
    what = {
        "missing": "does not exist",
        "refused": "does not answer",
        "auth": "refused the credentials",
        "driver": "cannot be reached without the project's driver",
    }.get(answer.problem, "failed")
    message = f" ({answer.message})" if answer.message else ""
    place = "the environment" if os.environ.get(setting) else ".env"
    fix = _FIXES.get(answer.problem, _FIXES["other"]).format(setting=setting, place=place)
    return Check(name, False, f"{services.redact(answer.where)} {what}{message}", fix)


def _framework_answer(proj: Project, why: str) -> Check:
    """The framework's own check, for files webkit cannot read without running them."""
    from webkit_cli import project_commands

    try:
        pending = project_commands.migrations_pending(proj)
    except WebkitError as exc:
        return Check("migrations", False, f"the framework could not tell: {exc.message}", exc.hint)
    if pending:
        return Check(
            "migrations",
            False,
            f"some are not applied (asked the framework: {why})",
            "webkit run migrate",
        )
    return Check("migrations", True, f"all applied (asked the framework: {why})")


def _migrations_check(proj: Project, files: migrations.Migrations, rows: list[tuple]) -> Check:
    unknown = files.unknown(rows)
    if unknown:
        location = proj.framework.migration_files[1]
        return Check(
            "migrations",
            False,
            f"the database is at revision {', '.join(unknown)}, which no file in {location} "
            "defines",
            f"restore that migration file (git log --diff-filter=D -- {location})",
        )
    pending = files.pending(rows)
    if pending:
        shown = ", ".join(pending[:LISTED]) + (" ..." if len(pending) > LISTED else "")
        return Check(
            "migrations", False, f"{len(pending)} not applied: {shown}", "webkit run migrate"
        )
    return Check("migrations", True, f"all {len(files.names)} applied")


@checks("database", "migrations")
def database(proj: Project) -> list[Check]:
    """Whether the database answers, and whether every migration has been applied to it:
    one connection for both."""
    fw = proj.framework
    try:
        url = proj.setting("DATABASE_URL")
    except WebkitError as exc:
        failed = Check("database", False, exc.message, exc.hint)
        return [failed, Check("migrations", False, "not checked: .env cannot be read", exc.hint)]
    if not url:
        if proj.answers.get("database", "sqlite") != "sqlite":
            missing = Check(
                "database",
                False,
                "DATABASE_URL is not set in .env or the environment",
                "set DATABASE_URL in .env (.env.example shows its form)",
            )
            return [missing, Check("migrations", False, "not checked: no database", missing.fix)]
        url = fw.default_database_url.format(package=proj.package)
    kind, location = fw.migration_files
    files = migrations.read(kind, proj.root, location, virtualenvs.site_packages(proj.venv))
    answer = services.probe(
        proj,
        url,
        sqlite_folder=proj.root / fw.sqlite_folder,
        query=files.query if files else None,
        table=files.table if files else None,
    )
    if answer is None:
        scheme = url.split(":", 1)[0]
        unknown = Check("database", True, f"not checked: webkit cannot reach a {scheme} database")
        return [unknown, _framework_answer(proj, f"a {scheme} database")]
    checked = _server_check("database", "DATABASE_URL", answer)
    if not answer.ok:
        if answer.problem == "missing" and files is not None and services.kind(url) == "sqlite":
            pending = Check(
                "migrations", False, f"none of {len(files.names)} applied yet", "webkit run migrate"
            )
            return [checked, pending]
        return [checked, Check("migrations", False, "not checked: no database", checked.fix)]
    if files is None:
        return [checked, _framework_answer(proj, "its files are not plain enough to read")]
    return [checked, _migrations_check(proj, files, answer.rows or [])]


@checks("broker")
def brokers(proj: Project) -> list[Check]:
    """The servers other than the database that the project's features use (SERVICES)."""
    checks = []
    for service in services.SERVICES:
        if not service.wanted(proj):
            continue
        try:
            url = proj.setting(service.setting) or service.default.format(package=proj.package)
        except WebkitError as exc:
            checks.append(Check(service.name, False, exc.message, exc.hint))
            continue
        answer = services.probe(proj, url, sqlite_folder=proj.root)
        if answer is None:
            checks.append(Check(service.name, True, f"not checked: {services.redact(url)}"))
        else:
            checks.append(_server_check(service.name, service.setting, answer))
    return checks


GROUPS = [database, brokers]
