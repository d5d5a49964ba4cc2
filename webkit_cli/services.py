"""The servers a project talks to, as its settings name them (DATABASE_URL, and REDIS_URL for
background jobs): whether each answers, and the database's table of applied migrations, read
without changing anything and without importing the framework.

- SQLite: read in this process (the standard library's sqlite3), opened so that nothing is
  written, not even the journal files of a write-ahead log.
- PostgreSQL and MySQL/MariaDB: through the project's .venv, which has the driver (webkit
  carries none), in one short child process; the URL travels in its environment, never on a
  command line.
- Redis: its protocol's PING, over a socket.

A kind of server is one entry in KINDS (the URL schemes it answers to) and one probe; a service
a project uses is one entry in SERVICES.
"""

from __future__ import annotations

import json
import socket
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from webkit_cli import runner
from webkit_cli.project import Project

# URL scheme (before any "+driver") -> kind of server
KINDS = {
    "sqlite": "sqlite",
    "postgres": "postgres",
    "postgresql": "postgres",
    "pgsql": "postgres",
    "mysql": "mysql",
    "mysql2": "mysql",
    "mariadb": "mysql",
    "redis": "redis",
    "rediss": "redis",
}
TITLES = {"sqlite": "SQLite", "postgres": "PostgreSQL", "mysql": "MySQL", "redis": "Redis"}
TIMEOUT = 3.0  # seconds to connect: a server on this network answers well within it


@dataclass(frozen=True)
class Answer:
    """What a probe found. `rows`: the migration table's rows, or None when the database has
    no such table (nothing applied yet) or was not asked."""

    ok: bool
    where: str  # "PostgreSQL shop at 127.0.0.1:5432", for messages
    problem: str = ""  # "refused", "auth", "missing", "driver", "other"
    message: str = ""
    rows: list[tuple] | None = None


@dataclass(frozen=True)
class Service:
    name: str
    setting: str  # the variable with its URL
    default: str  # what the project uses without it ({package} is replaced)
    wanted: Callable[[Project], bool]


def _jobs_broker(proj: Project) -> bool:
    """Background jobs on a broker: `[tool.webkit] features` records `jobs`, as a name, a
    backend ("redis") or a table with `backend`; "database" jobs need no broker."""
    table = proj.pyproject.get("tool", {}).get("webkit", {})
    features = table.get("features", {}) if isinstance(table, dict) else {}
    if isinstance(features, list):
        return "jobs" in features
    jobs = features.get("jobs") if isinstance(features, dict) else None
    if isinstance(jobs, dict):
        jobs = jobs.get("backend", True)
    return bool(jobs) and jobs != "database"


SERVICES = (Service("broker", "REDIS_URL", "redis://127.0.0.1:6379/0", _jobs_broker),)


def kind(url: str) -> str | None:
    scheme = urlsplit(url).scheme.split("+", 1)[0].lower()
    return KINDS.get(scheme)


def redact(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    return url.replace(f":{parts.password}@", ":***@", 1)


def _host(url: str, default_port: int) -> str:
    parts = urlsplit(url)
    if not parts.hostname:
        return "the local socket"
    return f"{parts.hostname}:{parts.port or default_port}"


# -- SQLite -------------------------------------------------------------------------------------


def sqlite_path(url: str, folder: Path) -> Path | None:
    """The file of a SQLAlchemy or django-environ SQLite URL; a relative path is relative to
    `folder`. None: an in-memory database."""
    path = url.split("://", 1)[1].split("?", 1)[0] if "://" in url else ""
    path = unquote(path[1:] if path.startswith("/") else path)  # sqlite:///rel, sqlite:////abs
    if path in ("", ":memory:"):
        return None
    return Path(path) if Path(path).is_absolute() else folder / path


def probe_sqlite(path: Path | None, query: str | None, table: str | None, shown: str) -> Answer:
    import sqlite3
    from urllib.parse import quote

    where = f"SQLite {shown}"
    if path is None:
        return Answer(True, "SQLite in memory", rows=None)
    if not path.is_file():
        return Answer(False, where, "missing", "the database file does not exist yet")
    # immutable: no lock and no journal file, so nothing on disk changes. Only right while no
    # write-ahead log holds newer pages: if one does (a server has the database open), a plain
    # read-only open reads it, with the journal files that are already there.
    wal = path.with_name(path.name + "-wal")
    mode = "mode=ro" if wal.exists() else "immutable=1"
    try:
        connection = sqlite3.connect(f"file:{quote(str(path))}?{mode}", uri=True, timeout=TIMEOUT)
        try:
            rows = None
            exists = connection.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (table or "",)
            ).fetchone()
            if query and exists:
                rows = [tuple(row) for row in connection.execute(query).fetchall()]
        finally:
            connection.close()
    except sqlite3.Error as exc:
        return Answer(False, where, "other", str(exc))
    return Answer(True, where, rows=rows)


