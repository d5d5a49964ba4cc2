{%- import "samples.jinja" as samples -%}
{%- set r = resource -%}
{%- set C = r.class_name -%}
{%- set uniques = r.columns | selectattr("unique") | list -%}
{%- set refs = r.columns | selectattr("type", "equalto", "ref") | list -%}
{%- set required = r.columns | rejectattr("optional") | list -%}
{%- set optional = r.columns | selectattr("optional") | list -%}
"""The API of {{ r.lower_plural }}, operation by operation, with its errors."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy.exc import IntegrityError
{%- import "python.jinja" as python %}

{% if uniques -%}
from {{ cookiecutter.package_name }}.api import {{ r.module }} as api
{% endif -%}
from {{ cookiecutter.package_name }}.extensions import db
{%- set models = [C] + (refs | map(attribute="ref") | map(attribute="class_name") | list) %}
{{ python.from_import(cookiecutter.package_name ~ ".models", models) }}
from tests.factories import make

URL = "/api/{{ r.url }}"
MAX_ID = 2**31 - 1
Body = Callable[..., dict[str, Any]]


@pytest.fixture
def body(app) -> Body:
    """`body(n)`: a valid {{ r.lower }} as JSON; two numbers differ in every field."""
{%- if refs %}
    with app.app_context():
        refs = {
{%- for c in refs %}
            "{{ c.column }}": make({{ c.ref.class_name }}).id,
{%- endfor %}
        }
{%- endif %}

    def build(n: int = 1, **changes: Any) -> dict[str, Any]:
        return {
{%- for c in r.columns %}
            "{{ c.column }}": {{ samples.json_value(c) }},
{%- endfor %}
        } | changes

    return build


def create(client: FlaskClient, body: Body, n: int = 1) -> dict[str, Any]:
    response = client.post(URL, json=body(n))
    created = response.json
    assert response.status_code == 201, created
    assert isinstance(created, dict)
    return created


def test_the_document_has_the_paths(client):
    paths = client.get("/api/openapi.json").json["paths"]
    assert {URL, URL + "/{% raw %}{{% endraw %}{{ r.snake }}_id{% raw %}}{% endraw %}"} <= set(paths)


def test_list_is_empty_at_first(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert response.json == {"items": [], "next": None}


def test_create_then_read_and_list(client, body):
    response = client.post(URL, json=body())
    assert response.status_code == 201
    created = response.json
    for field, value in body().items():
        assert created[field] == value, field
    assert created["created_at"].endswith("Z")
    assert created["updated_at"] == created["created_at"]
    assert response.headers["Location"] == f"{URL}/{created['id']}"
    assert client.get(response.headers["Location"]).json == created
    assert client.get(URL).json["items"] == [created]


def test_list_comes_in_pages(client, body):
    ids = [create(client, body, n)["id"] for n in (1, 2, 3)]
    seen, url = [], f"{URL}?limit=2"
    while url:
        page = client.get(url).json
        assert len(page["items"]) <= 2
        seen += [row["id"] for row in page["items"]]
        url = page["next"]
    assert seen == ids


@pytest.mark.parametrize("query", ["limit=0", "limit=101", "after=-1", f"after={MAX_ID + 1}"])
def test_list_refuses_a_bad_page(client, query):
    response = client.get(f"{URL}?{query}")
    assert response.status_code == 422
    assert list(response.json["errors"]) == [query.split("=")[0]]
{%- if required %}


@pytest.mark.parametrize(
    "field",
    [
{%- for c in required %}
        "{{ c.column }}",
{%- endfor %}
    ],
)
def test_create_without_a_required_field(client, body, field):
    sent = body()
    del sent[field]
    response = client.post(URL, json=sent)
    assert response.status_code == 422
    assert list(response.json["errors"]) == [field]
{%- endif %}
{%- if optional %}


def test_optional_fields_may_be_left_out(client, body):
    sent = body()
{%- for c in optional %}
    del sent["{{ c.column }}"]
{%- endfor %}
    response = client.post(URL, json=sent)
    assert response.status_code == 201
{%- for c in optional %}
    assert response.json["{{ c.column }}"] is None
{%- endfor %}
{%- endif %}


@pytest.mark.parametrize(
    ("field", "value"),
    [
{%- for c in r.columns %}
        ("{{ c.column }}", {{ samples.wrong_json(c) }}),
{%- if c.type == "str" %}
        ("{{ c.column }}", "x" * {{ c.length + 1 }}),
{%- endif %}
{%- if not c.optional %}
        ("{{ c.column }}", None),
{%- endif %}
{%- endfor %}
        ("colour", "red"),
    ],
)
def test_create_refuses_an_invalid_field(client, body, field, value):
    response = client.post(URL, json=body(**{field: value}))
    assert response.status_code == 422
    assert list(response.json["errors"]) == [field]
{%- for c in uniques %}


def test_a_{{ c.column }}_taken_is_409(client, body):
    first = create(client, body, 1)
    taken = body(2, {{ c.column }}=first["{{ c.column }}"])
    response = client.post(URL, json=taken)
    assert response.status_code == 409
    message = api.UNIQUE["{{ c.column }}"]
    assert response.json == {"errors": {"{{ c.column }}": [message]}}
    row = create(client, body, 3)
    changed = {"{{ c.column }}": first["{{ c.column }}"]}
    assert client.patch(f"{URL}/{row['id']}", json=changed).status_code == 409
{%- endfor %}
{%- for c in refs %}


def test_{{ c.column }}_of_no_{{ c.ref.snake }}_is_409(client, body):
    response = client.post(URL, json=body({{ c.column }}=MAX_ID))
    assert response.status_code == 409
    message = f"There is no {{ c.ref.lower }} {MAX_ID}."
    assert response.json == {"errors": {"{{ c.column }}": [message]}}
{%- endfor %}
{%- if uniques or refs %}


def test_a_change_that_came_first_is_409(client, body, monkeypatch):
    """Another request took a value (or deleted a row) between the check and the commit."""

    def conflict() -> None:
        raise IntegrityError("INSERT", {}, Exception("a constraint failed"))

    monkeypatch.setattr(db.session, "commit", conflict)
    response = client.post(URL, json=body())
    assert response.status_code == 409
    assert list(response.json["errors"]) == ["_schema"]
{%- endif %}


def test_put_replaces_every_field(client, body):
    row = create(client, body, 1)
    sent = body(2)
{%- for c in optional %}
    del sent["{{ c.column }}"]  # left out: reset
{%- endfor %}
    response = client.put(f"{URL}/{row['id']}", json=sent)
    assert response.status_code == 200
    for field, value in sent.items():
        assert response.json[field] == value, field
{%- for c in optional %}
    assert response.json["{{ c.column }}"] is None
{%- endfor %}
    assert response.json["created_at"] == row["created_at"]
    assert client.get(f"{URL}/{row['id']}").json == response.json


def test_put_accepts_what_get_returned(client, body):
    row = create(client, body)
    response = client.put(f"{URL}/{row['id']}", json=row)
    assert response.status_code == 200
    assert response.json["id"] == row["id"]


def test_patch_changes_only_what_is_sent(client, body):
    row = create(client, body, 1)
{%- set first = r.columns[0] %}
    changed = body(2)["{{ first.column }}"]
    response = client.patch(f"{URL}/{row['id']}", json={"{{ first.column }}": changed})
    assert response.status_code == 200
    expected = row | {"{{ first.column }}": changed}
    assert response.json == expected | {"updated_at": response.json["updated_at"]}
    assert client.patch(f"{URL}/{row['id']}", json={}).json["{{ first.column }}"] == changed
{%- if required %}


def test_patch_refuses_null_for_a_required_field(client, body):
    row = create(client, body)
    response = client.patch(f"{URL}/{row['id']}", json={"{{ required[0].column }}": None})
    assert response.status_code == 422
    assert list(response.json["errors"]) == ["{{ required[0].column }}"]
{%- endif %}


def test_delete(client, body):
    row = create(client, body)
    response = client.delete(f"{URL}/{row['id']}")
    assert response.status_code == 204
    assert response.data == b""
    assert client.get(f"{URL}/{row['id']}").status_code == 404


def test_delete_while_other_rows_refer_to_it_is_409(client, body, monkeypatch):
    row = create(client, body)

    def refused() -> None:
        raise IntegrityError("DELETE", {}, Exception("a foreign key refers to it"))

    monkeypatch.setattr(db.session, "commit", refused)
    response = client.delete(f"{URL}/{row['id']}")
    assert response.status_code == 409
    assert response.json["error"] == "Conflict"
    monkeypatch.undo()
    assert client.get(f"{URL}/{row['id']}").status_code == 200


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete"])
@pytest.mark.parametrize("row_id", ["999", "0", str(MAX_ID + 1), "x"])
def test_a_missing_{{ r.snake }}_is_404(client, body, method, row_id):
    response = getattr(client, method)(f"{URL}/{row_id}", json=body())
    assert response.status_code == 404
    assert response.json["error"] == "Not Found"


def test_a_body_that_is_not_json_is_415(client):
    response = client.post(URL, data="x=1", content_type="application/x-www-form-urlencoded")
    assert response.status_code == 415
    assert response.json["error"] == "Unsupported Media Type"


def test_malformed_json_is_400(client):
    response = client.post(URL, data="{", content_type="application/json")
    assert response.status_code == 400


@pytest.mark.parametrize(("method", "url"), [("delete", URL), ("post", f"{URL}/1")])
def test_method_not_allowed_is_405(client, method, url):
    response = getattr(client, method)(url)
    assert response.status_code == 405
    assert response.json["error"] == "Method Not Allowed"


def test_the_api_needs_no_csrf_token(app, client, body):
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post(URL, json=body()).status_code == 201


def test_the_model_shows_itself(app):
    with app.app_context():
        row = make({{ C }})
        assert repr(row) == f"<{{ C }} {row.id}>"
        assert str(row) == {% if r.label %}row.{{ r.label }}{% else %}f"{{ r.title }} {row.id}"{% endif %}
