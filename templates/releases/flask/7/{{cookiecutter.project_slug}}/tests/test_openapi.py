"""The whole API against its own OpenAPI document, with property-based tests (schemathesis).

Schemathesis reads /api/openapi.json and sends each operation requests made from the
document: valid ones, and invalid ones (wrong types, out-of-range numbers, missing or extra
fields, NUL characters...). Every response must be documented (status, content type, body
schema), never a 5xx, and an invalid request must be refused. It runs in this process against
the app (no server, no network), a bounded number of examples per operation, derandomized:
the same requests on every run, so a failure is one you can reproduce.
"""

from __future__ import annotations

from typing import Any

import schemathesis
from flask import Flask
from hypothesis import HealthCheck, settings
from schemathesis.config import SchemathesisConfig
from schemathesis.generation.case import Case

from {{ cookiecutter.package_name }} import create_app

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
DOCUMENT = create_app("testing").spec
assert isinstance(DOCUMENT, dict)
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG)


def test_the_document_is_openapi_3_1(client):
    document = client.get("/api/openapi.json").json
    assert document["openapi"].startswith("3.1")
    # Each resource's test module checks its own paths.
    assert {"/api/items", "/api/items/{item_id}"} <= set(document["paths"])


def test_the_documentation_page_works_without_a_cdn(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "<script>" not in html  # the CSP forbids inline scripts
    assert "https://" not in html  # no CDN: every file comes from this app
    assert "script-src" not in page.headers["Content-Security-Policy"]
    for path in ("/api/docs/swagger-ui-bundle.js", "/api/docs/swagger-ui.css"):
        response = client.get(path)
        assert response.status_code == 200, path
        response.close()
    assert client.get("/api/docs/swagger-editor.js").status_code == 404


@schema.parametrize()
# One app (one database) for all the requests to an operation, as a server would be.
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_the_api_keeps_its_document(case: Case[Any], app: Flask) -> None:
    case.call_and_validate(app=app)
