"""End to end on a real MySQL or MariaDB server, at parity with tests/test_e2e_postgres.py.

`webkit new --db mysql` creates the development database in utf8mb4 and migrates it; the
project's own tests run on a database of their own; the app talks utf8mb4 (an emoji survives the
API) in strict SQL mode; `/healthz` and the API answer from the server. When the server cannot be
used (nothing listens, the password is wrong, the user lacks the privileges) the project is kept
with a message naming the cause, `webkit setup` fails with the same message, and finishes the
job once DATABASE_URL in .env is right.

The server: WEBKIT_TEST_MYSQL_URL (default mysql://root@127.0.0.1:3306), as a user who may create
databases and users. Without a server the tests skip, and fail instead under
WEBKIT_REQUIRE_TOOLS=1. Every database and user they make is named wk_<run>_... (the test
databases also test_wk_<run>_...) and dropped at the end of the module.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import socket
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote, urlsplit

import pytest

from tests.test_e2e_new import in_venv, webkit
from tests.test_e2e_postgres import Built, closed_port, committed_equals_pristine, need_server
from tests.test_e2e_serve import Server, fetch
from webkit_cli import frameworks, project_commands
from webkit_cli import project as projects

pytestmark = pytest.mark.e2e

FRAMEWORKS = ["flask", "django"]
ADMIN_URL = os.environ.get("WEBKIT_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306")
RUN = secrets.token_hex(3)
PREFIX = f"wk_{RUN}_"
NAME = "my-shop"
PACKAGE = "my_shop"
TABLE = {"flask": "item", "django": f"{PACKAGE}_item"}

# Run by PyMySQL in a small venv of the tests' own: statements, the last one's rows as JSON.
SQL = r"""
import json, os, sys
from urllib.parse import unquote, urlsplit
import pymysql
url = urlsplit(os.environ["WK_ADMIN_URL"])
conn = pymysql.connect(host=url.hostname, port=url.port or 3306, user=unquote(url.username or ""),
                       password=unquote(url.password or ""), database=sys.argv[1] or None,
                       charset="utf8mb4", autocommit=True, connect_timeout=10)
with conn, conn.cursor() as cursor:
    cursor.execute(sys.argv[2], sys.argv[3:] or None)
    print(json.dumps(cursor.fetchall(), default=str))
"""


class MySQL:
    """The test server, as its administrator, through PyMySQL in a venv of the tests' own."""

    def __init__(self, python: Path, url: str):
        self.python = python
        self.admin = url
        parts = urlsplit(url)
        self.host = parts.hostname or "127.0.0.1"
        self.port = parts.port or 3306

    def run(self, *args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [str(self.python), "-c", SQL, *args],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "WK_ADMIN_URL": self.admin},
        )

    def sql(self, statement: str, *params: str, database: str = "") -> list[list]:
        result = self.run(database, statement, *params)
        assert result.returncode == 0, result.stderr[-2000:]
        return json.loads(result.stdout)

    def databases(self) -> set[str]:
        return {row[0] for row in self.sql("SHOW DATABASES")}

    def exists(self, database: str) -> bool:
        return database in self.databases()

    # `table` below is one of TABLE's names, never input.
    def items(self, database: str, table: str) -> list[list]:
        return self.sql(f"SELECT id, name, description FROM {table} ORDER BY id", database=database)  # noqa: S608

    def add_item(self, database: str, table: str, name: str, description: str = "") -> None:
        query = (
            f"INSERT INTO {table} (name, description, created_at, updated_at) "  # noqa: S608
            "VALUES (%s, %s, NOW(), NOW())"
        )
        self.sql(query, name, description, database=database)

    def url(self, database: str, user: str, password: str, *, port: int | None = None) -> str:
        credentials = quote(user, safe="") + (f":{quote(password, safe='')}" if password else "")
        return f"mysql://{credentials}@{self.host}:{port or self.port}/{database}"

    def drop_ours(self) -> list[str]:
        """Drop every database and user of this run; the databases left."""
        for name in self.databases():
            if name.startswith((PREFIX, f"test_{PREFIX}")):
                self.sql(f"DROP DATABASE IF EXISTS `{name}`")
        for user, host in self.sql("SELECT user, host FROM mysql.user"):
            if user.startswith(PREFIX):
                self.sql(f"DROP USER IF EXISTS '{user}'@'{host}'")
        return [name for name in self.databases() if PREFIX in name]


