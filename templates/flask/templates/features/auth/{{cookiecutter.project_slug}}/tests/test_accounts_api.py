"""Who may use the API: anyone reads; writing needs an API token (Bearer) or a logged-in
browser; the tokens are made on a page, shown once, kept as digests, and revocable."""

from __future__ import annotations

import hashlib
import re

import pytest
from sqlalchemy import select

from {{ cookiecutter.package_name }}.accounts.models import ApiToken

from .conftest import signed_in

WRITES = [
    ("post", "/api/items", {"name": "Widget"}),
    ("put", "/api/items/1", {"name": "Widget"}),
    ("patch", "/api/items/1", {"name": "Widget"}),
    ("delete", "/api/items/1", None),
]


def make_token(client, name="script") -> str:
    response = client.post("/accounts/tokens/", data={"name": name})
    assert response.status_code == 201
    found = re.search(r'<code id="new-token">([^<]+)</code>', response.get_data(as_text=True))
    assert found
    return found.group(1)


def revoke_url(client) -> str:
    """The URL of the revoke button of the (first) token on the tokens page."""
    html = client.get("/accounts/tokens/").get_data(as_text=True)
    found = re.search(r'action="(/accounts/tokens/\d+/revoke/)"', html)
    assert found
    return found.group(1)


def test_reading_is_public(anonymous, make_item):
    make_item("Widget")
    assert anonymous.get("/api/items").status_code == 200
    assert anonymous.get("/api/items/1").status_code == 200


@pytest.mark.parametrize(("method", "url", "body"), WRITES)
def test_writing_without_a_token_is_401_json(anonymous, make_item, method, url, body):
    make_item("Gadget")
    response = getattr(anonymous, method)(url, json=body)
    assert response.status_code == 401
    assert response.json["error"] == "Unauthorized"
    assert "Bearer" in response.json["message"]
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("header", ["Bearer nonsense", "Bearer ", "Basic YTpi", "Token abc"])
def test_a_wrong_token_is_401(anonymous, client, header):
    """Even from a browser that is logged in: a request that names a token must bring one."""
    for browser in (anonymous, client):
        response = browser.post("/api/items", json={"name": "W"}, headers={"Authorization": header})
        assert response.status_code == 401


def test_a_token_is_made_on_a_page_shown_once_and_works(client, anonymous, db):
    assert client.get("/accounts/tokens/").status_code == 200
    token = make_token(client)
    assert token not in client.get("/accounts/tokens/").get_data(as_text=True)  # once
    # Kept as its SHA-256 digest only.
    row = db.session.scalar(select(ApiToken))
    assert row.digest == hashlib.sha256(token.encode()).hexdigest()
    assert token not in repr(row)
    headers = {"Authorization": f"Bearer {token}"}
    response = anonymous.post("/api/items", json={"name": "Widget"}, headers=headers)
    assert response.status_code == 201
    db.session.expire_all()
    assert db.session.scalar(select(ApiToken)).last_used_at is not None
    assert "never" not in client.get("/accounts/tokens/").get_data(as_text=True)


def test_a_revoked_token_stops_working(client, anonymous):
    token = make_token(client)
    headers = {"Authorization": f"Bearer {token}"}
    assert anonymous.post("/api/items", json={"name": "A"}, headers=headers).status_code == 201
    response = client.post(revoke_url(client))
    assert response.status_code == 303
    assert anonymous.post("/api/items", json={"name": "B"}, headers=headers).status_code == 401


def test_nobody_revokes_someone_elses_token(app, client, make_user):
    make_token(client)
    url = revoke_url(client)
    other = signed_in(app.test_client(), make_user("other@example.com"))
    assert other.post(url).status_code == 404
    assert client.post(url).status_code == 303


@pytest.mark.parametrize("name", ["", "   ", "x" * 101])
def test_a_token_needs_a_name(client, name):
    response = client.post("/accounts/tokens/", data={"name": name})
    assert response.status_code == 422
    assert 'id="name-error"' in response.get_data(as_text=True)


def test_the_tokens_page_needs_a_login(anonymous):
    assert anonymous.get("/accounts/tokens/").status_code == 302


def test_the_document_says_how_to_authenticate(client):
    document = client.get("/api/openapi.json").json
    schemes = document["components"]["securitySchemes"]
    assert schemes["BearerAuth"] == {
        "type": "http",
        "scheme": "bearer",
        "description": schemes["BearerAuth"]["description"],
    }
    assert schemes["SessionCookie"]["in"] == "cookie"
    assert schemes["CSRFToken"] == {**schemes["CSRFToken"], "in": "header", "name": "X-CSRFToken"}
    create = document["paths"]["/api/items"]["post"]
    assert create["security"] == [{"BearerAuth": []}, {"SessionCookie": [], "CSRFToken": []}]
    assert "401" in create["responses"]
    assert "security" not in document["paths"]["/api/items"]["get"]


def test_api_errors_other_than_auth_stay_json(anonymous):
    response = anonymous.get("/api/items/99")
    assert response.status_code == 404
    assert response.json["error"] == "Not Found"
