from __future__ import annotations

import pytest


def test_list_is_empty_at_first(client):
    response = client.get("/api/items")
    assert response.status_code == 200
    assert response.json == {"items": []}


def test_list_returns_items_oldest_first(client, make_item):
    make_item("Second")
    make_item("First")
    response = client.get("/api/items")
    assert [item["name"] for item in response.json["items"]] == ["Second", "First"]


def test_create(client):
    response = client.post("/api/items", json={"name": "  Widget ", "description": "Blue"})
    assert response.status_code == 201
    item = response.json
    assert item["name"] == "Widget"
    assert item["description"] == "Blue"
    assert item["created_at"].endswith("+00:00")
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
    ("body", "errors"),
    [
        ({}, {"name": ["This field is required."]}),
        ({"name": ""}, {"name": ["Must not be blank."]}),
        ({"name": "   "}, {"name": ["Must not be blank."]}),
        ({"name": "x" * 101}, {"name": ["Must be at most 100 characters."]}),
        ({"name": 42}, {"name": ["Must be a string."]}),
        ({"name": "Widget", "description": 1}, {"description": ["Must be a string or null."]}),
        ({"name": "Widget", "colour": "red"}, {"colour": ["Unknown field."]}),
    ],
)
def test_create_invalid(client, body, errors):
    response = client.post("/api/items", json=body)
    assert response.status_code == 422
    assert response.json == {"errors": errors}


def test_create_accepts_100_characters(client):
    response = client.post("/api/items", json={"name": "x" * 100})
    assert response.status_code == 201


def test_create_duplicate_name(client, make_item):
    make_item("Widget")
    response = client.post("/api/items", json={"name": "Widget"})
    assert response.status_code == 422
    assert response.json == {"errors": {"name": ["An item with this name already exists."]}}


def test_create_malformed_json(client):
    response = client.post("/api/items", data='{"name": "Widget"', content_type="application/json")
    assert response.status_code == 400
    assert response.json["message"] == "The request body is not valid JSON."


@pytest.mark.parametrize("body", ["[]", '"Widget"', "null"])
def test_create_json_that_is_not_an_object(client, body):
    response = client.post("/api/items", data=body, content_type="application/json")
    assert response.status_code == 400
    assert response.json["message"] == "The request body must be a JSON object."


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
    assert response.json == {"errors": {"name": ["This field is required."]}}


def test_put_keeping_its_own_name(client, make_item):
    item = make_item("Widget")
    response = client.put(f"/api/items/{item['id']}", json={"name": "Widget", "description": "x"})
    assert response.status_code == 200


def test_put_duplicate_name(client, make_item):
    make_item("Widget")
    item = make_item("Gadget")
    response = client.put(f"/api/items/{item['id']}", json={"name": "Widget"})
    assert response.status_code == 422
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


def test_patch_invalid(client, make_item):
    item = make_item("Widget")
    response = client.patch(f"/api/items/{item['id']}", json={"name": None})
    assert response.status_code == 422
    assert response.json == {"errors": {"name": ["Must be a string."]}}


def test_patch_duplicate_name(client, make_item):
    make_item("Widget")
    item = make_item("Gadget")
    response = client.patch(f"/api/items/{item['id']}", json={"name": "Widget"})
    assert response.status_code == 422


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
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert response.is_json
    assert response.json["error"] == "Method Not Allowed"
    assert set(response.headers["Allow"].split(", ")) == allowed


@pytest.mark.parametrize("url", ["/api/nothing", "/api/items/abc", "/api"])
def test_unknown_api_url(client, url):
    response = client.get(url)
    assert response.status_code == 404
    assert response.json["error"] == "Not Found"


def test_api_needs_no_csrf_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    response = client.post("/api/items", json={"name": "Widget"})
    assert response.status_code == 201
