"""The background tasks. One example: the word count of an item's description.

Whenever an item is created or its description changes, count_words is enqueued for it once
the transaction commits (the worker then finds the row). Until it has run, the item's
word_count is null. The task is idempotent (it counts the description the item has when it
runs, and stores the count only if that description is still the item's), so running it twice,
or retrying it after a failure, does no harm.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from huey import crontab
from sqlalchemy import event, inspect, select, update
from sqlalchemy.orm import Session

from .extensions import db
from .jobs import enqueue_after_commit, periodic_task, task
from .models import Item

# Items whose count a sweep fills in at most, each minute.
SWEEP_BATCH = 100


def word_count(text: str | None) -> int:
    return len(text.split()) if text else 0


# Retried up to 5 times when it fails, after 2, 4, 8, 16 and 32 seconds.
@task(retries=5, retry_delay=2, retry_backoff=2)
def count_words(item_id: int) -> None:
    """Store the word count of item `item_id`'s description (nothing if it is gone)."""
    item = db.session.get(Item, item_id)
    if item is None:
        return
    description = item.description
    # Only if the description is still the one counted: a newer one has a newer task.
    db.session.execute(
        update(Item)
        .where(Item.id == item_id, Item.description.is_not_distinct_from(description))
        .values(word_count=word_count(description), updated_at=Item.updated_at)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()


@periodic_task(crontab(minute="*"))
def count_missing_words() -> None:
    """Count the items that still have no word count: a task lost while the queue was down,
    or items made before the project had background jobs."""
    missing = select(Item.id).where(Item.word_count.is_(None)).order_by(Item.id)
    for item_id in db.session.scalars(missing.limit(SWEEP_BATCH)).all():
        count_words.call_local(item_id)


@periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    """The worker runs tasks: each minute it writes the time to JOBS_HEARTBEAT_FILE, if set
    (the Kubernetes worker's liveness probe reads it)."""
    path = os.environ.get("JOBS_HEARTBEAT_FILE")
    if path:
        Path(path).write_text(f"{time.time():.0f}\n")


@event.listens_for(Session, "before_flush")
def _forget_stale_counts(session: Session, flush_context: Any, instances: Any) -> None:
    for item in session.dirty:
        if isinstance(item, Item) and inspect(item).attrs.description.history.has_changes():
            item.word_count = None


@event.listens_for(Session, "after_flush")
def _count_after_commit(session: Session, flush_context: Any) -> None:
    # During after_flush, `new` and the attributes' history still show what was flushed.
    for item in [*session.new, *session.dirty]:
        if isinstance(item, Item) and (
            item in session.new or inspect(item).attrs.description.history.has_changes()
        ):
            enqueue_after_commit(session, count_words, item.id)
