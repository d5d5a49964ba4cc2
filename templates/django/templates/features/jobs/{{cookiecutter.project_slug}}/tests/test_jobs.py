"""Background jobs (jobs.py, tasks.py): the example task, run in this process (no worker, no
broker, no network), and what happens around it: after the commit only, retried with backoff,
idempotent, and nothing lost when the queue does not answer."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any

import pytest
from django.db import OperationalError, transaction
from huey.contrib import djhuey
from huey.contrib.djhuey import HUEY

{% if cookiecutter._features.jobs.backend == "redis" -%}
from {{ cookiecutter.package_name }} import tasks
{%- else -%}
from {{ cookiecutter.package_name }} import jobs, tasks
{%- endif %}
from {{ cookiecutter.package_name }}.models import Item

pytestmark = pytest.mark.django_db


@pytest.fixture
def commits(django_capture_on_commit_callbacks):
    """Run what waits for a commit when the block ends, as a real commit would (each test
    runs in a transaction that is rolled back)."""
    return lambda: django_capture_on_commit_callbacks(execute=True)


def test_a_new_item_gets_its_word_count(client, commits):
    with commits():
        item = client.post(
            "/api/items/",
            {"name": "Widget", "description": " a  blue\nwidget "},
            content_type="application/json",
        ).json()
    assert item["word_count"] is None  # the API answers before the task ran
    assert client.get(f"/api/items/{item['id']}/").json()["word_count"] == 3


@pytest.mark.parametrize("description", ["", " \n\t "])
def test_an_item_without_a_description_has_no_words(commits, description):
    with commits():
        item = Item.objects.create(name="Widget", description=description)
    item.refresh_from_db()
    assert item.word_count == 0


def test_a_new_description_is_counted_again(commits):
    with commits():
        item = Item.objects.create(name="Widget", description="one")
    with commits():
        item.refresh_from_db()
        item.description = "one two"
        item.save()
        assert Item.objects.get(pk=item.pk).word_count is None  # stale: forgotten
    item.refresh_from_db()
    assert item.word_count == 2


def test_the_count_does_not_change_updated_at(commits):
    with commits():
        item = Item.objects.create(name="Widget", description="a b")
    saved = Item.objects.get(pk=item.pk)
    assert saved.word_count == 2
    assert saved.updated_at == item.updated_at


def test_the_task_is_enqueued_only_after_the_commit(monkeypatch, commits):
    enqueued: list[Any] = []
    monkeypatch.setattr(HUEY, "enqueue", enqueued.append)
    with commits(), transaction.atomic():
        item = Item.objects.create(name="Widget", description="a b c")
        assert enqueued == []  # saved, not committed: no worker may look for it yet
    assert [(task.name, task.args) for task in enqueued] == [("count_words", (item.pk,))]


def test_a_rolled_back_item_is_never_enqueued(monkeypatch, commits):
    enqueued: list[Any] = []
    monkeypatch.setattr(HUEY, "enqueue", enqueued.append)
    with commits():
        try:
            with transaction.atomic():
                Item.objects.create(name="Widget", description="a b c")
                raise RuntimeError("the request failed")
        except RuntimeError:
            pass
        Item.objects.create(name="Gadget")
    assert len(enqueued) == 1


def test_the_task_is_idempotent():
    item = Item.objects.create(name="Widget", description="a b c")
    tasks.count_words.call_local(item.pk)
    tasks.count_words.call_local(item.pk)
    assert Item.objects.get(pk=item.pk).word_count == 3


def test_a_late_task_does_not_overwrite_a_newer_description(monkeypatch):
    """A task that read the old description stores nothing once the description changed."""
    item = Item.objects.create(name="Widget", description="a b c")
    real = tasks.word_count

    def count_then_edit(text: str) -> int:
        Item.objects.filter(pk=item.pk).update(description="one")  # another request, meanwhile
        return real(text)

    monkeypatch.setattr(tasks, "word_count", count_then_edit)
    tasks.count_words.call_local(item.pk)
    assert Item.objects.get(pk=item.pk).word_count is None  # for the newer task


def test_a_deleted_item_is_no_error():
    tasks.count_words.call_local(12345)


def test_a_failing_task_is_retried_with_backoff(monkeypatch, caplog):
    item = Item.objects.create(name="Widget", description="a b c")

    def database_down(*args, **kwargs):
        raise OperationalError("the database went away")

    monkeypatch.setattr(Item.objects, "filter", database_down)
    task = tasks.count_words.s(item.pk)
    delays = []
    with caplog.at_level(logging.CRITICAL, logger="huey"):  # each failure logs its traceback
        for _ in range(6):
            now = datetime.now(timezone.utc).replace(tzinfo=None)  # Huey's clock: naive UTC
            HUEY.execute(task, timestamp=task.eta or now)  # as the worker, when it is due
            retry = next(iter(HUEY.scheduled()), None)
            if retry is None:
                break
            HUEY.storage.flush_schedule()
            delays.append(round((retry.eta - now).total_seconds()))
            task = retry
    assert delays == [2, 4, 8, 16, 32]  # then it gives up


def test_items_without_a_count_are_counted_by_the_sweep(monkeypatch):
    monkeypatch.setattr(HUEY, "enqueue", lambda task: None)  # lost: the queue was down
    Item.objects.create(name="Widget", description="a b")
    Item.objects.create(name="Gadget")
    tasks.count_missing_words.call_local()
    assert list(Item.objects.order_by("pk").values_list("word_count", flat=True)) == [2, 0]


def test_the_item_is_saved_when_the_queue_does_not_answer(client, monkeypatch, caplog, commits):
    def broker_down(task):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(HUEY, "enqueue", broker_down)
    with caplog.at_level(logging.ERROR), commits():
        response = client.post(
            "/api/items/", {"name": "Widget", "description": "a b"}, content_type="application/json"
        )
    assert response.status_code == 201
    assert client.get(response["Location"]).json()["word_count"] is None
    assert "Could not enqueue count_words" in caplog.text
    assert "the worker catches up" in caplog.text


def test_the_worker_writes_a_heartbeat_for_its_liveness_probe(tmp_path, monkeypatch):
    beat = tmp_path / "heartbeat"
    monkeypatch.setenv("JOBS_HEARTBEAT_FILE", str(beat))
    tasks.heartbeat.call_local()
    assert abs(float(beat.read_text()) - time.time()) < 60
{%- if cookiecutter._features.jobs.backend == "redis" %}


def test_healthz_reports_the_broker(client, monkeypatch, caplog):
    """A Redis that does not answer (nothing listens on the discard port): the site keeps
    working, and /healthz says what is wrong."""
    from huey import RedisHuey

    monkeypatch.setattr(djhuey, "HUEY", RedisHuey("test", url="redis://127.0.0.1:9/0"))
    with caplog.at_level(logging.ERROR):
        response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "degraded", "database": "ok", "broker": "error"}
    assert "the job queue did not answer" in caplog.text
{%- else %}


@pytest.mark.django_db(transaction=True)
def test_the_queue_lives_in_the_database(monkeypatch):
    """The queue in the database's huey_* tables, as in development and production."""
    queue = djhuey.HUEY
    storage = jobs.DatabaseStorage(queue.name, database=jobs.peewee_database())
    monkeypatch.setattr(queue, "storage", storage)
    monkeypatch.setattr(queue, "_immediate", False)
    try:
        item = Item.objects.create(name="Widget", description="a b c")
        assert queue.pending_count() == 1  # in huey_task, for the worker
        assert Item.objects.get(pk=item.pk).word_count is None
        queue.execute(queue.dequeue())  # what the worker does
        assert Item.objects.get(pk=item.pk).word_count == 3
        assert queue.pending_count() == 0
        assert jobs.broker_ok()
    finally:
        storage.flush_queue()
        storage.close()
{%- endif %}
