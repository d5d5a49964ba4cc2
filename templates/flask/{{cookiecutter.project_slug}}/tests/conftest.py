from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from flask_sqlalchemy import SQLAlchemy

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.extensions import db as _db
from {{ cookiecutter.package_name }}.models import Item


@pytest.fixture
def app() -> Iterator[Flask]:
    """The app in testing mode, on a database of its own with the tables created.

    Each test gets a fresh in-memory SQLite database (or TEST_DATABASE_URL, emptied afterwards).
    """
    app = create_app("testing")
    with app.app_context():
        _db.create_all()
    yield app
    with app.app_context():
        _db.session.remove()
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
            return item.to_dict()

    return make
