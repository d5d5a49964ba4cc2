"""The items API (api/items.py), operation by operation, with every error it answers."""

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from {{ cookiecutter.package_name }}.models import Item

pytestmark = pytest.mark.django_db

LIST_URL = "/api/items/"
MAX_ID = 2**31 - 1


def detail_url(pk: object) -> str:
    return f"/api/items/{pk}/"


def send(
    client: Client, method: str, url: str, data: Any, content_type: str = "application/json"
) -> Any:
    return getattr(client, method)(url, data, content_type=content_type)


def test_urls_are_the_documented_ones():
    assert reverse("api:item-list") == LIST_URL
    assert reverse("api:item-detail", args=[7]) == detail_url(7)


# List and create


def test_list_is_empty_at_first(client):
    response = client.get(LIST_URL)

    assert response.status_code == 200
    assert response["Content-Type"].startswith("application/json")
    assert response.json() == {"items": [], "next": None}


def test_list_returns_the_items(client, item):
    Item.objects.create(name="Kettle")

    entries = client.get(LIST_URL).json()["items"]

    assert [entry["name"] for entry in entries] == ["Teapot", "Kettle"]
    fields = {"id", "name", "description", "created_at", "updated_at"}
    assert set(entries[0]) == fields{{ ' | {"word_count"}' if "jobs" in cookiecutter._features }}
    assert entries[0]["id"] == item.pk
    assert entries[0]["description"] == "Short and stout."


def test_list_comes_in_pages(client):
    names = [f"Item {n}" for n in range(5)]
    for name in names:
        Item.objects.create(name=name)
    seen, url = [], f"{LIST_URL}?limit=2"
    while url:
        page = client.get(url).json()
        assert len(page["items"]) <= 2
        seen += [entry["name"] for entry in page["items"]]
        url = page["next"]

    assert seen == names


def test_list_pages_hold_20_items_unless_asked(client):
    Item.objects.bulk_create(Item(name=f"Item {n}") for n in range(21))

    page = client.get(LIST_URL).json()

    assert len(page["items"]) == 20
    assert page["next"] == f"{LIST_URL}?after={page['items'][-1]['id']}&limit=20"


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "limit=x", "after=-1", f"after={MAX_ID + 1}", "after=1e3"]
)
def test_list_refuses_a_bad_page(client, query):
    response = client.get(f"{LIST_URL}?{query}")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == [query.split("=")[0]]


def test_create_returns_201_with_location(client):
    response = send(client, "post", LIST_URL, {"name": "Kettle", "description": "Whistles."})

    assert response.status_code == 201
    body = response.json()
    assert body["name"] == "Kettle"
    assert body["description"] == "Whistles."
    assert body["created_at"].endswith("Z")
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
        ({"name": None}, "name"),
        ({"name": ["Kettle"]}, "name"),
        ({"name": "Kettle", "description": 3}, "description"),
        ({"name": "Kettle", "description": "x" * 10_001}, "description"),
        ({"name": "Kettle", "colour": "red"}, "colour"),
        # PostgreSQL cannot store a NUL character: refused in every string, as 422, not 500.
        ({"name": "Ket\x00tle"}, "name"),
        ({"name": "Kettle", "description": "\x00"}, "description"),
    ],
)
def test_create_with_invalid_fields_is_422(client, payload, field):
    response = send(client, "post", LIST_URL, payload)

    assert response.status_code == 422
    errors = response.json()["errors"]
    assert list(errors) == [field]
    assert all(isinstance(message, str) and message for message in errors[field])
    assert not Item.objects.exists()


@pytest.mark.parametrize("text", ['"\\ud800"', '"a\\udfffb"', '"\\udc00\\ud800"'])
def test_lone_surrogates_are_refused(client, text):
    """Not Unicode: no database stores them, and encoding them failed with a 500."""
    response = send(client, "post", LIST_URL, '{"name": ' + text + "}")

    assert response.status_code == 422
    assert list(response.json()["errors"]) == ["name"]


def test_a_surrogate_pair_is_one_character(client):
    response = send(client, "post", LIST_URL, '{"name": "\\ud83d\\ude00"}')

    assert response.status_code == 201
    assert response.json()["name"] == "\N{GRINNING FACE}"


def test_read_only_fields_sent_back_are_ignored(client, item):
    data = client.get(detail_url(item.pk)).json()
    data["description"] = "Sent back whole."

    response = send(client, "put", detail_url(item.pk), data)

    assert response.status_code == 200
    assert response.json()["description"] == "Sent back whole."
    assert response.json()["created_at"] == data["created_at"]


def test_create_accepts_100_and_10_000_characters(client):
    response = send(client, "post", LIST_URL, {"name": "x" * 100, "description": "y" * 10_000})

    assert response.status_code == 201


def test_create_duplicate_name_is_409(client, item):
    response = send(client, "post", LIST_URL, {"name": item.name})

    assert response.status_code == 409
    assert response.json() == {"errors": {"name": ["An item with this name already exists."]}}
    assert Item.objects.count() == 1


