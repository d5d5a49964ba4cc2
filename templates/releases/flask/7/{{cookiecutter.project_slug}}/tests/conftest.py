from __future__ import annotations

import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from dotenv import dotenv_values
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import URL, Engine, create_engine, make_url, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.pool import NullPool

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.api.items import ItemOut
from {{ cookiecutter.package_name }}.config import database_url
from {{ cookiecutter.package_name }}.extensions import db as _db
from {{ cookiecutter.package_name }}.models import Item

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEST_DATABASE = pytest.StashKey[str]()


def configured_database_url() -> str:
    """TEST_DATABASE_URL, else DATABASE_URL: from the environment, else from .env."""
    dotenv = dotenv_values(PROJECT_ROOT / ".env")
    for name in ("TEST_DATABASE_URL", "DATABASE_URL"):
        value = os.environ.get(name) or dotenv.get(name)
        if value:
            return value
    return ""


@dataclass(frozen=True)
class Server:
    """A database server the tests can run on, and what CREATE and DROP DATABASE need there."""

    title: str
    maintenance: str | None  # the database to connect to for them (None: no database)
    create: str = ""
    drop: str = ""
    fix: str = ""


SERVERS = {
    "postgresql": Server(
        "PostgreSQL",
        maintenance="postgres",
        # FORCE (PostgreSQL 13+): connections a failed test left open cannot keep it alive.
        drop=" WITH (FORCE)",
        fix="let the user create databases (ALTER ROLE ... CREATEDB)",
    ),
    "mysql": Server(
        "MySQL",
        maintenance=None,
        create=" CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci",
        fix="let the user create databases (GRANT ALL ON *.* TO ...)",
    ),
}


def server_engine(url: URL) -> Engine:
    """An engine on the server outside the project's database, where CREATE and DROP run."""
    maintenance = SERVERS[url.get_backend_name()].maintenance
    return create_engine(
        url.set(database=maintenance), isolation_level="AUTOCOMMIT", poolclass=NullPool
    )


@pytest.fixture(scope="session", autouse=True)
def test_database(pytestconfig: pytest.Config) -> Iterator[None]:
    """Keep the tests off the development database.

    On SQLite each app gets a fresh in-memory database (see TestingConfig). When the project
    uses a database server (TEST_DATABASE_URL or DATABASE_URL), the run creates a database of
    its own on that server, `<name>_test_<random>`, points TEST_DATABASE_URL at it, and drops
    it at the end, also when tests fail.
    """
    url = make_url(database_url(configured_database_url() or "sqlite://"))
    server = SERVERS.get(url.get_backend_name())
    if server is None:
        yield
        return
    name = f"{url.database}_test_{secrets.token_hex(4)}"
    engine = server_engine(url)
    quoted = engine.dialect.identifier_preparer.quote(name)
    try:
        with engine.connect() as connection:
            connection.execute(text(f"CREATE DATABASE {quoted}{server.create}"))
    except DBAPIError as error:
        pytest.exit(
            f"The tests run on {server.title}, in a database of their own, but creating "
            f"{name} failed: {error.orig}\nStart the server, or {server.fix}, or run the "
            "tests on SQLite: TEST_DATABASE_URL=sqlite://",
            returncode=pytest.ExitCode.USAGE_ERROR,
        )
    try:
        with pytest.MonkeyPatch.context() as patch:
            test_url = url.set(database=name).render_as_string(hide_password=False)
            patch.setenv("TEST_DATABASE_URL", test_url)
            yield
    finally:
        with engine.connect() as connection:
            connection.execute(text(f"DROP DATABASE IF EXISTS {quoted}{server.drop}"))
        engine.dispose()
    pytestconfig.stash[TEST_DATABASE] = f"{server.title}, in {name}"


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    where = config.stash.get(TEST_DATABASE, None)
    if where:
        terminalreporter.write_line(
            f"The tests ran on {where}, a database created for this run and dropped."
        )


@pytest.fixture
def app() -> Iterator[Flask]:
    """The app in testing mode, on the tests' database with the tables created.

    Each test gets a fresh in-memory SQLite database, or the run's database on the server with
    its tables emptied afterwards (kept: creating and dropping them for every test would make
    the suite several times slower on a server, where each is a synced schema change).
    """
    app = create_app("testing")
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
        if _db.engine.url.get_backend_name() in SERVERS:
            with _db.engine.begin() as connection:
                for table in reversed(_db.metadata.sorted_tables):
                    connection.execute(table.delete())
        else:
            _db.drop_all()
        _db.engine.dispose()


@pytest.fixture
def make_app() -> Iterator[Callable[..., Flask]]:
    """`create_app(config)` for tests that need a configuration of their own."""
    apps: list[Flask] = []

    def make(config: str | dict[str, Any] | None = None) -> Flask:
        app = create_app(config)
        apps.append(app)
        return app

    yield make
    for app in apps:  # close their database connections
        with app.app_context():
            _db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def db(app: Flask) -> Iterator[SQLAlchemy]:
    """The database, inside an application context, for tests that use it directly."""
    with app.app_context():
        yield _db


@pytest.fixture
def make_item(app: Flask) -> Callable[..., dict[str, Any]]:
    """Create an item in the database and return it as the API shows it."""

    def make(name: str = "Widget", description: str | None = None) -> dict[str, Any]:
        with app.app_context():
            item = Item(name=name, description=description)
            _db.session.add(item)
            _db.session.commit()
            return ItemOut.model_validate(item).model_dump(mode="json")

    return make
