"""End to end on a real PostgreSQL server.

`webkit new --db postgres` creates the development database and migrates it; the project's own
tests run on a database of their own (the development data stays as it was); `/healthz` and the
API answer from the server. When the server cannot be used (nothing listens, the user does not
exist, the user may not create the database) the project is kept with a message that names the
cause, `webkit setup` fails with the same message, and finishes the job once DATABASE_URL in
.env is right.

The server: WEBKIT_TEST_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432), as a user
who may create databases and roles. Without a server the tests skip, and fail instead under
WEBKIT_REQUIRE_TOOLS=1. Every database and role they make is named wk_<run>_... and dropped at the
end of the module, with the test databases the projects' own test runs might have left.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from tests.conftest import REQUIRE_TOOLS
from tests.test_e2e_new import in_venv, webkit
from tests.test_e2e_serve import Server, fetch
from webkit_cli import frameworks, project_commands
from webkit_cli import project as projects

pytestmark = pytest.mark.e2e

FRAMEWORKS = ["flask", "django"]
ADMIN_URL = os.environ.get("WEBKIT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
RUN = secrets.token_hex(3)
PREFIX = f"wk_{RUN}_"
NAME = "pg-shop"
PACKAGE = "pg_shop"
TABLE = {"flask": "item", "django": f"{PACKAGE}_item"}

# Run by psycopg in a small venv of the tests' own: one statement, the rows as JSON.
SQL = r"""
import json, os, sys
import psycopg
from psycopg.conninfo import make_conninfo
url = make_conninfo(os.environ["WK_ADMIN_URL"], dbname=sys.argv[1])
with psycopg.connect(url, autocommit=True, connect_timeout=10) as conn:
    cursor = conn.execute(sys.argv[2], sys.argv[3:] or None)
    print(json.dumps(cursor.fetchall() if cursor.description else [], default=str))
"""

# Prints "ready", then the name of every database created on the server until it is stopped.
WATCH = r"""
import os, time
import psycopg
with psycopg.connect(os.environ["WK_ADMIN_URL"], autocommit=True) as conn:
    query = "SELECT datname FROM pg_database"
    seen = {name for (name,) in conn.execute(query)}
    print("ready", flush=True)
    while True:
        for (name,) in conn.execute(query):
            if name not in seen:
                seen.add(name)
                print(name, flush=True)
        time.sleep(0.02)
"""


# Drops the databases (FORCE: also with connections left open) and roles of this run.
DROP = r"""
import json, os, sys
import psycopg
from psycopg import sql
prefix = sys.argv[1]
ours = "SELECT datname FROM pg_database WHERE strpos(datname, %s) > 0"
with psycopg.connect(os.environ["WK_ADMIN_URL"], autocommit=True) as conn:
    for (name,) in conn.execute(ours, [prefix]).fetchall():
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
    roles = "SELECT rolname FROM pg_roles WHERE strpos(rolname, %s) = 1"
    for (role,) in conn.execute(roles, [prefix]).fetchall():
        conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(role)))
    print(json.dumps([name for (name,) in conn.execute(ours, [prefix])]))
"""


def need_server(reason: str) -> None:
    """tests/conftest.py's need_tool, for a server: skip, or fail under WEBKIT_REQUIRE_TOOLS=1."""
    if REQUIRE_TOOLS:
        pytest.fail(f"{reason} (WEBKIT_REQUIRE_TOOLS=1 forbids skipping)")
    pytest.skip(reason)