@pytest.fixture(scope="module", autouse=True)
def no_database_in_the_environment() -> Iterator[None]:
    """The projects' .env decides; a DATABASE_URL of the machine running the tests would win."""
    with pytest.MonkeyPatch.context() as patch:
        for name in ("DATABASE_URL", "TEST_DATABASE_URL"):
            patch.delenv(name, raising=False)
        yield


@pytest.fixture(scope="module")
def my(tmp_path_factory) -> Iterator[MySQL]:
    parts = urlsplit(ADMIN_URL)
    host, port = parts.hostname or "127.0.0.1", parts.port or 3306
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        need_server(
            f"no MySQL server answers at {host}:{port} ({exc.strerror or exc}); "
            "start one or set WEBKIT_TEST_MYSQL_URL"
        )
    venv = tmp_path_factory.mktemp("mysql-admin") / "venv"
    uv = [sys.executable, "-m", "uv"]
    for argv in (
        [*uv, "venv", "-q", "--python", sys.executable, str(venv)],
        [*uv, "pip", "install", "-q", "--python", str(venv / "bin" / "python"), "pymysql>=1.1"],
    ):
        done = subprocess.run(argv, capture_output=True, text=True, timeout=300)
        assert done.returncode == 0, done.stderr[-2000:]
    server = MySQL(venv / "bin" / "python", ADMIN_URL)
    probe = server.run("", "SELECT 1")
    if probe.returncode != 0:
        need_server(
            f"MySQL at {host}:{port} refused the tests' administrator: "
            f"{probe.stderr.strip().splitlines()[-1]}; set WEBKIT_TEST_MYSQL_URL to a user "
            "who may create databases and users"
        )
    try:
        yield server
    finally:
        assert server.drop_ours() == []


def make_user(my: MySQL, name: str, *grants: str) -> tuple[str, str]:
    """A user of this run with a password and these grants (database patterns)."""
    user, password = f"{PREFIX}{name}", secrets.token_hex(8)
    my.sql(f"CREATE USER '{user}'@'%' IDENTIFIED BY '{password}'")
    for pattern in grants:
        my.sql(f"GRANT ALL PRIVILEGES ON `{pattern}`.* TO '{user}'@'%'")
    return user, password


@pytest.fixture(scope="module")
def app_user(my: MySQL) -> tuple[str, str]:
    """The projects' user: its own databases and their test databases, nothing else."""
    escaped = PREFIX.replace("_", "\\_")
    return make_user(my, "app", f"{escaped}%", f"test\\_{escaped}%")


@pytest.fixture(scope="module", params=FRAMEWORKS)
def built(request, my: MySQL, app_user, tmp_path_factory) -> Built:
    framework = request.param
    database = f"{PREFIX}{framework}"
    user, password = app_user
    where = tmp_path_factory.mktemp(f"mysql-{framework}")
    url = my.url(database, user, password)
    result = webkit("new", NAME, "--framework", framework, "--database-url", url, "-y", cwd=where)
    assert result.returncode == 0, result.stdout + result.stderr
    return Built(where / NAME, framework, database, password, result.stdout + result.stderr)


def test_new_creates_the_database_in_utf8mb4_and_migrates_it(built: Built, my: MySQL):
    assert f"Created database {built.database}" in built.output
    assert "Applied the initial migration" in built.output
    assert "skipped" not in built.output
    charset = my.sql(
        "SELECT default_character_set_name FROM information_schema.schemata WHERE schema_name = %s",
        built.database,
    )
    assert charset == [["utf8mb4"]]
    table = TABLE[built.framework]
    collation = my.sql(
        "SELECT table_collation FROM information_schema.tables "
        "WHERE table_schema = %s AND table_name = %s",
        built.database,
        table,
    )
    assert collation[0][0].startswith("utf8mb4_"), collation
    assert project_commands.migrations_pending(projects.load(built.root)) is False
    setup = webkit("setup", cwd=built.root)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert f"Database {built.database} exists" in setup.stdout
    assert "Nothing to do" in setup.stdout


def test_mysql_project_is_ruff_clean_and_rendered_again_exactly(built: Built, tmp_path: Path):
    for args in (["check", "."], ["format", "--check", "."]):
        result = in_venv(built.root, "-m", "ruff", *args)
        assert result.returncode == 0, result.stdout + result.stderr
    committed_equals_pristine(built.root, tmp_path)


def test_database_url_is_in_env_only(built: Built, my: MySQL, app_user):
    scheme = frameworks.get(built.framework).url_schemes["mysql"]
    expected = my.url(built.database, *app_user).replace("mysql://", scheme)
    assert f"DATABASE_URL={expected}\n" in (built.root / ".env").read_text()
    assert built.password not in built.output
    grep = subprocess.run(["git", "grep", "-F", "-e", built.password], cwd=built.root)
    assert grep.returncode == 1, "the database password is in a tracked file"
    lock = (built.root / "requirements.lock").read_text().lower()
    assert re.search(r"^pymysql==", lock, re.M), lock


