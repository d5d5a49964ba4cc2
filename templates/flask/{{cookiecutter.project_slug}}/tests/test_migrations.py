from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from {{ cookiecutter.package_name }}.extensions import db


def test_migrations_create_what_the_models_describe(make_app):
    """Fails when a model changed without a migration: run `flask db migrate`.

    On the tests' database, so a PostgreSQL project checks its migrations on PostgreSQL.
    """
    app = make_app("testing")
    with app.app_context():
        db.drop_all()  # on a server, the tables other tests keep: the migrations make them
        upgrade()
        with db.engine.connect() as connection:
            assert compare_metadata(MigrationContext.configure(connection), db.metadata) == []
        downgrade(revision="base")
        assert inspect(db.engine).get_table_names() == ["alembic_version"]
        with db.engine.begin() as connection:
            connection.execute(text("DROP TABLE alembic_version"))
