"""Extension objects, created here unbound and bound to the app in `create_app`."""

import sqlite3

from flask_caching import Cache
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import DeclarativeBase


@event.listens_for(Engine, "connect")
def _set_up_sqlite(connection, _record) -> None:
    """SQLite set up for a web app, as Rails and Django's docs recommend.

    Write-ahead logging lets the gunicorn workers read while one of them writes, and with it
    synchronous=NORMAL syncs the disk at checkpoints instead of at every commit: a power cut
    may lose the last transactions, never the database. Foreign keys are enforced (SQLite
    leaves them off by default). Not for a database on a network file system, where WAL's
    shared memory does not work.
    """
    if isinstance(connection, sqlite3.Connection):
        cursor = connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")  # an in-memory database stays "memory"
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()


class Base(DeclarativeBase):
    # Named constraints, so that migrations can drop or alter them later (SQLite needs this).
    metadata = MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


db = SQLAlchemy(model_class=Base)
migrate = Migrate()
csrf = CSRFProtect()
cache = Cache()
