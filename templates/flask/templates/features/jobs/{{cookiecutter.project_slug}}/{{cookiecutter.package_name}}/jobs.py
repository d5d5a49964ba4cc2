"""Background jobs with Huey: the queue, its worker, and tasks enqueued after a commit.

The project's code uses Huey's API whatever holds the queue: `@task()` makes a function a
task, calling the task enqueues it, and the worker (`flask --app {{ cookiecutter.package_name }} worker`) runs it.
{%- if cookiecutter._features.jobs.backend == "redis" %}
The queue is in Redis (REDIS_URL), for many workers on many machines.
{%- else %}
The queue is in the app's own database (DATABASE_URL), in the huey_* tables that the
migrations create: no other server to run. For many workers on many machines, move it to
Redis (`webkit add jobs --backend redis`); the tasks stay as they are.
{%- endif %}

In the tests (APP_ENV=testing) each task runs at once, in the process that enqueues it: no
queue, no worker, no network.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

import click
from flask import Flask
from flask.cli import with_appcontext
from huey import Huey
{%- if cookiecutter._features.jobs.backend == "redis" %}
from huey.storage import RedisStorage
{%- else %}
from huey.contrib.sql_huey import SqlStorage
from peewee import Database, MySQLDatabase, PostgresqlDatabase, SqliteDatabase
{%- endif %}
from sqlalchemy import (
    BigInteger,
    Column,
    Float,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    event,
{%- if cookiecutter._features.jobs.backend != "redis" %}
    make_url,
{%- endif %}
)
from sqlalchemy.orm import Session

from .extensions import db

P = ParamSpec("P")
R = TypeVar("R")

log = logging.getLogger(__name__)

# Until create_app configures it (and in the tests), a task runs at once where it is enqueued.
huey = Huey("{{ cookiecutter.package_name }}", immediate=True, results=False)
_app: Flask | None = None
# The tasks a session enqueues when its transaction commits (see enqueue_after_commit).
_AFTER_COMMIT = "jobs_after_commit"
{%- if cookiecutter._features.jobs.backend != "redis" %}
# How long an idle worker waits before it looks at the queue again, at most (seconds).
POLL_INTERVAL = 1.0
{%- endif %}


# Huey's tables, for a queue in the database: the migrations create them, and they are described
# here so that `flask db check` knows them.{% if cookiecutter._features.jobs.backend == "redis" %} With Redis they stay empty; switching backends then
# needs no migration.{% endif %}
QUEUE = String(255)
Table(
    "huey_task",
    db.metadata,
    Column("id", Integer, primary_key=True),
    Column("queue", QUEUE, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("priority", Float, nullable=False),
    Index("ix_huey_task_queue_priority_id", "queue", "priority", "id"),
)
Table(
    "huey_schedule",
    db.metadata,
    Column("id", Integer, primary_key=True),
    Column("queue", QUEUE, nullable=False),
    Column("data", LargeBinary, nullable=False),
    Column("timestamp", BigInteger, nullable=False),  # milliseconds since the epoch
    Index("ix_huey_schedule_queue_timestamp", "queue", "timestamp"),
)
Table(
    "huey_kv",
    db.metadata,
    Column("queue", QUEUE, primary_key=True),
    Column("key", QUEUE, primary_key=True),
    Column("value", LargeBinary, nullable=False),
)
Table(
    "huey_counter",
    db.metadata,
    Column("queue", QUEUE, primary_key=True),
    Column("key", QUEUE, primary_key=True),
    Column("value", Integer, nullable=False),
)


def init_app(app: Flask) -> None:
    """Point the queue at the app's settings, and add the `worker` command."""
    global _app
    _app = app
    from . import tasks  # noqa: F401  (registers the tasks and the hooks that enqueue them)

    if app.config.get("JOBS_IMMEDIATE", app.testing):
        huey.immediate = True
    else:
{%- if cookiecutter._features.jobs.backend == "redis" %}
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": app.config["REDIS_URL"]}
{%- else %}
        huey.storage_class = DatabaseStorage
        huey.storage_kwargs = {"database": peewee_database(app), "create_tables": False}
{%- endif %}
        huey.immediate = False
        huey.storage = huey.create_storage()
    app.cli.add_command(worker)