class Postgres:
    """The test server, as its administrator, through psycopg in a venv of the tests' own."""

    def __init__(self, python: Path, url: str):
        self.python = python
        self.admin = url
        parts = urlsplit(url)
        self.user = parts.username or ""
        self.password = parts.password
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 5432

    def run(self, script: str, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.python), "-c", script, *args],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "WK_ADMIN_URL": self.admin},
        )

    def sql(self, statement: str, *params: str, database: str = "postgres") -> list[list]:
        result = self.run(SQL, database, statement, *params)
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads(result.stdout)

    # `table` below is one of TABLE's names, never input.
    def items(self, database: str, table: str) -> list[list]:
        query = f"SELECT id, name, description FROM {table} ORDER BY id"  # noqa: S608
        return self.sql(query, database=database)

    def add_item(self, database: str, table: str, name: str, description: str = "") -> None:
        query = (
            f"INSERT INTO {table} (name, description, created_at, updated_at) "  # noqa: S608
            "VALUES (%s, %s, now(), now())"
        )
        self.sql(query, name, description, database=database)

    def exists(self, database: str) -> bool:
        return bool(self.sql("SELECT 1 FROM pg_database WHERE datname = %s", database))

    def url(
        self,
        database: str,
        *,
        user: str | None = None,
        password: str | None = None,
        port: int | None = None,
        scheme: str = "postgresql://",
    ) -> str:
        user = self.user if user is None else user
        password = self.password if password is None else password
        credentials = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
        return f"{scheme}{credentials}@{self.host}:{port or self.port}/{database}"

    @contextlib.contextmanager
    def watch(self) -> Iterator[list[str]]:
        """The databases created on the server while the block runs."""
        watcher = subprocess.Popen(
            [str(self.python), "-c", WATCH],
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, "WK_ADMIN_URL": self.admin},
        )
        created: list[str] = []
        try:
            first = watcher.stdout.readline()
            assert first.strip() == "ready", first
            yield created
            time.sleep(0.2)
        finally:
            watcher.terminate()
            output, _ = watcher.communicate(timeout=30)
        created += output.split()

    def drop_ours(self) -> list[str]:
        """Drop every database and role named with this run's prefix; the databases left."""
        result = self.run(DROP, PREFIX)
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads(result.stdout)


@pytest.fixture(scope="module", autouse=True)
def no_database_in_the_environment() -> Iterator[None]:
    """The projects' .env decides; a DATABASE_URL of the machine running the tests would win."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("DATABASE_URL", "TEST_DATABASE_URL"):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(scope="module")
def pg(tmp_path_factory) -> Iterator[Postgres]:
    parts = urlsplit(ADMIN_URL)
    host, port = parts.hostname or "127.0.0.1", parts.port or 5432
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        need_server(
            f"no PostgreSQL server answers at {host}:{port} ({exc.strerror or exc}); "
            "start one or set WEBKIT_TEST_POSTGRES_URL"
        )
    venv = tmp_path_factory.mktemp("pg-admin") / "venv"
    for argv in (
        [sys.executable, "-m", "uv", "venv", "-q", "--python", sys.executable, str(venv)],
        [
            sys.executable,
            "-m",
            "uv",
            "pip",
            "install",
            "-q",
            "--python",
            str(venv / "bin" / "python"),
            "psycopg[binary]>=3.2,<4",
        ],
    ):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    server = Postgres(venv / "bin" / "python", ADMIN_URL)
    probe = server.run(SQL, "postgres", "SELECT 1")
    if probe.returncode != 0:
        need_server(
            f"PostgreSQL at {host}:{port} refused the tests' administrator: "
            f"{probe.stderr.strip().splitlines()[-1]}; set WEBKIT_TEST_POSTGRES_URL to a user "
            "who may create databases and roles"
        )
    try:
        yield server
    finally:
        assert server.drop_ours() == []


@pytest.fixture(scope="module")
def nocreate(pg: Postgres) -> tuple[str, str]:
    """A role that may log in but not create databases: its name and password."""
    role, password = f"{PREFIX}nocreate", secrets.token_hex(8)
    pg.sql(f"CREATE ROLE \"{role}\" LOGIN NOCREATEDB PASSWORD '{password}'")
    return role, password


@dataclass
class Built:
    root: Path
    framework: str
    database: str
    password: str
    output: str


@pytest.fixture(scope="module", params=FRAMEWORKS)
def built(request, pg: Postgres, tmp_path_factory) -> Built:
    """`webkit new --database-url` on the server, with a password in the URL (unused under
    trust authentication) to follow where it goes."""
    framework = request.param
    database = f"{PREFIX}{framework}"
    password = pg.password or f"pw-{secrets.token_hex(8)}"
    url = pg.url(database, password=password)
    where = tmp_path_factory.mktemp(f"pg-{framework}")
    result = webkit("new", NAME, "--framework", framework, "--database-url", url, "-y", cwd=where)
    assert result.returncode == 0, result.stdout + result.stderr
    return Built(where / NAME, framework, database, password, result.stdout + result.stderr)


def test_new_creates_the_database_and_migrates_it(built: Built, pg: Postgres):
    assert f"Created database {built.database}" in built.output
    assert "Applied the initial migration" in built.output
    assert "skipped" not in built.output
    assert pg.exists(built.database)
    table = TABLE[built.framework]
    assert pg.sql("SELECT to_regclass(%s)::text", table, database=built.database) == [[table]]
    assert project_commands.migrations_pending(projects.load(built.root)) is False
    setup = webkit("setup", cwd=built.root)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert f"Database {built.database} exists" in setup.stdout
    assert "Nothing to do" in setup.stdout


def committed_equals_pristine(root: Path, scratch: Path) -> None:
    """After the whole of `webkit new` (installs, database, migration), the first commit holds
    exactly the render of the project's record (its migrations included), lock files aside."""
    from tests.test_pristine import committed, rendered_again

    again = rendered_again(root, scratch)
    assert again == committed(root, again)