# What the app's own connection says of its session, through the framework.
SESSION = {
    "flask": (
        "-c",
        "from dotenv import load_dotenv\n"
        "from sqlalchemy import text\n"
        "load_dotenv()\n"
        f"from {PACKAGE} import create_app\n"
        f"from {PACKAGE}.extensions import db\n"
        "with create_app('development').app_context():\n"
        "    row = db.session.execute(text('SELECT @@SESSION.sql_mode, "
        "@@SESSION.character_set_connection')).one()\n"
        "    print(list(row))",
    ),
    "django": (
        "manage.py",
        "shell",
        "-c",
        "from django.db import connection\n"
        "with connection.cursor() as c:\n"
        "    c.execute('SELECT @@SESSION.sql_mode, @@SESSION.character_set_connection')\n"
        "    print(list(c.fetchone()))",
    ),
}


def test_the_app_talks_utf8mb4_in_strict_mode(built: Built):
    result = in_venv(built.root, *SESSION[built.framework])
    assert result.returncode == 0, result.stdout + result.stderr
    sql_mode, charset = json.loads(result.stdout.strip().splitlines()[-1].replace("'", '"'))
    assert "STRICT_TRANS_TABLES" in sql_mode and "STRICT_ALL_TABLES" in sql_mode
    assert charset == "utf8mb4"
    if built.framework == "django":  # Django's own checks for MySQL (mysql.W002 strict mode)
        check = in_venv(built.root, "manage.py", "check", "--database", "default")
        assert check.returncode == 0, check.stdout + check.stderr
        assert "no issues" in check.stdout


def test_project_tests_run_on_a_database_of_their_own(built: Built, my: MySQL):
    table = TABLE[built.framework]
    my.add_item(built.database, table, "Development data", "must survive the tests")
    before = my.items(built.database, table)

    def ours() -> set[str]:
        return {name for name in my.databases() if built.database in name}

    databases = ours()
    result = in_venv(built.root, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
    if built.framework == "flask":
        ran = re.search(
            rf"The tests ran on MySQL, in ({built.database}_test_[0-9a-f]{{8}})", result.stdout
        )
        assert ran, result.stdout[-2000:]
        assert not my.exists(ran[1]), "the test database was not dropped"
    assert ours() == databases == {built.database}  # pytest-django's test_<NAME> is gone too
    assert my.items(built.database, table) == before


def test_healthz_and_api_answer_from_the_server_in_utf8mb4(built: Built, my: MySQL):
    name = f"Café 🍰 {RUN}"  # four bytes in UTF-8: utf8mb4, not MySQL's old three-byte utf8
    my.add_item(built.database, TABLE[built.framework], name)
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


@pytest.mark.parametrize("fault", ["refused", "auth", "privileges"])
@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_database_fault_keeps_the_project_and_setup_finishes_it(
    my: MySQL, app_user, tmp_path: Path, framework: str, fault: str
):
    database = f"{PREFIX}{framework}_{fault}"
    where = f"{my.host}:{my.port}"
    user, password = app_user
    if fault == "refused":
        port = closed_port(my.host)
        url = my.url(database, user, password, port=port)
        where = f"{my.host}:{port}"
    elif fault == "auth":
        url = my.url(database, user, "wrong-password")
    else:
        url = my.url(database, *make_user(my, f"{framework}_nopriv"))
    messages = {
        "refused": f"MySQL at {where} does not answer",
        "auth": f"MySQL at {where} refused the credentials: user '{user}'",
        "privileges": f"MySQL at {where}: user '{PREFIX}{framework}_nopriv' lacks the "
        f"privileges for the database '{database}'",
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
    assert not my.exists(database)

    again = webkit("setup", cwd=root)
    assert again.returncode == 1, again.stdout + again.stderr
    assert f"error: {messages[fault]}" in again.stderr

    scheme = frameworks.get(framework).url_schemes["mysql"]
    env = root / ".env"
    good = my.url(database, user, password).replace("mysql://", scheme)
    env.write_text(re.sub(r"(?m)^DATABASE_URL=.*$", f"DATABASE_URL={good}", env.read_text()))
    fixed = webkit("setup", cwd=root)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    assert f"Created database {database}" in fixed.stdout
    assert "Applied pending migrations" in fixed.stdout
    tables = my.sql("SHOW TABLES", database=database)
    assert [TABLE[framework]] in tables
