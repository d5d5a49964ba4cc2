"""The items API (api/items.py), operation by operation, with every error it answers."""

from __future__ import annotations

import pytest

MAX_ID = 2**31 - 1


def test_list_is_empty_at_first(client):
    response = client.get("/api/items")
    assert response.status_code == 200
    assert response.json == {"items": [], "next": None}


def test_list_returns_items_oldest_first(client, make_item):
    make_item("Second")
    make_item("First")
    response = client.get("/api/items")
    assert [item["name"] for item in response.json["items"]] == ["Second", "First"]


def test_list_comes_in_pages(client, make_item):
    names = [f"Item {n}" for n in range(5)]
    for name in names:
        make_item(name)
    seen, url = [], "/api/items?limit=2"
    while url:
        page = client.get(url).json
        assert len(page["items"]) <= 2
        seen += [item["name"] for item in page["items"]]
        url = page["next"]
    assert seen == names


def test_list_pages_hold_20_items_unless_asked(client, make_item):
    for n in range(21):
        make_item(f"Item {n}")
    page = client.get("/api/items").json
    assert len(page["items"]) == 20
    assert page["next"] == f"/api/items?after={page['items'][-1]['id']}&limit=20"


@pytest.mark.parametrize(
    "query", ["limit=0", "limit=101", "limit=x", "after=-1", f"after={MAX_ID + 1}", "after=1e3"]
)
def test_list_refuses_a_bad_page(client, query):
    response = client.get(f"/api/items?{query}")
    assert response.status_code == 422
    assert list(response.json["errors"]) == [query.split("=")[0]]


def test_create(client):
    response = client.post("/api/items", json={"name": "  Widget ", "description": "Blue"})
    assert response.status_code == 201
    item = response.json
    assert item["name"] == "Widget"
    assert item["description"] == "Blue"
    assert item["created_at"].endswith("Z")
    assert item["updated_at"] == item["created_at"]
    assert response.headers["Location"] == f"/api/items/{item['id']}"
    assert client.get(response.headers["Location"]).json == item


def test_create_without_description(client):
    response = client.post("/api/items", json={"name": "Widget"})
    assert response.status_code == 201
    assert response.json["description"] is None


def test_create_ignores_read_only_fields(client):
    response = client.post("/api/items", json={"name": "Widget", "id": 99, "created_at": "x"})
    assert response.status_code == 201
    assert response.json["id"] != 99


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "name"),
        ({"name": ""}, "name"),
        ({"name": "   "}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"name": 42}, "name"),
        ({"name": None}, "name"),
        ({"name": ["Widget"]}, "name"),
        ({"name": "Widget", "description": 1}, "description"),
        ({"name": "Widget", "description": "x" * 10_001}, "description"),
        ({"name": "Widget", "colour": "red"}, "colour"),
        # PostgreSQL cannot store a NUL character: refused in every string, as 422, not 500.
        ({"name": "Wid\x00get"}, "name"),
        ({"name": "Widget", "description": "\x00"}, "description"),
    ],
)
def test_create_invalid(client, body, field):
    response = client.post("/api/items", json=body)
    assert response.status_code == 422
    errors = response.json["errors"]
    assert list(errors) == [field]
    assert all(isinstance(message, str) and message for message in errors[field])


def test_create_accepts_100_and_10_000_characters(client):
    response = client.post("/api/items", json={"name": "x" * 100, "description": "y" * 10_000})
    assert response.status_code == 201


@pytest.mark.parametrize("text", ['"\\ud800"', '"a\\udfffb"', '"\\udc00\\ud800"'])
def test_lone_surrogates_are_refused(client, text):
    """Not Unicode: no database stores them, and encoding them failed with a 500."""
    body = '{"name": ' + text + "}"
    response = client.post("/api/items", data=body, content_type="application/json")
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["name"]


def test_a_surrogate_pair_is_one_character(client):
    body = '{"name": "\\ud83d\\ude00"}'
    response = client.post("/api/items", data=body, content_type="application/json")
    assert response.status_code == 201
    assert response.json["name"] == "\N{GRINNING FACE}"