def test_create_losing_a_race_for_the_name_is_409(client, item, monkeypatch):
    # Two requests check the same new name; the database refuses the second insert.
    monkeypatch.setattr(Item.objects, "filter", lambda **kwargs: Item.objects.none())

    response = send(client, "post", LIST_URL, {"name": item.name})

    assert response.status_code == 409
    assert response.json() == {"errors": {"name": ["An item with this name already exists."]}}


@pytest.mark.parametrize("body", ['{"name": ', "{'name': 'Kettle'}", b'{"name": "\xff"}'])
def test_malformed_json_is_400(client, body):
    response = send(client, "post", LIST_URL, body)

    assert response.status_code == 400
    assert response.json() == {
        "error": "Bad Request",
        "message": "The request body is not valid JSON.",
    }


def test_deeply_nested_json_is_malformed_not_a_crash(client):
    response = send(client, "post", LIST_URL, "[" * 100_000 + "]" * 100_000)

    assert response.status_code in (400, 413)
    assert response["Content-Type"].startswith("application/json")


@pytest.mark.parametrize("body", ["[]", '"Kettle"', "42", "null"])
@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_json_that_is_not_an_object_is_422(client, item, method, body):
    response = send(client, method, LIST_URL if method == "post" else detail_url(item.pk), body)

    assert response.status_code == 422
    assert response.json()["errors"]


def test_a_body_too_large_is_413(client):
    body = '{"name": "Kettle", "description": "' + "x" * 300_000 + '"}'

    response = send(client, "post", LIST_URL, body)

    assert response.status_code == 413
    assert response.json()["error"] == "Request Entity Too Large"


@pytest.mark.parametrize(
    "content_type", ["application/x-www-form-urlencoded", "text/plain", "multipart/form-data"]
)
def test_body_that_is_not_json_is_415(client, content_type):
    response = client.post(LIST_URL, '{"name": "Kettle"}', content_type=content_type)

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
    assert response.json()["error"] == "Method Not Allowed"
    assert set(response["Allow"].split(", ")) == {"GET", "POST"}


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


def test_put_taking_another_items_name_is_409(client, item):
    other = Item.objects.create(name="Kettle")

    response = send(client, "put", detail_url(other.pk), {"name": item.name})

    assert response.status_code == 409
    assert "name" in response.json()["errors"]


def test_patch_updates_only_the_given_fields(client, item):
    response = send(client, "patch", detail_url(item.pk), {"description": "Tall."})

    assert response.status_code == 200
    assert response.json()["name"] == "Teapot"
    assert response.json()["description"] == "Tall."


@pytest.mark.parametrize("name", ["", None])
def test_patch_with_invalid_name_is_422(client, item, name):
    response = send(client, "patch", detail_url(item.pk), {"name": name})

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
    assert response.json() == {"error": "Not Found", "message": "There is no item 999."}


@pytest.mark.parametrize("item_id", ["0", "-1", str(MAX_ID + 1), str(2**63), "9" * 30, "1.5", "x"])
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_ids_out_of_range_are_404(client, method, item_id):
    """No id the database cannot hold reaches it (NumericValueOutOfRange, OverflowError)."""
    response = send(client, method, detail_url(item_id), {"name": "Kettle"})

    assert response.status_code == 404
    assert response.json() == {"error": "Not Found", "message": "There is nothing at this URL."}


def test_detail_rejects_post_with_405(client, item):
    response = send(client, "post", detail_url(item.pk), {"name": "Kettle"})

    assert response.status_code == 405
    assert set(response["Allow"].split(", ")) == {"GET", "PUT", "PATCH", "DELETE"}


@pytest.mark.parametrize(
    "url", ["/api/nothing/", "/api/items/not-a-number/", "/api", "/api/items", "/api/items/1"]
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_unknown_api_url_is_a_json_404(client, settings, method, url):
    settings.DEBUG = True  # not Django's technical 404 page, nor a redirect to add the slash

    response = send(client, method, url, {"name": "Kettle"})

    assert response.status_code == 404
    assert response.json() == {"error": "Not Found", "message": "There is nothing at this URL."}


def test_a_host_not_allowed_is_a_json_400(client, settings):
    settings.ALLOWED_HOSTS = ["example.com"]

    response = client.get(LIST_URL, headers={"host": "evil.example"})

    assert response.status_code == 400
    assert response.json()["error"] == "Bad Request"


{% if "auth" in cookiecutter._features -%}
def test_a_json_client_needs_no_csrf_token(token):
    """curl, httpie, another service: no cookie, no CSRF token, its API token, and every
    operation works."""
    client = Client(enforce_csrf_checks=True, headers={"Authorization": f"Bearer {token}"})
{%- else -%}
def test_a_json_client_needs_no_csrf_token():
    """curl, httpie, another service: no cookie, no token, and every operation works."""
    client = Client(enforce_csrf_checks=True)
{%- endif %}

    created = send(client, "post", LIST_URL, {"name": "Kettle"})
    url = created["Location"]

    assert created.status_code == 201
    assert send(client, "put", url, {"name": "Pot"}).status_code == 200
    assert send(client, "patch", url, {"description": "Tall."}).status_code == 200
    assert client.delete(url).status_code == 204


def test_the_html_form_keeps_its_csrf_token():
    client = Client(enforce_csrf_checks=True)

    assert client.post("/", {"name": "Kettle"}).status_code == 403
    assert not Item.objects.exists()
