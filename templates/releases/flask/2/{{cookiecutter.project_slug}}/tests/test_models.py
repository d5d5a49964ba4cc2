from __future__ import annotations

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from {{ cookiecutter.package_name }} import items
from {{ cookiecutter.package_name }}.models import Item, isoformat


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
    with pytest.raises(items.ValidationError) as caught:
        items.save(Item(name="Widget"))
    assert caught.value.errors == {"name": [items.DUPLICATE_NAME]}
    assert db.session.scalars(select(Item.name)).all() == ["Widget"]


def test_ordered_is_oldest_first(db):
    db.session.add_all([Item(name="b"), Item(name="a")])
    db.session.commit()
    assert [item.name for item in items.ordered()] == ["b", "a"]


def test_isoformat_treats_naive_datetimes_as_utc():
    naive = datetime(2030, 1, 2, 3, 4, 5)
    assert isoformat(naive) == "2030-01-02T03:04:05+00:00"
    paris = datetime(2030, 1, 2, 4, 4, 5, tzinfo=timezone(timedelta(hours=1)))
    assert isoformat(paris) == "2030-01-02T03:04:05+00:00"


def test_validate_full_and_partial():
    assert items.validate({"name": " a "}) == {"name": "a", "description": None}
    assert items.validate({"description": "x"}, partial=True) == {"description": "x"}
    assert items.validate({}, partial=True) == {}