def test_postgres_project_is_ruff_clean_and_rendered_again_exactly(built: Built, tmp_path: Path):
    for args in (["check", "."], ["format", "--check", "."]):
        result = in_venv(built.root, "-m", "ruff", *args)
        assert result.returncode == 0, result.stdout + result.stderr
    committed_equals_pristine(built.root, tmp_path)


def test_database_url_is_in_env_only(built: Built, pg: Postgres):
    scheme = frameworks.get(built.framework).url_schemes["postgres"]
    expected = pg.url(built.database, password=built.password, scheme=scheme)
    assert f"DATABASE_URL={expected}\n" in (built.root / ".env").read_text()
    assert built.password not in built.output
    tracked = subprocess.run(
        ["git", "ls-files"], cwd=built.root, capture_output=True, text=True, check=True
    ).stdout.split()
    assert ".env" not in tracked
    assert ".env.example" in tracked
    grep = subprocess.run(["git", "grep", "-F", "-e", built.password], cwd=built.root)
    assert grep.returncode == 1, "the database password is in a tracked file"
    example = (built.root / ".env.example").read_text()
    line = next(x for x in example.splitlines() if x.startswith("DATABASE_URL="))
    assert line.startswith(f"DATABASE_URL={scheme}")
    assert "@" not in line


