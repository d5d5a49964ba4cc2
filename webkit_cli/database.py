"""Database servers: their URLs, and creating the development database (like `rails db:create`).

SQLite needs nothing: the migration creates the file. For PostgreSQL and MySQL/MariaDB, webkit
talks to the server through the project's own .venv, which has the driver (dbcheck/), so that
webkit itself carries none.
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from webkit_cli import runner
from webkit_cli.errors import StepFailed, UsageError
from webkit_cli.project import Project
from webkit_cli.record import DATABASES

__all__ = ["DATABASES", "SERVERS", "Outcome", "ensure", "server_of", "validate_url"]


@dataclass(frozen=True)
class Server:
    title: str
    schemes: tuple[str, ...]  # what a URL for it may start with (before any +driver)
    port: int
    example: str  # a URL's shape, for hints
    default: str  # the URL `webkit new` uses without one ({name}: the package)
    check: str  # the script in dbcheck/
    create_command: str  # how to create the database by hand ({name})


SERVERS = {
    "postgres": Server(
        title="PostgreSQL",
        schemes=("postgres", "postgresql"),
        port=5432,
        example="postgresql://USER:PASSWORD@HOST:PORT/NAME",
        default="postgresql://localhost/{name}",
        check="postgres.py",
        create_command="createdb {name}",
    ),
    "mysql": Server(
        title="MySQL",
        schemes=("mysql",),
        port=3306,
        example="mysql://USER:PASSWORD@HOST:PORT/NAME",
        default="mysql://root@127.0.0.1:3306/{name}",
        check="mysql.py",
        create_command="mysql -e 'CREATE DATABASE {name} CHARACTER SET utf8mb4'",
    ),
}
_SCHEME = re.compile(r"^([a-z]+)(\+[a-z0-9]+)?$")
_SHAPES = " or ".join(server.example for server in SERVERS.values())


def server_of(url: str | None) -> str | None:
    """The server a URL is for ("postgres", "mysql"), or None (SQLite, nothing, other)."""
    if not url:
        return None
    match = _SCHEME.match(urlsplit(url).scheme)
    if match is None:
        return None
    return next((kind for kind, s in SERVERS.items() if match[1] in s.schemes), None)


def default_url(kind: str, package: str) -> str:
    """$DATABASE_URL when it is for the same server, else the server's local default."""
    from_env = os.environ.get("DATABASE_URL")
    if server_of(from_env) == kind:
        return from_env
    return SERVERS[kind].default.format(name=package)


def framework_url(url: str, scheme: str) -> str:
    """The URL in the scheme the framework's settings expect (scheme: e.g. "mysql+pymysql://")."""
    parts = urlsplit(url)
    return urlunsplit((scheme.removesuffix("://"), *parts[1:]))


def validate_url(url: str) -> str:
    """The server of a --database-url, or a UsageError saying what is wrong with it."""
    kind = server_of(url)
    shown = redact(url)
    if any(c.isspace() for c in url):
        raise UsageError("--database-url contains whitespace", "quote nothing inside the URL")
    if kind is None:
        raise UsageError(
            f"--database-url {shown} is not a PostgreSQL or MySQL URL",
            f"use {_SHAPES}, e.g. postgresql://localhost/shop",
        )
    parts = urlsplit(url)
    example = SERVERS[kind].example
    name = parts.path.lstrip("/")
    if not name or "/" in name:
        raise UsageError(
            f"--database-url {shown} names no database",
            f"end it with the database name: {example}",
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise UsageError(
            f"--database-url {shown} has an invalid port", f"a port is a number: {example}"
        ) from None
    if kind == "mysql" and not parts.hostname and "unix_socket" not in parts.query:
        raise UsageError(
            f"--database-url {shown} names no host",
            f"name the server: {example}, e.g. mysql://root@127.0.0.1:3306/shop",
        )
    return kind


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit((parts.scheme, netloc, *parts[2:]))


def _where(url: str, server: Server) -> str:
    parts = urlsplit(url)
    if not parts.hostname:  # libpq's default: the server's Unix socket on this machine
        return "the local socket"
    return f"{parts.hostname}:{parts.port or server.port}"


@dataclass(frozen=True)
class Outcome:
    state: str  # "exists" | "created"
    name: str


def ensure(project: Project, url: str) -> Outcome:
    """Create the database named in `url` when it does not exist; explain failures clearly."""
    kind = server_of(url)
    if kind is None:
        raise UsageError(
            f"DATABASE_URL {redact(url)} is not a PostgreSQL or MySQL URL",
            f"fix DATABASE_URL in .env ({_SHAPES}), then run `webkit setup`",
        )
    server = SERVERS[kind]
    plain = urlunsplit((server.schemes[-1], *urlsplit(url)[1:]))  # without the +driver
    script = Path(__file__).with_name("dbcheck") / server.check
    result = runner.run(
        [str(project.python), "-I", str(script)],
        cwd=project.root,
        env=runner.child_env({"WEBKIT_DATABASE_URL": plain}, venv=project.venv),
        timeout=60,
    )
    try:
        answer = json.loads(result.output.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise StepFailed(f"checking the database failed: {result.tail()}") from None
    if answer["state"] in ("exists", "created"):
        return Outcome(answer["state"], answer["name"])
    raise _failure(url, server, answer.get("kind"), answer.get("message", ""))


def _failure(url: str, server: Server, kind: str | None, detail: str) -> StepFailed:
    parts = urlsplit(url)
    where, title = _where(url, server), server.title
    user = f"user '{unquote(parts.username)}'" if parts.username else "your user name"
    name = unquote(parts.path.lstrip("/"))
    then = "then run `webkit setup`"
    if kind == "refused":
        return StepFailed(
            f"{title} at {where} does not answer ({detail})",
            f"start the server (or fix the host and port of DATABASE_URL in .env), {then}",
        )
    if kind == "auth":
        return StepFailed(
            f"{title} at {where} refused the credentials: {user} ({detail})",
            f"fix the user name and password of DATABASE_URL in .env, {then}",
        )
    if kind == "privileges":
        return StepFailed(
            f"{title} at {where}: {user} lacks the privileges for the database '{name}' ({detail})",
            f"grant them (or use a user that has them in DATABASE_URL in .env), {then}",
        )
    if kind == "create":
        return StepFailed(
            f"the database '{name}' does not exist on {where}, and {user} could not "
            f"create it ({detail})",
            f"create it ({server.create_command.format(name=name)}), or use a user allowed to "
            f"create databases, {then}",
        )
    if kind == "driver":
        return StepFailed(
            f"the project's .venv has no {title} driver ({detail})",
            "run `webkit setup` to install the locked dependencies",
        )
    return StepFailed(
        f"the database {redact(url)} could not be prepared: {detail}",
        f"fix DATABASE_URL in .env or the server, {then}",
    )
