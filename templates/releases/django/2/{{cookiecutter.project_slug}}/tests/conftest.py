import pytest

from {{ cookiecutter.package_name }}.models import Item


@pytest.fixture
def item(db):
    return Item.objects.create(name="Teapot", description="Short and stout.")
