"""The JSON API on Item, method by method, including every error it answers."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from {{ cookiecutter.package_name }}.forms import ItemForm
from {{ cookiecutter.package_name }}.models import Item
from {{ cookiecutter.package_name }}.urls import app_name

pytestmark = pytest.mark.django_db

LIST_URL = "/api/items/"


def detail_url(pk):
    return f"/api/items/{pk}/"


def send(client, method, url, data, content_type="application/json"):
    return getattr(client, method)(url, data, content_type=content_type)


def test_urls_are_the_documented_ones():
    assert reverse(f"{app_name}:item-list") == LIST_URL
    assert reverse(f"{app_name}:item-detail", args=[7]) == detail_url(7)


# List and create


def test_list_is_empty_at_first(client):
    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response.json() == {"items": []}


def test_list_returns_the_items(client, item):
    Item.objects.create(name="Kettle")

    items = client.get(LIST_URL).json()["items"]

    assert [entry["name"] for entry in items] == ["Teapot", "Kettle"]
    assert set(items[0]) == {"id", "name", "description", "created_at", "updated_at"}
    assert items[0]["id"] == item.pk
    assert items[0]["description"] == "Short and stout."


def test_create_returns_201_with_location(client):
    response = send(client, "post", LIST_URL, {"name": "Kettle", "description": "Whistles."})

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Kettle"
    assert body["description"] == "Whistles."
    assert response["Location"] == detail_url(body["id"])
    assert Item.objects.get(pk=body["id"]).name == "Kettle"


def test_create_without_description(client):
    response = send(client, "post", LIST_URL, {"name": "Kettle"})

    assert response.status_code == 201
    assert response.json()["description"] == ""


def test_create_strips_surrounding_whitespace(client):
    response = send(client, "post", LIST_URL, {"name": "  Kettle  "})

    assert response.json()["name"] == "Kettle"


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": 42}, "name"),
        ({"name": ["Kettle"]}, "name"),
        ({"name": "Kettle", "description": 3}, "description"),
    ],
)
def test_create_with_invalid_fields_is_422(client, payload, field):
    response = send(client, "post", LIST_URL, payload)

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert all(isinstance(message, str) for message in errors[field])
    assert not Item.objects.exists()


def test_unknown_fields_are_422(client):
    response = send(client, "post", LIST_URL, {"name": "Kettle", "colour": "red", "size": 2})

    assert response.status_code == 422
    assert response.json() == {"errors": {"colour": ["Unknown field."], "size": ["Unknown field."]}}


def test_read_only_fields_sent_back_are_ignored(client, item):
    data = client.get(detail_url(item.pk)).json()
    data["description"] = "Sent back whole."

    response = send(client, "put", detail_url(item.pk), data)

    assert response.status_code == 200
    assert response.json()["description"] == "Sent back whole."
    assert response.json()["created_at"] == data["created_at"]


def test_create_accepts_exactly_100_characters(client):
    response = send(client, "post", LIST_URL, {"name": "x" * 100})

    assert response.status_code == 201


def test_create_duplicate_name_is_422(client, item):
    response = send(client, "post", LIST_URL, {"name": item.name})

    assert response.status_code == 422
    assert response.json() == {"errors": {"name": ["An item with this name already exists."]}}
    assert Item.objects.count() == 1


def test_create_losing_a_race_for_the_name_is_422(client, item, monkeypatch):
    # Two requests validate the same new name; the database refuses the second insert.
    monkeypatch.setattr(ItemForm, "validate_unique", lambda form: None)

    response = send(client, "post", LIST_URL, {"name": item.name})

    assert response.status_code == 422
    assert response.json() == {"errors": {"name": ["An item with this name already exists."]}}


def test_malformed_json_is_400(client):
    response = send(client, "post", LIST_URL, '{"name": ')

    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"
    assert response.json()["message"].startswith("Malformed JSON")


def test_body_that_is_not_utf8_is_400(client):
    response = send(client, "post", LIST_URL, b'{"name": "\xff"}')

    assert response.status_code == 400


def test_json_that_is_not_an_object_is_400(client):
    response = send(client, "post", LIST_URL, ["Kettle"])

    assert response.status_code == 400
    assert response.json() == {
        "error": "Bad Request",
        "message": "The body must be a JSON object.",
    }


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"]
)
def test_body_that_is_not_json_is_415(client, content_type):
    response = client.post(LIST_URL, "name=Kettle", content_type=content_type)

    assert response.status_code == 415
    assert response.json()["error"] == "Unsupported Media Type"
    assert "application/json" in response.json()["message"]
    assert not Item.objects.exists()


def test_content_type_parameters_are_accepted(client):
    response = send(client, "post", LIST_URL, {"name": "Kettle"}, "application/json; charset=utf-8")

    assert response.status_code == 201


@pytest.mark.parametrize("method", ["put", "patch", "delete"])
def test_list_rejects_other_methods_with_405(client, method):
    response = getattr(client, method)(LIST_URL)

    assert response.status_code == 405
    assert response.json() == {
        "error": "Method Not Allowed",
        "message": f"Method {method.upper()} is not allowed here.",
    }
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"


def test_head_and_options(client):
    assert client.head(LIST_URL).status_code == 200
    response = client.options(LIST_URL)
    assert response.status_code == 200
    assert response["Allow"] == "GET, POST, HEAD, OPTIONS"


# One item: get, replace, update, delete


def test_get_item(client, item):
    response = client.get(detail_url(item.pk))

    assert response.status_code == 200
    assert response.json()["name"] == "Teapot"
    assert response.json()["id"] == item.pk


def test_put_replaces_the_item(client, item):
    response = send(client, "put", detail_url(item.pk), {"name": "Kettle"})

    assert response.status_code == 200
    assert response.json()["name"] == "Kettle"
    assert response.json()["description"] == ""  # left out of a full replacement
    item.refresh_from_db()
    assert (item.name, item.description) == ("Kettle", "")


def test_put_needs_the_name(client, item):
    response = send(client, "put", detail_url(item.pk), {"description": "No name."})

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["name"]


def test_put_keeping_its_own_name_is_not_a_duplicate(client, item):
    response = send(client, "put", detail_url(item.pk), {"name": item.name})

    assert response.status_code == 200


def test_put_taking_another_items_name_is_422(client, item):
    other = Item.objects.create(name="Kettle")

    response = send(client, "put", detail_url(other.pk), {"name": item.name})

    assert response.status_code == 422
    assert "name" in response.json()["errors"]


def test_patch_updates_only_the_given_fields(client, item):
    response = send(client, "patch", detail_url(item.pk), {"description": "Tall."})

    assert response.status_code == 200
    assert response.json()["name"] == "Teapot"
    assert response.json()["description"] == "Tall."


def test_patch_with_invalid_name_is_422(client, item):
    response = send(client, "patch", detail_url(item.pk), {"name": ""})

    assert response.status_code == 422
    item.refresh_from_db()
    assert item.name == "Teapot"


def test_patch_with_malformed_json_is_400(client, item):
    response = send(client, "patch", detail_url(item.pk), "{")

    assert response.status_code == 400


def test_put_with_form_data_is_415(client, item):
    response = send(client, "put", detail_url(item.pk), "name=x", "text/plain")

    assert response.status_code == 415


def test_delete_item(client, item):
    response = client.delete(detail_url(item.pk))

    assert response.status_code == 204
    assert response.content == b""
    assert not Item.objects.exists()


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_missing_item_is_404(client, method):
    response = send(client, method, detail_url(999), {"name": "Kettle"})

    assert response.status_code == 404
    assert response.json() == {"error": "Not Found", "message": "Item 999 not found."}


def test_detail_rejects_post_with_405(client, item):
    response = send(client, "post", detail_url(item.pk), {"name": "Kettle"})

    assert response.status_code == 405
    assert response["Allow"] == "GET, PUT, PATCH, DELETE, HEAD, OPTIONS"


@pytest.mark.parametrize("url", ["/api/nothing/", "/api/items/not-a-number/"])
def test_unknown_api_url_is_a_json_404(client, url):
    response = client.get(url)

    assert response.status_code == 404
    assert response.json() == {"error": "Not Found", "message": "There is nothing at this URL."}


# CSRF protection stays on for the API


def test_post_without_csrf_token_is_refused():
    client = Client(enforce_csrf_checks=True)

    response = send(client, "post", LIST_URL, {"name": "Kettle"})

    assert response.status_code == 403
    assert not Item.objects.exists()


def test_post_with_the_pages_csrf_token_is_accepted():
    # As static/.../app.js does: the token from the page's <meta> tag, in a header.
    client = Client(enforce_csrf_checks=True)
    page = client.get("/").content.decode()
    token = re.search(r'<meta name="csrf-token" content="([^"]+)">', page).group(1)

    response = client.post(
        LIST_URL,
        {"name": "Kettle"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    assert response.status_code == 201