# -- PostgreSQL and MySQL, through the project's .venv ------------------------------------------

# Runs in the project's .venv: connect, and read the migration table if it is there. Prints one
# JSON line. The request (with the URL) comes in the environment.
_SERVER_PROBE = r"""
import json, os, re
from urllib.parse import unquote, urlsplit, parse_qs
request = json.loads(os.environ["WEBKIT_PROBE"])
kind, url, table, query = request["kind"], request["url"], request["table"], request["query"]
def answer(**fields):
    print(json.dumps(fields, default=str))
def first_line(exc):
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    text = re.sub(r'^connection (failed|is bad): ', "", text)
    text = re.sub(r'^connection to server (at|on) .*? failed: ', "", text)
    return re.sub(r'^(FATAL|ERROR): +', "", text).strip()
def postgres():
    try:
        import psycopg as driver
        connect = lambda: driver.connect(url, connect_timeout=request["timeout"], autocommit=True)
    except ImportError:
        import psycopg2 as driver
        connect = lambda: driver.connect(url, connect_timeout=request["timeout"])
    try:
        connection = connect()
    except driver.OperationalError as exc:
        low = str(exc).lower()
        if re.search(r'database ".*" does not exist', low):
            return answer(problem="missing", message=first_line(exc))
        auth = ("authentication failed", "password", "permission denied", "pg_hba.conf")
        if any(w in low for w in auth) or ("role" in low and "does not exist" in low):
            return answer(problem="auth", message=first_line(exc))
        return answer(problem="refused", message=first_line(exc))
    with connection:
        cursor = connection.cursor()
        cursor.execute("SELECT to_regclass(%s)", (table,))
        rows = None
        if cursor.fetchone()[0] is not None:
            cursor.execute(query)
            rows = [list(row) for row in cursor.fetchall()]
    answer(problem="", rows=rows)
def mysql():
    parts = urlsplit(url)
    options = {k: v[-1] for k, v in parse_qs(parts.query).items()}
    kwargs = dict(host=parts.hostname or "localhost", port=parts.port or 3306,
                  user=unquote(parts.username or ""), password=unquote(parts.password or ""),
                  database=unquote(parts.path.lstrip("/")), connect_timeout=int(request["timeout"]))
    if "unix_socket" in options:
        kwargs["unix_socket"] = options["unix_socket"]
    try:
        import pymysql as driver
    except ImportError:
        import MySQLdb as driver
        kwargs["passwd"], kwargs["db"] = kwargs.pop("password"), kwargs.pop("database")
    try:
        connection = driver.connect(**kwargs)
    except driver.OperationalError as exc:
        code = exc.args[0] if exc.args else 0
        problem = {1049: "missing", 1045: "auth", 1044: "auth", 1698: "auth"}.get(code, "refused")
        return answer(problem=problem, message=str(exc.args[1] if len(exc.args) > 1 else exc))
    try:
        cursor = connection.cursor()
        cursor.execute("SELECT COUNT(*) FROM information_schema.tables "
                       "WHERE table_schema = DATABASE() AND table_name = %s", (table,))
        rows = None
        if cursor.fetchone()[0]:
            cursor.execute(query)
            rows = [list(row) for row in cursor.fetchall()]
    finally:
        connection.close()
    answer(problem="", rows=rows)
try:
    {"postgres": postgres, "mysql": mysql}[kind]()
except ImportError as exc:
    answer(problem="driver", message=str(exc))
except Exception as exc:
    answer(problem="other", message=first_line(exc))
"""

