"""The entry points that gunicorn (config.wsgi) and ASGI servers (config.asgi) load."""

import json
from typing import Any
from wsgiref.util import setup_testing_defaults

import pytest


@pytest.mark.django_db
@pytest.mark.usefixtures("keep_connections")
def test_wsgi_application_serves_a_request():
    from config.wsgi import application

    environ = {"PATH_INFO": "/healthz", "HTTP_HOST": "testserver"}
    setup_testing_defaults(environ)
    started: list[str] = []

    def start_response(status: str, headers: list[tuple[str, str]], *args: Any) -> Any:
        started.append(status)

    result = application(environ, start_response)
    try:
        body = b"".join(result)
    finally:
        result.close()

    assert started == ["200 OK"]
    assert json.loads(body) == {"status": "ok", "database": "ok"}


def test_asgi_application_loads():
    from config.asgi import application

    assert callable(application)