def test_create_duplicate_name(client, make_item):
    make_item("Widget")
    response = client.post("/api/items", json={"name": "Widget"})
    assert response.status_code == 409
    assert response.json == {"errors": {"name": ["An item with this name already exists."]}}


@pytest.mark.parametrize(
    "body", ['{"name": "Widget"', "", "{'name': 'Widget'}", b'{"name": "\xff"}']
)
def test_create_malformed_json(client, body):
    response = client.post("/api/items", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json == {
        "error": "Bad Request",
        "message": "The request body is not valid JSON.",
    }


def test_deeply_nested_json_is_malformed_not_a_crash(client):
    body = "[" * 100_000 + "]" * 100_000
    response = client.post("/api/items", data=body, content_type="application/json")
    assert response.status_code in (400, 413)
    assert response.is_json


@pytest.mark.parametrize("body", ["[]", '"Widget"', "42", "null"])
@pytest.mark.parametrize("method", ["post", "put", "patch"])
def test_json_that_is_not_an_object(client, make_item, method, body):
    url = "/api/items" if method == "post" else f"/api/items/{make_item()['id']}"
    response = getattr(client, method)(url, data=body, content_type="application/json")
    assert response.status_code == 422
    assert response.json == {"errors": {"_schema": ["The body must be a JSON object."]}}


def test_a_body_too_large_is_413(client):
    body = '{"name": "Widget", "description": "' + "x" * 300_000 + '"}'
    response = client.post("/api/items", data=body, content_type="application/json")
    assert response.status_code == 413
    assert response.json["error"] == "Request Entity Too Large"


@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain", None])
def test_create_body_that_is_not_json(client, content_type):
    response = client.post("/api/items", data="name=Widget", content_type=content_type)
    assert response.status_code == 415
    assert response.is_json
    assert response.json["error"] == "Unsupported Media Type"


def test_get(client, make_item):
    item = make_item("Widget", "Blue")
    response = client.get(f"/api/items/{item['id']}")
    assert response.status_code == 200
    assert response.json == item


def test_get_missing(client):
    response = client.get("/api/items/999")
    assert response.status_code == 404
    assert response.json == {"error": "Not Found", "message": "There is no item 999."}


@pytest.mark.parametrize("item_id", ["0", "-1", str(MAX_ID + 1), str(2**63), "9" * 30, "1.5", "x"])
@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
def test_ids_out_of_range_are_404(client, method, item_id):
    """No id the database cannot hold reaches it (OverflowError, NumericValueOutOfRange)."""
    response = getattr(client, method)(f"/api/items/{item_id}", json={"name": "Widget"})
    assert response.status_code == 404
    assert response.json["error"] == "Not Found"


def test_the_largest_id_is_a_plain_404(client):
    response = client.get(f"/api/items/{MAX_ID}")
    assert response.status_code == 404
    assert response.json["message"] == f"There is no item {MAX_ID}."


def test_put_replaces_every_field(client, make_item):
    item = make_item("Widget", "Blue")
    response = client.put(f"/api/items/{item['id']}", json={"name": "Gadget"})
    assert response.status_code == 200
    assert response.json["name"] == "Gadget"
    assert response.json["description"] is None  # not sent, so reset
    assert response.json["created_at"] == item["created_at"]
    assert response.json["updated_at"] >= item["updated_at"]
    assert client.get(f"/api/items/{item['id']}").json == response.json


def test_put_accepts_what_get_returned(client, make_item):
    item = make_item("Widget", "Blue")
    response = client.put(f"/api/items/{item['id']}", json=item | {"description": "Red"})
    assert response.status_code == 200
    assert response.json["description"] == "Red"


def test_put_needs_a_name(client, make_item):
    item = make_item()
    response = client.put(f"/api/items/{item['id']}", json={"description": "Blue"})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["name"]


def test_put_keeping_its_own_name(client, make_item):
    item = make_item("Widget")
    response = client.put(f"/api/items/{item['id']}", json={"name": "Widget", "description": "x"})
    assert response.status_code == 200


def test_put_duplicate_name(client, make_item):
    make_item("Widget")
    item = make_item("Gadget")
    response = client.put(f"/api/items/{item['id']}", json={"name": "Widget"})
    assert response.status_code == 409
    assert response.json == {"errors": {"name": ["An item with this name already exists."]}}
    assert client.get(f"/api/items/{item['id']}").json["name"] == "Gadget"


def test_put_missing(client):
    response = client.put("/api/items/999", json={"name": "Widget"})
    assert response.status_code == 404
    assert response.is_json


def test_put_not_json(client, make_item):
    item = make_item()
    response = client.put(f"/api/items/{item['id']}", data="name=x")
    assert response.status_code == 415


def test_patch_changes_only_what_is_sent(client, make_item):
    item = make_item("Widget", "Blue")
    response = client.patch(f"/api/items/{item['id']}", json={"description": "Red"})
    assert response.status_code == 200
    assert response.json["name"] == "Widget"
    assert response.json["description"] == "Red"


def test_patch_name(client, make_item):
    item = make_item("Widget", "Blue")
    response = client.patch(f"/api/items/{item['id']}", json={"name": "Gadget"})
    assert response.status_code == 200
    assert response.json["name"] == "Gadget"
    assert response.json["description"] == "Blue"


def test_patch_empty_object_changes_nothing(client, make_item):
    item = make_item("Widget", "Blue")
    response = client.patch(f"/api/items/{item['id']}", json={})
    assert response.status_code == 200
    assert response.json == item


def test_patch_description_to_null(client, make_item):
    item = make_item("Widget", "Blue")
    response = client.patch(f"/api/items/{item['id']}", json={"description": None})
    assert response.json["description"] is None


def test_patch_name_to_null_is_invalid(client, make_item):
    item = make_item("Widget")
    response = client.patch(f"/api/items/{item['id']}", json={"name": None})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["name"]


def test_patch_duplicate_name(client, make_item):
    make_item("Widget")
    item = make_item("Gadget")
    response = client.patch(f"/api/items/{item['id']}", json={"name": "Widget"})
    assert response.status_code == 409


def test_patch_missing(client):
    response = client.patch("/api/items/999", json={"name": "Widget"})
    assert response.status_code == 404


def test_delete(client, make_item):
    item = make_item()
    response = client.delete(f"/api/items/{item['id']}")
    assert response.status_code == 204
    assert response.data == b""
    assert client.get(f"/api/items/{item['id']}").status_code == 404


def test_delete_missing(client):
    response = client.delete("/api/items/999")
    assert response.status_code == 404
    assert response.is_json


@pytest.mark.parametrize(
    ("method", "url", "allowed"),
    [
        ("delete", "/api/items", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("put", "/api/items", {"GET", "HEAD", "OPTIONS", "POST"}),
        ("post", "/api/items/1", {"DELETE", "GET", "HEAD", "OPTIONS", "PATCH", "PUT"}),
    ],
)
def test_method_not_allowed(client, method, url, allowed):
    response = getattr(client, method)(url, data="x=1")
    assert response.status_code == 405
    assert response.is_json
    assert response.json["error"] == "Method Not Allowed"
    assert set(response.headers["Allow"].split(", ")) == allowed


@pytest.mark.parametrize(
    "url", ["/api/nothing", "/api/items/abc", "/api", "/api/", "/api/items/", "/api/items/1/"]
)
@pytest.mark.parametrize("method", ["get", "post"])
def test_unknown_api_url(client, method, url):
    response = getattr(client, method)(url, json={"name": "Widget"})
    assert response.status_code == 404
    assert response.json["error"] == "Not Found"


def test_api_needs_no_csrf_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/api/items", json={"name": "Widget"})
    assert response.status_code == 201
