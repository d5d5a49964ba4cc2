"""The development database server: create the database when missing (like `rails db:create`).

SQLite needs nothing: the migration creates the file. For PostgreSQL, webkit talks to the server
through the project's own .venv (which has psycopg), so webkit itself carries no driver.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from urllib.parse import unquote, urlsplit, urlunsplit

from webkit_cli import runner
from webkit_cli.errors import StepFailed, UsageError
from webkit_cli.project import Project

DATABASES = ("sqlite", "postgres")
_SCHEME = re.compile(r"^(postgres|postgresql)(\+[a-z0-9]+)?$")

# Runs in the project's .venv: connect; when the database is missing, create it from one of
# the server's maintenance databases. Prints one JSON line. The URL comes in the environment,
# so that its password shows neither in the process list nor in `--verbose` output.
_ENSURE = r"""
import json, os, re
try:
    import psycopg
    from psycopg import errors, sql
    from psycopg.conninfo import conninfo_to_dict, make_conninfo
except ImportError as exc:
    print(json.dumps({"state": "error", "kind": "driver", "message": str(exc)})); raise SystemExit
url = os.environ["WEBKIT_DATABASE_URL"]
name = conninfo_to_dict(url).get("dbname")
AUTH = ("authentication failed", "no password supplied", "permission denied", "pg_hba.conf",
        "password is required")
REFUSED = ("connection refused", "could not connect", "timeout expired", "no such file or directory",
           "name or service not known", "failed to resolve host", "could not translate host name",
           "temporary failure in name resolution", "network is unreachable", "no route to host")
def detail(exc):
    # The first line, without libpq's 'connection to server at "h", port p failed:' prefix.
    line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    line = re.sub(r'^connection (failed|is bad): ', "", line)
    line = re.sub(r'^connection to server (at|on) .*? failed: ', "", line)
    return re.sub(r'^(FATAL|ERROR): +', "", line).strip()
def kind_of(exc):
    low = str(exc).lower()
    if ("role" in low and "does not exist" in low) or any(word in low for word in AUTH):
        return "auth"
    if any(word in low for word in REFUSED):
        return "refused"
    return "other"
def answer(**fields):
    print(json.dumps(fields))
def create():
    failure = None
    for maintenance in ("postgres", "template1"):
        try:
            conn = psycopg.connect(make_conninfo(url, dbname=maintenance), autocommit=True,
                                   connect_timeout=5)
        except psycopg.OperationalError as exc:  # not there, or not for us: try the next one
            failure = failure or exc
            continue
        with conn:
            try:
                conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
            except errors.DuplicateDatabase:  # created meanwhile, e.g. by another `webkit setup`
                return answer(state="exists", name=name)
            except psycopg.Error as exc:
                return answer(state="error", kind="create", message=detail(exc))
        return answer(state="created", name=name)
    answer(state="error", kind="create", message=detail(failure))
try:
    psycopg.connect(url, connect_timeout=5).close()
    answer(state="exists", name=name)
except psycopg.OperationalError as exc:
    if name and f'database "{name}" does not exist' in str(exc):
        create()
    else:
        answer(state="error", kind=kind_of(exc), message=detail(exc))
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
    if not parts.hostname:  # libpq's default: the server's Unix socket on this machine
        return "the local socket"
    return f"{parts.hostname}:{parts.port or 5432}"


def ensure(project: Project, url: str) -> Outcome:
    """Create the database named in `url` when it does not exist; explain failures clearly."""
    result = runner.run(
        [str(project.python), "-c", _ENSURE],
        cwd=project.root,
        env=runner.child_env({"WEBKIT_DATABASE_URL": libpq_url(url)}, venv=project.venv),
        timeout=60,
    )
    try:
        answer = json.loads(result.output.strip().splitlines()[-1])
    except (ValueError, IndexError):
        raise StepFailed(f"checking the database failed: {result.tail()}") from None
    if answer["state"] in ("exists", "created"):
        return Outcome(answer["state"], answer["name"])
    kind, detail = answer.get("kind"), answer.get("message", "")
    parts = urlsplit(url)
    where = _where(url)
    user = f"user '{unquote(parts.username)}'" if parts.username else "your user name"
    name = unquote(parts.path.lstrip("/"))
    if kind == "refused":
        raise StepFailed(
            f"PostgreSQL at {where} does not answer ({detail})",
            "start the server (or fix the host and port of DATABASE_URL in .env), "
            "then run `webkit setup`",
        )
    if kind == "auth":
        raise StepFailed(
            f"PostgreSQL at {where} refused the credentials: {user} ({detail})",
            "fix the user name and password of DATABASE_URL in .env, then run `webkit setup`",
        )
    if kind == "create":
        raise StepFailed(
            f"the database '{name}' does not exist on {where}, and {user} could not "
            f"create it ({detail})",
            f"create it (createdb {name}), or use a user allowed to create databases, "
            "then run `webkit setup`",
        )
    if kind == "driver":
        raise StepFailed(
            f"the project's .venv has no PostgreSQL driver ({detail})",
            "run `webkit setup` to install the locked dependencies",
        )
    raise StepFailed(
        f"the database {redact(url)} could not be prepared: {detail}",
        "fix DATABASE_URL in .env or the server, then run `webkit setup`",
    )