_DRIVER_URL = {"postgres": "postgresql", "mysql": "mysql"}
_PORTS = {"postgres": 5432, "mysql": 3306, "redis": 6379}


def probe_server(
    proj: Project, server: str, url: str, query: str | None, table: str | None
) -> Answer:
    """Connect to a PostgreSQL or MySQL database with the project's own driver."""
    parts = urlsplit(url)
    name = unquote(parts.path.lstrip("/"))
    where = f"{TITLES[server]} database {name} at {_host(url, _PORTS[server])}"
    if not proj.python.is_file():
        return Answer(False, where, "driver", "the project's .venv, which has it, is missing")
    request = {
        "kind": server,
        # libpq and the MySQL drivers know neither "+psycopg" nor django-environ's schemes
        "url": parts._replace(scheme=_DRIVER_URL[server]).geturl(),
        "table": table or "",
        "query": query or "SELECT 1",
        "timeout": TIMEOUT,
    }
    result = runner.run(
        [str(proj.python), "-c", _SERVER_PROBE],
        cwd=proj.root,
        env=runner.child_env({"WEBKIT_PROBE": json.dumps(request)}, venv=proj.venv),
        timeout=30,
    )
    try:
        reply = json.loads(result.output.strip().splitlines()[-1])
    except (ValueError, IndexError):
        return Answer(False, where, "other", result.tail())
    if reply.get("problem"):
        return Answer(False, where, reply["problem"], reply.get("message", ""))
    rows = reply.get("rows")
    return Answer(True, where, rows=None if rows is None else [tuple(r) for r in rows])


# -- Redis --------------------------------------------------------------------------------------


def _command(*words: str) -> bytes:
    parts = [f"*{len(words)}\r\n".encode()]
    for word in words:
        data = word.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(data), data))
    return b"".join(parts)


def probe_redis(url: str) -> Answer:
    """PING, after AUTH when the URL has credentials: a server that answers PONG is there."""
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 6379
    where = f"Redis at {host}:{port}"
    try:
        with socket.create_connection((host, port), timeout=TIMEOUT) as raw:
            sock = raw
            if parts.scheme == "rediss":
                import ssl

                sock = ssl.create_default_context().wrap_socket(raw, server_hostname=host)
            reader = sock.makefile("rb")
            if parts.password is not None:
                user = [unquote(parts.username)] if parts.username else []
                sock.sendall(_command("AUTH", *user, unquote(parts.password)))
                reply = reader.readline()
                if not reply.startswith(b"+"):
                    return Answer(
                        False, where, "auth", reply.decode(errors="replace").strip("-\r\n")
                    )
            sock.sendall(_command("PING"))
            reply = reader.readline()
    except OSError as exc:
        return Answer(False, where, "refused", exc.strerror or str(exc))
    if reply.startswith(b"+PONG"):
        return Answer(True, where)
    text = reply.decode(errors="replace").strip("-\r\n") or "no answer"
    problem = "auth" if text.upper().startswith(("NOAUTH", "WRONGPASS")) else "other"
    return Answer(False, where, problem, text)


def probe(
    proj: Project,
    url: str,
    *,
    sqlite_folder: Path,
    query: str | None = None,
    table: str | None = None,
) -> Answer | None:
    """Whether the server of `url` answers (and the rows of `query`, if its `table` exists);
    None for a kind of server webkit cannot check."""
    server = kind(url)
    if server == "sqlite":
        path = sqlite_path(url, sqlite_folder)
        shown = path.relative_to(proj.root) if path and path.is_relative_to(proj.root) else path
        return probe_sqlite(path, query, table, str(shown))
    if server in ("postgres", "mysql"):
        return probe_server(proj, server, url, query, table)
    if server == "redis":
        return probe_redis(url)
    return None
