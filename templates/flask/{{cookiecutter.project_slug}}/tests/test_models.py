from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.dialects import sqlite
from sqlalchemy.exc import IntegrityError

from {{ cookiecutter.package_name }}.api import items
from {{ cookiecutter.package_name }}.models import Item, UTCDateTime


def test_item_gets_timestamps(db):
    item = Item(name="Widget")
    db.session.add(item)
    db.session.commit()
    assert item.id is not None
    assert item.description is None
    assert item.created_at is not None
    assert item.updated_at == item.created_at
    assert repr(item) == f"<Item {item.id} 'Widget'>"


def test_updated_at_changes_on_update(db):
    item = Item(name="Widget")
    db.session.add(item)
    db.session.commit()
    created = item.updated_at
    item.description = "Blue"
    db.session.commit()
    assert item.updated_at >= created
    assert item.created_at == created


def test_names_are_unique_in_the_database(db):
    db.session.add_all([Item(name="Widget"), Item(name="Widget")])
    with pytest.raises(IntegrityError):
        db.session.commit()


def test_save_reports_a_name_taken_at_the_last_moment(db, monkeypatch):
    db.session.add(Item(name="Widget"))
    db.session.commit()
    # As if another request inserted "Widget" between the check and the commit.
    monkeypatch.setattr(items, "name_taken", lambda item: False)
    with pytest.raises(items.DuplicateName):
        items.save(Item(name="Widget"))
    assert db.session.scalars(select(Item.name)).all() == ["Widget"]


def test_ordered_is_oldest_first(db):
    db.session.add_all([Item(name="b"), Item(name="a")])
    db.session.commit()
    assert [item.name for item in items.ordered()] == ["b", "a"]


@pytest.mark.parametrize(
    "stored",
    [
        datetime(2030, 1, 2, 3, 4, 5),  # SQLite and MySQL store no time zone
        datetime(2030, 1, 2, 4, 4, 5, tzinfo=timezone(timedelta(hours=1))),
    ],
)
def test_times_are_read_back_in_utc(stored):
    read = UTCDateTime().process_result_value(stored, sqlite.dialect())
    assert read == datetime(2030, 1, 2, 3, 4, 5, tzinfo=timezone.utc)
    assert read is not None
    assert read.tzinfo is timezone.utc


def test_item_fields_full_and_partial():
    assert items.ItemIn(name=" a ").fields() == {"name": "a", "description": None}
    assert items.ItemPatch(description="x").fields() == {"description": "x"}
    assert items.ItemPatch().fields() == {}