def test_project_tests_run_on_a_database_of_their_own(built: Built, pg: Postgres):
    table = TABLE[built.framework]

    pg.add_item(built.database, table, "Development data", "must survive the tests")
    before = pg.items(built.database, table)
    with pg.watch() as created:
        result = in_venv(built.root, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
    assert "failed" not in result.stdout
    # pytest-django makes test_<NAME>; the Flask fixtures <NAME>_test_<random>.
    pattern = {
        "flask": rf"{built.database}_test_[0-9a-f]{{8}}",
        "django": rf"test_{built.database}",
    }[built.framework]
    ours = [name for name in created if built.database in name]
    assert len(ours) == 1, created
    assert re.fullmatch(pattern, ours[0]), ours
    assert not pg.exists(ours[0]), "the test database was not dropped"
    if built.framework == "flask":
        assert f"The tests ran on PostgreSQL, in {ours[0]}, a database created" in result.stdout
    assert pg.items(built.database, table) == before
    assert [row[1] for row in before] == ["Development data"]


def test_healthz_and_api_answer_from_the_server(built: Built, pg: Postgres):
    name = f"Served from {RUN}"
    pg.add_item(built.database, TABLE[built.framework], name)
    api_path = frameworks.get(built.framework).api_path
    server = Server(built.root)
    try:
        server.wait_ready()
        status, _, body = fetch(server.url + "/healthz")
        assert status == 200, body
        assert json.loads(body) == {"status": "ok", "database": "ok"}
        status, _, body = fetch(server.url + api_path)
        assert status == 200, body
        assert name in [item["name"] for item in json.loads(body)["items"]]
    finally:
        code = server.stop()
    assert code in (0, 143), server.output()


def closed_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return probe.getsockname()[1]


@pytest.mark.parametrize("fault", ["refused", "auth", "create"])
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_database_fault_keeps_the_project_and_setup_finishes_it(
    pg: Postgres, nocreate: tuple[str, str], tmp_path: Path, framework: str, fault: str
):
    database = f"{PREFIX}{framework}_{fault}"
    where = f"{pg.host}:{pg.port}"
    if fault == "refused":
        port = closed_port(pg.host)
        url = pg.url(database, port=port)
        where = f"{pg.host}:{port}"
    elif fault == "auth":
        url = pg.url(database, user=f"{PREFIX}nobody", password="wrong")
    else:
        url = pg.url(database, user=nocreate[0], password=nocreate[1])
    messages = {
        "refused": f"PostgreSQL at {where} does not answer",
        "auth": f"PostgreSQL at {where} refused the credentials: user '{PREFIX}nobody'",
        "create": f"the database '{database}' does not exist on {where}, and user "
        f"'{nocreate[0]}' could not create it (permission denied to create database)",
    }

    result = webkit(
        "new", NAME, "--framework", framework, "--database-url", url, "-y", "--no-git", cwd=tmp_path
    )
    output = result.stdout + result.stderr
    # A step failed: exit 1, the project kept, the cause and the way to finish said once.
    assert result.returncode == 1, output
    root = tmp_path / NAME
    assert (root / "pyproject.toml").is_file()
    assert (root / ".venv" / "bin" / "python").is_file()
    assert f"error: {messages[fault]}" in result.stderr
    assert output.count(messages[fault]) == 1, output
    for other, message in messages.items():
        if other != fault:
            assert message not in output
    assert f"hint: the project is kept in {root}; " in result.stderr
    assert "then run `webkit setup`" in result.stderr
    assert "Applied the initial migration" not in output
    assert "webkit setup" in result.stdout.split("Next steps:")[1]
    assert not pg.exists(database)

    again = webkit("setup", cwd=root)
    assert again.returncode == 1, again.stdout + again.stderr
    assert f"error: {messages[fault]}" in again.stderr

    scheme = frameworks.get(framework).url_schemes["postgres"]
    env = root / ".env"
    good = pg.url(database, scheme=scheme)
    env.write_text(re.sub(r"(?m)^DATABASE_URL=.*$", f"DATABASE_URL={good}", env.read_text()))
    fixed = webkit("setup", cwd=root)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert f"Created database {database}" in fixed.stdout
    assert "Applied pending migrations" in fixed.stdout
    table = TABLE[framework]
    assert pg.sql("SELECT to_regclass(%s)::text", table, database=database) == [[table]]


def test_serve_names_a_login_that_fails_rather_than_unapplied_migrations(
    pg: Postgres, tmp_path: Path
):
    """The role does not exist: `webkit serve` says so, where it used to say the database had
    unapplied migrations and suggest --migrate."""
    role = f"{PREFIX}ghost"
    url = pg.url(f"{PREFIX}ghost_db", user=role, password="")
    made = webkit("new", NAME, "-f", "flask", "--database-url", url, "-y", "--no-git", cwd=tmp_path)
    assert made.returncode == 1, made.stdout + made.stderr  # the database step failed
    root = tmp_path / NAME
    server = Server(root)
    try:
        server.wait_ready()
        deadline = time.monotonic() + 60
        while "warning:" not in server.output() and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.5)
    finally:
        server.stop()
    output = server.output()
    assert "unapplied migrations" not in output, output
    lines = output.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("warning:"))
    assert f'role "{role}" does not exist' in lines[at], output
    assert "hint: fix DATABASE_URL in .env" in lines[at + 1], output

    migrate = webkit("serve", "--migrate", "--port", "0", cwd=root, timeout=120)
    assert migrate.returncode == 1, migrate.stdout + migrate.stderr
    assert f'role "{role}" does not exist' in migrate.stderr
    assert "sqlalche.me" not in migrate.stderr
