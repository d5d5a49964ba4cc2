"""The entry points that gunicorn (config.wsgi) and ASGI servers (config.asgi) load."""

import json
from wsgiref.util import setup_testing_defaults

import pytest
from django.core.signals import request_finished, request_started
from django.db import close_old_connections


@pytest.fixture
def keep_connections():
    """As Django's test client does: keep the test's database connection and transaction open."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.django_db
@pytest.mark.usefixtures("keep_connections")
def test_wsgi_application_serves_a_request():
    from config.wsgi import application

    environ = {"PATH_INFO": "/healthz", "HTTP_HOST": "testserver"}
    setup_testing_defaults(environ)
    started = []

    result = application(environ, lambda status, headers: started.append(status))
    try:
        body = b"".join(result)
    finally:
        result.close()

    assert started == ["200 OK"]
    assert json.loads(body) == {"status": "ok", "database": "ok"}


def test_asgi_application_loads():
    from config.asgi import application

    assert callable(application)
