from collections.abc import Iterator

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections

from {{ cookiecutter.package_name }}.models import Item


@pytest.fixture
def item(db):
    return Item.objects.create(name="Teapot", description="Short and stout.")


@pytest.fixture
def keep_connections() -> Iterator[None]:
    """For requests to the WSGI application, as Django's test client does: keep the test's
    database connection and transaction open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)
