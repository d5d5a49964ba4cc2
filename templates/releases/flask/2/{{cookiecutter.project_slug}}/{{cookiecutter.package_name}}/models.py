"""Database models (SQLAlchemy 2.0 typed declarative mapping)."""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any

from sqlalchemy import DateTime, String, Text
from sqlalchemy.engine.default import DefaultExecutionContext
from sqlalchemy.orm import Mapped, mapped_column

from .extensions import db

NAME_MAX_LENGTH = 100


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def same_as_created_at(context: DefaultExecutionContext) -> datetime:
    """A new row's updated_at: exactly its created_at (computed just before, in column order)."""
    return context.get_current_parameters()["created_at"]


class Item(db.Model):
    __tablename__ = "item"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(NAME_MAX_LENGTH), unique=True)
    description: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=same_as_created_at, onupdate=utcnow
    )

    def __repr__(self) -> str:
        return f"<Item {self.id} {self.name!r}>"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "created_at": isoformat(self.created_at),
            "updated_at": isoformat(self.updated_at),
        }


def isoformat(value: datetime) -> str:
    """ISO 8601 in UTC. SQLite hands back naive datetimes; they were stored as UTC."""
    if value.tzinfo is None:
        value = value.replace(tzinfo=timezone.utc)
    return value.astimezone(timezone.utc).isoformat()
