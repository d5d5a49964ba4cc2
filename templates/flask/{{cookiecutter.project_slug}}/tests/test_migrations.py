from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect

from {{ cookiecutter.package_name }}.extensions import db


def test_migrations_create_what_the_models_describe(make_app, tmp_path):
    """Fails when a model changed without a migration: run `flask db migrate`."""
    url = f"sqlite:///{tmp_path / 'migrations.db'}"
    app = make_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []
        downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
