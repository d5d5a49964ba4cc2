"""Database models (SQLAlchemy 2.0 typed declarative mapping)."""

from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import DateTime, String, Text
from sqlalchemy.engine import Dialect
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column
from sqlalchemy.types import TypeDecorator

from .extensions import Model

NAME_MAX_LENGTH = 100


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def same_as_created_at(context: DefaultExecutionContext) -> datetime:
    """A new row's updated_at: exactly its created_at (computed just before, in column order)."""
    created_at: datetime = context.get_current_parameters()["created_at"]  # type: ignore[no-untyped-call]
    return created_at


class UTCDateTime(TypeDecorator[datetime]):
    """A time stored in UTC, read back with its time zone: SQLite and MySQL store none."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


class Item(Model):
    __tablename__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
{%- for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/model-item.py" ignore missing %}{%- endfor %}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=same_as_created_at, onupdate=utcnow
    )

    def __repr__(self) -> str:
        return f"<Item {self.id} {self.name!r}>"
