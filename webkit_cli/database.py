"""The development database server: create the database when missing (like `rails db:create`).

SQLite needs nothing: the migration creates the file. For PostgreSQL, webkit talks to the server
through the project's own .venv (which has psycopg), so webkit itself carries no driver.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from webkit_cli import runner
from webkit_cli.errors import StepFailed, UsageError
from webkit_cli.project import Project

DATABASES = ("sqlite", "postgres")
_SCHEME = re.compile(r"^(postgres|postgresql)(\+[a-z0-9]+)?$")

# Runs in the project's .venv: connect; when the database is missing, create it from the
# server's maintenance database. Prints one JSON line.
_ENSURE = r"""
import json, sys
try:
    import psycopg
    from psycopg import sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo
except ImportError as exc:
    print(json.dumps({"state": "error", "kind": "driver", "message": str(exc)})); sys.exit()
url = sys.argv[1]
name = conninfo_to_dict(url).get("dbname")
def fail(exc, kind=None):
    text = str(exc).strip()
    low = text.lower()
    if kind:
        pass
    elif "does not exist" in low and "role" in low or "authentication failed" in low \
            or "no password supplied" in low or "permission denied" in low:
        kind = "auth"
    elif "connection refused" in low or "could not connect" in low or "timeout" in low \
            or "no such file or directory" in low or "name or service not known" in low \
            or "could not translate host name" in low:
        kind = "refused"
    else:
        kind = "other"
    print(json.dumps({"state": "error", "kind": kind, "message": text.splitlines()[-1]}))
try:
    psycopg.connect(url, connect_timeout=5).close()
    print(json.dumps({"state": "exists", "name": name}))
except psycopg.OperationalError as exc:
    if name and f'database "{name}" does not exist' in str(exc):
        try:
            admin = make_conninfo(url, dbname="postgres")
            with psycopg.connect(admin, autocommit=True, connect_timeout=5) as conn:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            print(json.dumps({"state": "created", "name": name}))
        except psycopg.Error as inner:
            fail(inner, "create")
    else:
        fail(exc)
"""


@dataclass(frozen=True)
class Outcome:
    state: str  # "exists" | "created"
    name: str


def libpq_url(url: str) -> str:
    """`postgresql+psycopg://...` (SQLAlchemy) or `postgres://...` (Django) as libpq reads it."""
    parts = urlsplit(url)
    return urlunsplit(("postgresql", *parts[1:]))


def is_postgres(url: str | None) -> bool:
    return bool(url) and bool(_SCHEME.match(urlsplit(url).scheme))


def framework_url(url: str, scheme: str) -> str:
    """Rewrite a PostgreSQL URL into the scheme the framework's settings expect."""
    parts = urlsplit(url)
    return urlunsplit((scheme.removesuffix("://"), *parts[1:]))


def validate_url(url: str) -> str:
    parts = urlsplit(url)
    if not _SCHEME.match(parts.scheme or ""):
        raise UsageError(
            f"--database-url {redact(url)} is not a PostgreSQL URL",
            "use postgresql://USER:PASSWORD@HOST:PORT/NAME, e.g. postgresql://localhost/shop",
        )
    name = parts.path.lstrip("/")
    if not name or "/" in name:
        raise UsageError(
            f"--database-url {redact(url)} names no database",
            "end it with the database name, e.g. postgresql://localhost/shop",
        )
    try:
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise UsageError(f"--database-url {redact(url)} has an invalid port") from None
    if any(c.isspace() for c in url):
        raise UsageError("--database-url contains whitespace", "quote nothing inside the URL")
    return url


def redact(url: str) -> str:
    """The URL without its password, for messages."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return urlunsplit((parts.scheme, netloc, *parts[2:]))


def _where(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.hostname or 'the local socket'}:{parts.port or 5432}"


def ensure(project: Project, url: str) -> Outcome:
    """Create the database named in `url` when it does not exist; explain failures clearly."""
    result = runner.run(
        [str(project.python), "-c", _ENSURE, libpq_url(url)],
        cwd=project.root,
        env=runner.child_env(venv=project.venv),
        timeout=60,
    )
    try:
        answer = json.loads(result.output.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise StepFailed(f"checking the database failed: {result.tail()}") from None
    if answer["state"] in ("exists", "created"):
        return Outcome(answer["state"], answer["name"])
    shown = redact(url)
    kind, detail = answer.get("kind"), answer.get("message", "")
    if kind == "refused":
        raise StepFailed(
            f"PostgreSQL at {_where(url)} does not answer ({detail})",
            "start the server (or fix the host and port in DATABASE_URL in .env), "
            "then run `webkit setup`",
        )
    if kind == "auth":
        parts = urlsplit(url)
        raise StepFailed(
            f"PostgreSQL at {_where(url)} refused the credentials for user "
            f"'{parts.username or 'the current user'}' ({detail})",
            "fix the user name and password in DATABASE_URL in .env, then run `webkit setup`",
        )
    if kind == "create":
        raise StepFailed(
            f"the database '{urlsplit(url).path.lstrip('/')}' does not exist on {_where(url)} "
            f"and could not be created ({detail})",
            "create it (createdb NAME) or use a user allowed to, then run `webkit setup`",
        )
    if kind == "driver":
        raise StepFailed(
            f"the project's .venv has no PostgreSQL driver ({detail})",
            "run `webkit setup` to install the locked dependencies",
        )
    raise StepFailed(f"the database {shown} could not be prepared: {detail}", "run `webkit setup`")
