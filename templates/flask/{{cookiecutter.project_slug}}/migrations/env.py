"""Alembic environment for Flask-Migrate: the app's engine and metadata drive the migrations."""

import logging
from logging.config import fileConfig
from typing import Any, Literal

from alembic import context
from flask import current_app
from sqlalchemy.types import TypeDecorator

config = context.config

# Keep the loggers that already exist (the app's), so running migrations in-process (the
# tests do) does not silence them.
if config.config_file_name is not None:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

migrate = current_app.extensions["migrate"]
target_metadata = migrate.db.metadata
config.set_main_option(
    "sqlalchemy.url",
    migrate.db.engine.url.render_as_string(hide_password=False).replace("%", "%%"),
)


def render_item(type_: str, obj: Any, autogen_context: Any) -> str | Literal[False]:
    """Write a column type of the app's own (a TypeDecorator, such as models.UTCDateTime) as
    the type it stores, so that the migration needs nothing from the app."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def run_migrations_offline() -> None:
    """Write the SQL to stdout instead of running it (`flask db upgrade --sql`)."""
    context.configure(
        url=config.get_main_option("sqlalchemy.url"),
        target_metadata=target_metadata,
        literal_binds=True,
        render_item=render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    """Run the migrations on the app's database."""

    def process_revision_directives(context: Any, revision: Any, directives: list[Any]) -> None:
        # `flask db migrate` writes no empty migration when the models did not change.
        if getattr(config.cmd_opts, "autogenerate", False) and directives[0].upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")

    configure_args = dict(migrate.configure_args)
    configure_args.setdefault("process_revision_directives", process_revision_directives)
    configure_args.setdefault("render_item", render_item)

    with migrate.db.engine.connect() as connection:
        context.configure(connection=connection, target_metadata=target_metadata, **configure_args)
        with context.begin_transaction():
            context.run_migrations()


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
