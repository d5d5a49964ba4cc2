"""The project's own commands, run with its .venv Python in its root: the migrations, the check
for unapplied ones, the merge of two heads, the formatting of files a tool wrote; and what
their failures mean, told from the traceback they ended with."""

from __future__ import annotations

import re

from webkit_cli import runner
from webkit_cli.errors import StepFailed
from webkit_cli.project import Project


def _run_in_project(project: Project, argv: tuple[str, ...], timeout: float) -> runner.Result:
    """Run one of the framework's commands with the project's .venv Python, in its root."""
    return runner.run(
        [str(project.python), *project.framework.argv(argv, package=project.package)],
        cwd=project.root,
        env=runner.child_env(venv=project.venv),
        timeout=timeout,
    )


class CheckFailed(StepFailed):
    """The check for unapplied migrations could not tell: the project or its database failed."""


# The last line of a Python traceback: the exception, "module.Type: message".
_EXCEPTION = re.compile(r"^([A-Za-z_][\w.]*(?:Error|Exception|Exit|Warning|Interrupt)): (.+)$")
# What the database drivers put before the cause: "(psycopg.OperationalError) connection
# failed: connection to server at "h", port p failed: FATAL:  role "x" does not exist".
_DRIVER_PREFIXES = re.compile(
    r"^(\([\w.]+\) )?(connection (failed|is bad): )?"
    r"(connection to server (at|on) .*? failed: )?((FATAL|ERROR): +)?"
)
_CONNECTION_ERRORS = ("OperationalError", "InterfaceError")


def _exception(output: str) -> tuple[str, str] | None:
    """(type, message) of the exception that ended a Python traceback in `output`, or None."""
    if "Traceback (most recent call last):" not in output:
        return None
    last = output.rsplit("Traceback (most recent call last):", 1)[1]
    for line in last.splitlines():
        match = _EXCEPTION.match(line)
        if match:
            return match[1].rsplit(".", 1)[-1], _DRIVER_PREFIXES.sub("", match[2]).strip()
    return None


def _failure(what: str, result: runner.Result) -> StepFailed:
    """What went wrong in a command of the project: the exception that ended it when it is a
    Python traceback (its last line may be a footnote, such as SQLAlchemy's link), else the
    last message of its output."""
    exception = _exception(result.output)
    if exception is None:
        return StepFailed(
            f"{what} failed: {result.tail()}",
            "fix the cause (run with --verbose for the whole output), then run `webkit setup`",
        )
    kind, message = exception
    if kind in _CONNECTION_ERRORS:
        return CheckFailed(
            f"cannot connect to the database: {message}",
            "fix DATABASE_URL in .env (or start the database server), then run `webkit setup`",
        )
    return CheckFailed(
        f"{what} failed: {kind}: {message}",
        "fix the cause (run with --verbose for the whole output), then run `webkit setup`",
    )


def migrations_pending(project: Project) -> bool:
    """Whether the database lacks migrations. A check killed by a signal (the Ctrl-C or the
    stop of a server started moments ago) tells nothing: StepFailed, not "pending". A check that
    ended in an exception (a database that refuses the login, an app that does not import) is
    not "pending" either: CheckFailed, with that exception."""
    fw = project.framework
    result = _run_in_project(project, fw.pending_migrations, timeout=120)
    if result.returncode < 0:
        raise StepFailed("the check for unapplied migrations was stopped before it finished")
    if not result.ok and _exception(result.output) is not None:
        raise _failure("checking for unapplied migrations", result)
    if fw.up_to_date_marker is not None:
        return not (result.ok and fw.up_to_date_marker in result.output)
    return not result.ok


def migrate(project: Project) -> None:
    result = _run_in_project(project, project.framework.migrate, timeout=300)
    if not result.ok:
        raise _failure("applying the migrations", result)


def prepare_database(project: Project):
    """Create the development database when the project uses a server that lacks it."""
    from webkit_cli import database

    url = project.setting("DATABASE_URL")
    if database.server_of(url) is None:
        return None
    return database.ensure(project, url)


def format_new_files(project: Project, paths: list[str]) -> None:
    """Format Python files a framework's tool wrote (a merge migration) as the project's own
    code is: with the project's ruff, when it has one (the project's CI checks the format)."""
    files = [path for path in paths if path.endswith(".py")]
    if files and (project.venv / "bin" / "ruff").exists():
        runner.run(
            [str(project.python), "-m", "ruff", "format", "--quiet", "--", *files],
            cwd=project.root,
            env=runner.child_env(venv=project.venv),
            timeout=120,
        )


def merge_migration_heads(project: Project) -> bool:
    """When the project's migrations have two heads (the template added one beside the
    project's own), write the framework's merge migration. True when it wrote one."""
    fw = project.framework
    if not fw.merge_migrations:
        return False
    if fw.migration_heads:
        heads = _run_in_project(project, fw.migration_heads, timeout=120)
        if not heads.ok or heads.output.count(fw.head_marker) < 2:
            return False
    result = _run_in_project(project, fw.merge_migrations, timeout=120)
    if not result.ok:
        raise StepFailed(
            f"merging the template's migrations with the project's failed: {result.tail()}",
            "merge them by hand (see the framework's docs), then run `webkit setup`",
        )
    return "No conflicts detected" not in result.output
