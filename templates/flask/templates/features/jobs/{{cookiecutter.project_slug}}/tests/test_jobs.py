"""Background jobs (jobs.py, tasks.py): the example task, run in this process (no worker, no
broker, no network), and what happens around it: after the commit only, retried with backoff,
idempotent, and nothing lost when the queue does not answer."""

from __future__ import annotations

import logging
import time
from datetime import datetime, timezone
from typing import Any

import pytest
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from {{ cookiecutter.package_name }} import jobs, tasks
from {{ cookiecutter.package_name }}.extensions import db as _db
from {{ cookiecutter.package_name }}.models import Item


def test_a_new_item_gets_its_word_count(client):
    item = client.post("/api/items", json={"name": "Widget", "description": " a  blue\nwidget "})
    assert item.status_code == 201
    assert client.get(item.headers["Location"]).json["word_count"] == 3


@pytest.mark.parametrize("description", [None, "", " \n\t "])
def test_an_item_without_a_description_has_no_words(client, description):
    item = client.post("/api/items", json={"name": "Widget", "description": description}).json
    assert client.get(f"/api/items/{item['id']}").json["word_count"] == 0


def test_a_new_description_is_counted_again(client):
    item = client.post("/api/items", json={"name": "Widget", "description": "one"}).json
    client.patch(f"/api/items/{item['id']}", json={"description": "one two"})
    assert client.get(f"/api/items/{item['id']}").json["word_count"] == 2


def test_the_count_does_not_change_updated_at(client, monkeypatch):
    monkeypatch.setattr(jobs.huey, "enqueue", lambda task: None)  # the worker comes later
    item = client.post("/api/items", json={"name": "Widget", "description": "a b"}).json
    assert item["word_count"] is None  # as the API answers before the worker ran
    tasks.count_words.call_local(item["id"])
    counted = client.get(f"/api/items/{item['id']}").json
    assert counted["word_count"] == 2
    assert counted["updated_at"] == item["updated_at"]


def test_the_task_is_enqueued_only_after_the_commit(app, monkeypatch):
    enqueued: list[Any] = []
    monkeypatch.setattr(jobs.huey, "enqueue", enqueued.append)
    with app.app_context():
        item = Item(name="Widget", description="a b c")
        _db.session.add(item)
        _db.session.flush()
        assert enqueued == []  # flushed, not committed: no worker may look for it yet
        _db.session.commit()
        assert [(task.name, task.args) for task in enqueued] == [("count_words", (item.id,))]


def test_a_rolled_back_item_is_never_enqueued(app, monkeypatch):
    enqueued: list[Any] = []
    monkeypatch.setattr(jobs.huey, "enqueue", enqueued.append)
    with app.app_context():
        _db.session.add(Item(name="Widget", description="a b c"))
        _db.session.flush()
        _db.session.rollback()
        _db.session.add(Item(name="Gadget"))
        _db.session.commit()
        assert len(enqueued) == 1


def test_the_task_is_idempotent(app, make_item):
    item = make_item("Widget", "a b c")
    tasks.count_words.call_local(item["id"])
    tasks.count_words.call_local(item["id"])
    with app.app_context():
        assert _db.session.get_one(Item, item["id"]).word_count == 3


def test_a_late_task_does_not_overwrite_a_newer_description(app, make_item, monkeypatch):
    """A task that read the old description stores nothing once the description changed."""
    item = make_item("Widget", "a b c")
    monkeypatch.setattr(jobs.huey, "enqueue", lambda task: None)
    real = tasks.word_count

    def count_then_edit(text):
        with app.app_context():  # another request changes the description meanwhile
            _db.session.get_one(Item, item["id"]).description = "one"
            _db.session.commit()
        return real(text)

    monkeypatch.setattr(tasks, "word_count", count_then_edit)
    tasks.count_words.call_local(item["id"])
    with app.app_context():
        assert _db.session.get_one(Item, item["id"]).word_count is None  # for the newer task


def test_a_deleted_item_is_no_error(app):
    tasks.count_words.call_local(12345)