def task(**options: Any) -> Callable[[Callable[P, R]], Any]:
    """Huey's `task()`, run inside the app's context (database, configuration, logging).

    Calling the decorated function enqueues it; `.call_local(...)` runs it here and now.
    `retries`, `retry_delay` and `retry_backoff` say how it is retried when it raises.
    """
    return lambda function: huey.task(**options)(_in_app_context(function))


def periodic_task(schedule: Any, **options: Any) -> Callable[[Callable[P, R]], Any]:
    """Huey's `periodic_task(crontab(...))`, run inside the app's context by the worker."""
    return lambda function: huey.periodic_task(schedule, **options)(_in_app_context(function))


def _in_app_context(function: Callable[P, R]) -> Callable[P, R]:
    @functools.wraps(function)
    def run(*args: P.args, **kwargs: P.kwargs) -> R:
        if _app is None:
            raise RuntimeError("jobs.init_app(app) has not run: create the app first")
        with _app.app_context():
            return function(*args, **kwargs)

    return run


def enqueue_after_commit(session: Session, task: Any, *args: Any) -> None:
    """Enqueue `task(*args)` once `session`'s transaction commits; never if it rolls back.

    A worker then never looks for a row that is not committed yet (or never will be).
    """
    session.info.setdefault(_AFTER_COMMIT, []).append(task.s(*args))


@event.listens_for(Session, "after_commit")
def _enqueue_committed(session: Session) -> None:
    for job in session.info.pop(_AFTER_COMMIT, []):
        try:
            huey.enqueue(job)
        except Exception as error:  # the broker is down: what was saved stays saved
            log.error(
                "Could not enqueue %s: %s. The data is saved; the worker catches up once the "
                "queue answers again.",
                job.name,
                error,
            )


@event.listens_for(Session, "after_rollback")
def _forget_rolled_back(session: Session) -> None:
    session.info.pop(_AFTER_COMMIT, None)


def broker_ok() -> bool:
    """Whether the queue answers (always, when tasks run in process)."""
    if huey.immediate:
        return True
    try:
{%- if cookiecutter._features.jobs.backend == "redis" %}
        huey.storage.conn.ping()
{%- else %}
        huey.storage.queue_size()
{%- endif %}
    except Exception as error:
        log.error("Health check: the job queue did not answer: %s", error)
        return False
    return True


@click.command("worker")
@click.option("--workers", default=1, show_default=True, help="Tasks run at once (threads).")
@with_appcontext
def worker(workers: int) -> None:
    """Run the background worker until Ctrl-C or SIGTERM (which lets running tasks finish)."""
    consumer = huey.create_consumer(
        workers=workers,
        worker_type="thread",
        periodic=True,
{%- if cookiecutter._features.jobs.backend != "redis" %}
        max_delay=POLL_INTERVAL,
{%- endif %}
        graceful_signal="TERM",
    )
    consumer.run()
{%- if cookiecutter._features.jobs.backend != "redis" %}


class DatabaseStorage(SqlStorage):  # type: ignore[misc]
    """Huey's SQL storage in tables named huey_*, which the project's migrations create."""

    def create_models(self) -> tuple[Any, ...]:
        models: tuple[Any, ...] = super().create_models()
        for model in models:
            model._meta.set_table_name(f"huey_{model._meta.table_name}")
        return models


def peewee_database(app: Flask) -> Database:
    """The app's database (SQLALCHEMY_DATABASE_URI), for Huey's storage (peewee)."""
    url = make_url(app.config["SQLALCHEMY_DATABASE_URI"])
    backend = url.get_backend_name()
    if backend == "sqlite":
        path = url.database or ":memory:"
        if path != ":memory:" and not path.startswith("/"):
            path = f"{app.instance_path}/{path}"  # as Flask-SQLAlchemy reads it
        return SqliteDatabase(path, pragmas={"journal_mode": "wal", "busy_timeout": 5000})
    options: dict[str, Any] = {
        "user": url.username,
        "password": url.password,
        "host": url.host,
        "port": url.port,
    }
    options = {key: value for key, value in options.items() if value is not None}
    if backend == "postgresql":
        return PostgresqlDatabase(url.database, prefer_psycopg3=True, **options)
    if backend == "mysql":
        return MySQLDatabase(url.database, charset="utf8mb4", **options)
    raise RuntimeError(f"Background jobs cannot keep their queue in a {backend} database.")
{%- endif %}
