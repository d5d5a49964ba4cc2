import pytest
from django.db import OperationalError, connection

pytestmark = pytest.mark.django_db


def test_healthy(client):
    response = client.get("/healthz")

    assert response.status_code == 200
{%- set broker = cookiecutter._features.get("jobs", {}).get("backend") == "redis" %}
    assert response.json() == {"status": "ok", "database": "ok"{{ ', "broker": "ok"' if broker }}}
    assert "no-cache" in response["Cache-Control"]


def test_database_down_is_503(client, monkeypatch):
    def cursor():
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", cursor)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}


def test_only_get_and_head(client):
    assert client.head("/healthz").status_code == 200
    assert client.post("/healthz").status_code == 405


def test_not_redirected_to_https(client, settings):
    # Load balancers probe over plain HTTP, even when every page redirects to HTTPS.
    settings.SECURE_SSL_REDIRECT = True

    assert client.get("/").status_code == 301
    assert client.get("/healthz").status_code == 200
