from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError

from {{ cookiecutter.package_name }}.models import Item

pytestmark = pytest.mark.django_db


def test_str_is_the_name(item):
    assert str(item) == "Teapot"


def test_timestamps_are_set_on_create_and_update(item):
    assert item.created_at is not None
    assert item.updated_at >= item.created_at
    a_day_ago = item.created_at - timedelta(days=1)
    Item.objects.filter(pk=item.pk).update(created_at=a_day_ago, updated_at=a_day_ago)
    item.refresh_from_db()

    item.description = "Here is my handle."
    item.save()

    assert item.created_at == a_day_ago
    assert item.updated_at > a_day_ago


def test_items_are_listed_in_creation_order():
    for name in ["b", "c", "a"]:
        Item.objects.create(name=name)

    assert [item.name for item in Item.objects.all()] == ["b", "c", "a"]


def test_name_is_unique(item):
    with pytest.raises(IntegrityError):
        Item.objects.create(name=item.name)


@pytest.mark.parametrize("name", ["", "x" * 101])
def test_name_must_have_1_to_100_characters(name):
    with pytest.raises(ValidationError) as excinfo:
        Item(name=name).full_clean()

    assert "name" in excinfo.value.message_dict


def test_description_is_optional():
    Item(name="x" * 100).full_clean()
