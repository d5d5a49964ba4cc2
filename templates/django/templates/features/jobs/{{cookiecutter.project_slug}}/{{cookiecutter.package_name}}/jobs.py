"""Background jobs with Huey: enqueueing after a commit, and the queue's health.

The tasks are in tasks.py; config/settings.py (HUEY) says where the queue is, and
`manage.py run_huey` runs the worker. (djhuey.HUEY is looked up when used: djhuey may
import this module while it starts.)
"""

from __future__ import annotations

import logging
from typing import Any
{% if cookiecutter._features.jobs.backend == "redis" %}
from django.db import transaction
from huey.contrib import djhuey
{%- else %}
from django.db import connections, transaction
from huey import Huey
from huey.contrib import djhuey
from huey.contrib.sql_huey import SqlStorage
from peewee import Database, MySQLDatabase, PostgresqlDatabase, SqliteDatabase
{%- endif %}

log = logging.getLogger(__name__)


def enqueue_after_commit(task: Any, *args: Any) -> None:
    """Enqueue `task(*args)` once the current transaction commits (at once outside one);
    never if it rolls back. A worker then never looks for a row that is not committed yet."""
    job = task.s(*args)
    transaction.on_commit(lambda: _enqueue(job))


def _enqueue(job: Any) -> None:
    try:
        djhuey.HUEY.enqueue(job)
    except Exception as error:  # the broker is down: what was saved stays saved
        log.error(
            "Could not enqueue %s: %s. The data is saved; the worker catches up once the "
            "queue answers again.",
            job.name,
            error,
        )


def broker_ok() -> bool:
    """Whether the queue answers (always, when tasks run in process)."""
    if djhuey.HUEY.immediate:
        return True
    try:
{%- if cookiecutter._features.jobs.backend == "redis" %}
        djhuey.HUEY.storage.conn.ping()
{%- else %}
        djhuey.HUEY.storage.queue_size()
{%- endif %}
    except Exception as error:
        log.error("Health check: the job queue did not answer: %s", error)
        return False
    return True
{%- if cookiecutter._features.jobs.backend != "redis" %}


class DatabaseStorage(SqlStorage):  # type: ignore[misc]
    """Huey's SQL storage in tables named huey_*, which the project's migrations create."""

    def __init__(self, name: str, database: Database) -> None:
        super().__init__(name, database=database, create_tables=False)

    def create_models(self) -> tuple[Any, ...]:
        models: tuple[Any, ...] = super().create_models()
        for model in models:
            model._meta.set_table_name(f"huey_{model._meta.table_name}")
        return models


class DatabaseHuey(Huey):  # type: ignore[misc]
    """Huey with its queue in the project's database (DATABASES["default"])."""

    def get_storage(self, **kwargs: Any) -> DatabaseStorage:
        return DatabaseStorage(self.name, database=peewee_database())


def peewee_database() -> Database:
    """The project's database, as Django connects to it, for Huey's storage (peewee)."""
    settings = connections["default"].settings_dict
    engine, name = settings["ENGINE"], str(settings["NAME"])
    if engine.endswith("sqlite3"):
        pragmas = {"journal_mode": "wal", "busy_timeout": 5000}
        return SqliteDatabase(name, pragmas=pragmas, uri=name.startswith("file:"))
    options: dict[str, Any] = {
        "user": settings.get("USER"),
        "password": settings.get("PASSWORD"),
        "host": settings.get("HOST"),
        "port": int(settings["PORT"]) if settings.get("PORT") else None,
    }
    options = {key: value for key, value in options.items() if value}
    if engine.endswith("postgresql"):
        return PostgresqlDatabase(name, prefer_psycopg3=True, **options)
    if engine.endswith("mysql"):
        return MySQLDatabase(name, charset="utf8mb4", **options)
    raise RuntimeError(f"Background jobs cannot keep their queue in a {engine} database.")
{%- endif %}