def test_a_failing_task_is_retried_with_backoff(app, make_item, monkeypatch, caplog):
    item = make_item("Widget", "a b c")

    def database_down(*args, **kwargs):
        raise OperationalError("SELECT", {}, Exception("the database went away"))

    monkeypatch.setattr(_db.session, "get", database_down)
    task = tasks.count_words.s(item["id"])
    delays = []
    with caplog.at_level(logging.CRITICAL, logger="huey"):  # each failure logs its traceback
        for _ in range(6):
            now = datetime.now(timezone.utc).replace(tzinfo=None)  # Huey's clock: naive UTC
            jobs.huey.execute(task, timestamp=task.eta or now)  # as the worker, when it is due
            retry = next(iter(jobs.huey.scheduled()), None)
            if retry is None:
                break
            jobs.huey.storage.flush_schedule()
            delays.append(round((retry.eta - now).total_seconds()))
            task = retry
    assert delays == [2, 4, 8, 16, 32]  # then it gives up


def test_items_without_a_count_are_counted_by_the_sweep(app, monkeypatch):
    monkeypatch.setattr(jobs.huey, "enqueue", lambda task: None)  # lost: the queue was down
    with app.app_context():
        _db.session.add_all([Item(name="Widget", description="a b"), Item(name="Gadget")])
        _db.session.commit()
    tasks.count_missing_words.call_local()
    with app.app_context():
        counts = _db.session.scalars(select(Item.word_count).order_by(Item.id)).all()
    assert counts == [2, 0]


def test_the_item_is_saved_when_the_queue_does_not_answer(client, monkeypatch, caplog):
    def broker_down(task):
        raise ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(jobs.huey, "enqueue", broker_down)
    with caplog.at_level(logging.ERROR):
        response = client.post("/api/items", json={"name": "Widget", "description": "a b"})
    assert response.status_code == 201
    assert client.get(response.headers["Location"]).json["word_count"] is None
    assert "Could not enqueue count_words" in caplog.text
    assert "the worker catches up" in caplog.text


def test_the_worker_command_is_there(app):
    result = app.test_cli_runner().invoke(args=["worker", "--help"])
    assert result.exit_code == 0
    assert "Run the background worker" in result.output


def test_the_worker_writes_a_heartbeat_for_its_liveness_probe(app, tmp_path, monkeypatch):
    beat = tmp_path / "heartbeat"
    monkeypatch.setenv("JOBS_HEARTBEAT_FILE", str(beat))
    tasks.heartbeat.call_local()
    assert abs(float(beat.read_text()) - time.time()) < 60
{%- if cookiecutter._features.jobs.backend == "redis" %}


def test_healthz_reports_the_broker(make_app, caplog):
    """A Redis that does not answer (nothing listens on the discard port): the site keeps
    working, and /healthz says what is wrong."""
    app = make_app(
        {"APP_ENV": "testing", "JOBS_IMMEDIATE": False, "REDIS_URL": "redis://127.0.0.1:9/0"}
    )
    with app.app_context():
        _db.create_all()
    with caplog.at_level(logging.ERROR):
        response = app.test_client().get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "degraded", "database": "ok", "broker": "error"}
    assert "the job queue did not answer" in caplog.text
{%- else %}


@pytest.fixture
def queued_app(make_app, app, tmp_path):
    """An app whose queue is in its database, as in development and production: the tests'
    database server, or a SQLite file (peewee cannot share an in-memory database)."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    if url.startswith("sqlite"):
        url = f"sqlite:///{tmp_path / 'app.db'}"
    queued = make_app(
        {"APP_ENV": "testing", "JOBS_IMMEDIATE": False, "SQLALCHEMY_DATABASE_URI": url}
    )
    with queued.app_context():
        _db.create_all()  # the tables the migrations make, huey_* included
    yield queued
    jobs.huey.storage.close()
    with queued.app_context():
        for table in reversed(_db.metadata.sorted_tables):
            _db.session.execute(table.delete())
        _db.session.commit()


def test_the_queue_lives_in_the_database(queued_app):
    client = queued_app.test_client()
    with queued_app.app_context():
        item = Item(name="Widget", description="a b c")
        _db.session.add(item)
        _db.session.commit()
        url = f"/api/items/{item.id}"
    assert jobs.huey.pending_count() == 1  # in huey_task, for the worker
    assert client.get(url).json["word_count"] is None
    jobs.huey.execute(jobs.huey.dequeue())  # what the worker does
    assert client.get(url).json["word_count"] == 3
    assert jobs.huey.pending_count() == 0
    assert jobs.broker_ok()


def test_a_relative_sqlite_path_is_in_the_instance_folder(make_app):
    app = make_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": "sqlite:///app.db"})
    assert jobs.peewee_database(app).database == f"{app.instance_path}/app.db"
{%- endif %}
