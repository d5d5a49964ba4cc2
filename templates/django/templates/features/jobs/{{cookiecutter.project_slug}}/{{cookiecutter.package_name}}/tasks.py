"""The background tasks. One example: the word count of an item's description.

Whenever an item is created or its description changes, count_words is enqueued for it once
the transaction commits (the worker then finds the row). Until it has run, the item's
word_count is None. The task is idempotent (it counts the description the item has when it
runs, and stores the count only if that description is still the item's), so running it twice,
or retrying it after a failure, does no harm.
"""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from .jobs import enqueue_after_commit
from .models import Item

# Items whose count a sweep fills in at most, each minute.
SWEEP_BATCH = 100


def word_count(text: str) -> int:
    return len(text.split())


# Retried up to 5 times when it fails, after 2, 4, 8, 16 and 32 seconds.
@db_task(retries=5, retry_delay=2, retry_backoff=2)
def count_words(item_id: int) -> None:
    """Store the word count of item `item_id`'s description (nothing if it is gone)."""
    description = Item.objects.filter(pk=item_id).values_list("description", flat=True).first()
    if description is None:
        return
    # Only if the description is still the one counted: a newer one has a newer task.
    # update() leaves updated_at as it is: the count is not a change the user made.
    Item.objects.filter(pk=item_id, description=description).update(
        word_count=word_count(description)
    )


@db_periodic_task(crontab(minute="*"))
def count_missing_words() -> None:
    """Count the items that still have no word count: a task lost while the queue was down,
    or items made before the project had background jobs."""
    missing = Item.objects.filter(word_count__isnull=True).order_by("pk")
    for item_id in missing.values_list("pk", flat=True)[:SWEEP_BATCH]:
        count_words.call_local(item_id)


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    """The worker runs tasks: each minute it writes the time to JOBS_HEARTBEAT_FILE, if set
    (the Kubernetes worker's liveness probe reads it)."""
    path = os.environ.get("JOBS_HEARTBEAT_FILE")
    if path:
        Path(path).write_text(f"{time.time():.0f}\n")


@receiver(pre_save, sender=Item)
def forget_a_stale_count(sender: type[Item], instance: Item, **kwargs: Any) -> None:
    if instance.pk is not None:
        unchanged = Item.objects.filter(pk=instance.pk, description=instance.description)
        if not unchanged.exists():
            instance.word_count = None


@receiver(post_save, sender=Item)
def count_words_after_commit(sender: type[Item], instance: Item, **kwargs: Any) -> None:
    if instance.word_count is None:
        enqueue_after_commit(count_words, instance.pk)
