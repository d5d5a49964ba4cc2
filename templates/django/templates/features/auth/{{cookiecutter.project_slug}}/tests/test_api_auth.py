"""Who may write through the API: reads are public; writes need a user, by an API token
(`Authorization: Bearer`) or a browser's session with its CSRF token; else 401 JSON."""

import pytest
from django.test import Client

from accounts.models import Token, User

pytestmark = pytest.mark.django_db

LIST_URL = "/api/items/"


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_reads_stay_public(anonymous_client, item):
    assert anonymous_client.get(LIST_URL).status_code == 200
    assert anonymous_client.get(f"{LIST_URL}{item.pk}/").status_code == 200


@pytest.mark.parametrize(
    ("method", "detail"), [("post", False), ("put", True), ("patch", True), ("delete", True)]
)
def test_writes_without_a_user_are_401_json(anonymous_client, item, method, detail):
    url = f"{LIST_URL}{item.pk}/" if detail else LIST_URL

    response = getattr(anonymous_client, method)(
        url, {"name": "Kettle"}, content_type="application/json"
    )

    assert response.status_code == 401
    assert response.json()["error"] == "Unauthorized"
    assert "Bearer" in response.json()["message"]
    assert response["WWW-Authenticate"] == 'Bearer realm="api"'
    item.refresh_from_db()
    assert item.name == "Teapot"


def test_a_token_writes_and_is_marked_used(anonymous_client, token):
    response = anonymous_client.post(
        LIST_URL, {"name": "Kettle"}, content_type="application/json", headers=bearer(token)
    )

    assert response.status_code == 201
    assert Token.objects.get().last_used_at is not None


@pytest.mark.parametrize("header", ["Bearer nope", "Bearer ", "Basic YTpi", "Token abc"])
def test_a_wrong_token_is_401(anonymous_client, token, header):
    headers = {"Authorization": header}
    response = anonymous_client.post(
        LIST_URL, {"name": "Kettle"}, content_type="application/json", headers=headers
    )

    assert response.status_code == 401


def test_a_revoked_token_stops_working(anonymous_client, token):
    Token.objects.all().delete()

    response = anonymous_client.post(
        LIST_URL, {"name": "Kettle"}, content_type="application/json", headers=bearer(token)
    )

    assert response.status_code == 401


def test_the_token_of_a_deactivated_user_stops_working(anonymous_client, user, token):
    User.objects.filter(pk=user.pk).update(is_active=False)

    response = anonymous_client.post(
        LIST_URL, {"name": "Kettle"}, content_type="application/json", headers=bearer(token)
    )

    assert response.status_code == 401


def test_a_browser_session_needs_its_csrf_token(user):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(user)
    browser.get("/")  # the page, with its CSRF cookie and token
    csrf = browser.cookies["csrftoken"].value

    forged = browser.post(LIST_URL, {"name": "Kettle"}, content_type="application/json")
    sent = browser.post(
        LIST_URL, {"name": "Kettle"}, content_type="application/json", headers={"X-CSRFToken": csrf}
    )

    assert forged.status_code == 403
    assert forged.json()["error"] == "Forbidden"
    assert sent.status_code == 201


def test_the_document_describes_both_ways_and_the_401s(anonymous_client):
    document = anonymous_client.get("/api/openapi.json").json()

    schemes = document["components"]["securitySchemes"]
    assert schemes["BearerToken"] == {"type": "http", "scheme": "bearer"}
    assert schemes["BrowserSession"] == {"type": "apiKey", "in": "cookie", "name": "sessionid"}
    create = document["paths"][LIST_URL]["post"]
    assert create["security"] == [{"BearerToken": []}, {"BrowserSession": []}]
    assert "401" in create["responses"]
    assert "security" not in document["paths"][LIST_URL]["get"]


def test_the_page_form_sends_a_visitor_to_log_in(anonymous_client):
    response = anonymous_client.post("/", {"name": "Kettle"})

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/"
