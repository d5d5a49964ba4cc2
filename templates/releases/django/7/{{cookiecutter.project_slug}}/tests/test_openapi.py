"""The whole API against its own OpenAPI document, with property-based tests (schemathesis).

Schemathesis reads /api/openapi.json and sends each operation requests made from the
document: valid ones, and invalid ones (wrong types, out-of-range numbers, missing or extra
fields, NUL characters...). Every response must be documented (status, content type, body
schema), never a 5xx, and an invalid request must be refused. It runs in this process against
the app (no server, no network), a bounded number of examples per operation, derandomized:
the same requests on every run, so a failure is one you can reproduce.
"""

from __future__ import annotations

import re
from typing import Any

import pytest
import schemathesis
from django.core.wsgi import get_wsgi_application
from django.test import Client
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.case import Case

from {{ cookiecutter.package_name }}.api import api

# The project's WSGI application (config/wsgi.py's), imported from Django here so that the
# imports sort the same whatever the package is called.
application = get_wsgi_application()

CONFIG = SchemathesisConfig.from_dict(
    {
        "generation": {
            "mode": "all",  # valid and invalid requests
            "max-examples": 25,
            "deterministic": True,
            "database": "none",
        },
        "checks": {"enabled": True},
    }
)


# The document that /api/openapi.json serves; writing it needs no database.
schema = schemathesis.openapi.from_dict(api.get_openapi_schema(), config=CONFIG)


def test_the_document_is_openapi_3_1(client: Client) -> None:
    document = client.get("/api/openapi.json").json()
    assert document["openapi"].startswith("3.1")
    # Each resource's test module checks its own paths.
    assert {"/api/items/", "/api/items/{item_id}/"} <= set(document["paths"])


def test_the_documentation_page_works_without_a_cdn(client: Client) -> None:
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.content.decode()
    assert "<script>" not in html  # the CSP forbids inline scripts
    assert "https://" not in html  # no CDN: every file comes from this site
    assert "script-src" not in page["Content-Security-Policy"]
    for path in re.findall(r'(?:src|href)="(/static/[^"]+)"', html):
        response = client.get(path)
        assert response.status_code == 200, path


@schema.parametrize()
# One database for all the requests to an operation, as a server would have.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@pytest.mark.django_db
@pytest.mark.usefixtures("keep_connections")
def test_the_api_keeps_its_document(case: Case[Any]) -> None:
    case.call_and_validate(app=application, headers={"Host": "testserver"})
