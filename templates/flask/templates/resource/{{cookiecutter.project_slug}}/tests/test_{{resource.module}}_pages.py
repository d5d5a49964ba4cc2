{%- import "samples.jinja" as samples -%}
{%- import "python.jinja" as python -%}
{%- set r = resource -%}
{%- set C = r.class_name -%}
{%- set refs = r.columns | selectattr("type", "equalto", "ref") | list -%}
{%- set wrong = r.columns | rejectattr("type", "equalto", "bool") | first -%}
"""The pages of {{ r.lower_plural }}: list, read, create, edit, delete."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from {{ cookiecutter.package_name }}.api import {{ r.module }} as api
from {{ cookiecutter.package_name }}.extensions import db
{%- set models = [C] + (refs | map(attribute="ref") | map(attribute="class_name") | list) %}
{{ python.from_import(cookiecutter.package_name ~ ".models", models) }}
from tests.factories import make

URL = "/{{ r.url }}/"
Form = Callable[..., dict[str, str]]


@pytest.fixture
def form(app) -> Form:
    """`form(n)`: what the form posts for a valid {{ r.lower }}."""
{%- if refs %}
    with app.app_context():
        refs = {
{%- for c in refs %}
            "{{ c.column }}": make({{ c.ref.class_name }}).id,
{%- endfor %}
        }
{%- endif %}

    def build(n: int = 1, **changes: str) -> dict[str, str]:
        return {
{%- for c in r.columns %}
            "{{ c.column }}": {{ samples.form_value(c) }},
{%- endfor %}
        } | changes

    return build


@pytest.fixture
def row_id(app) -> int:
    with app.app_context():
        return make({{ C }}).id


def html(response: Any) -> str:
    text: str = response.get_data(as_text=True)
    return text


def test_the_list_is_empty_at_first(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert "No {{ r.lower_plural }} yet." in html(response)


def test_the_list_links_each_{{ r.snake }}(client, row_id):
    page = html(client.get(URL))
    assert f'href="{URL}{row_id}"' in page
    assert "No {{ r.lower_plural }} yet." not in page


def test_the_list_comes_in_pages(app, client):
    with app.app_context():
        for _ in range(21):
            make({{ C }})
    first = html(client.get(URL))
    assert "Page 1 of 2" in first
    assert 'rel="next"' in first
    assert 'rel="prev"' in html(client.get(f"{URL}?page=2"))
    assert client.get(f"{URL}?page=3").status_code == 404


def test_a_{{ r.snake }}_has_its_page(client, row_id):
    response = client.get(f"{URL}{row_id}")
    assert response.status_code == 200
    assert f'href="{URL}{row_id}/edit"' in html(response)


@pytest.mark.parametrize("page", ["", "/edit", "/delete"])
def test_a_missing_{{ r.snake }}_is_404(client, page):
    response = client.get(f"{URL}999{page}")
    assert response.status_code == 404
    assert response.mimetype == "text/html"


def test_create(app, client, form):
    page = html(client.get(f"{URL}new"))
    assert 'name="csrf_token"' in page
{%- for c in r.columns %}
    assert 'name="{{ c.column }}"' in page
{%- endfor %}
    response = client.post(f"{URL}new", data=form())
    assert response.status_code == 303
    found = re.fullmatch(rf"{URL}(\d+)", response.headers["Location"])
    assert found
    with app.app_context():
        created = db.session.get({{ C }}, int(found.group(1)))
        assert created is not None
{%- for c in r.columns %}
{%- if c.type == "bool" %}
        assert created.{{ c.column }} is True
{%- endif %}
{%- endfor %}
    assert client.get(response.headers["Location"]).status_code == 200
{%- if wrong %}


def test_create_shows_what_is_wrong(client, form):
    invalid = form({{ wrong.column }}={{ samples.wrong_form(wrong) }})
    response = client.post(f"{URL}new", data=invalid)
    assert response.status_code == 422
    page = html(response)
    assert 'id="{{ wrong.column }}-error"' in page
    assert 'aria-invalid="true"' in page
{%- endif %}


def test_edit(app, client, row_id, form):
    page = html(client.get(f"{URL}{row_id}/edit"))
    assert 'name="csrf_token"' in page
    response = client.post(f"{URL}{row_id}/edit", data=form(2))
    assert response.status_code == 303
    assert response.headers["Location"] == f"{URL}{row_id}"
{%- if wrong %}
    invalid = form({{ wrong.column }}={{ samples.wrong_form(wrong) }})
    response = client.post(f"{URL}{row_id}/edit", data=invalid)
    assert response.status_code == 422
{%- endif %}


def test_delete(app, client, row_id):
    assert "Delete" in html(client.get(f"{URL}{row_id}/delete"))
    response = client.post(f"{URL}{row_id}/delete")
    assert response.status_code == 303
    assert response.headers["Location"] == URL
    with app.app_context():
        assert db.session.get({{ C }}, row_id) is None


def test_delete_refused_while_other_rows_refer_to_it(client, row_id, monkeypatch):
    monkeypatch.setattr(api, "remove", lambda row: False)
    response = client.post(f"{URL}{row_id}/delete")
    assert response.status_code == 409
    assert "Other rows refer to this {{ r.lower }}" in html(response)


def test_the_forms_need_their_csrf_token(app, client, row_id, form):
    app.config["WTF_CSRF_ENABLED"] = True
    for page in ("new", f"{row_id}/edit", f"{row_id}/delete"):
        assert client.post(f"{URL}{page}", data=form()).status_code == 400, page


def test_the_navigation_links_the_list(client):
    assert f'href="{URL}"' in html(client.get("/"))
{%- if "auth" in cookiecutter._features %}


@pytest.mark.parametrize("page", ["new", "1/edit", "1/delete"])
def test_changing_needs_a_login(anonymous, page):
    response = anonymous.get(URL + page)
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/?next=")
    assert anonymous.get(URL).status_code == 200
{%- endif %}
