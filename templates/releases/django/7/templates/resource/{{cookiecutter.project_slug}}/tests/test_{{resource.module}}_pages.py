{%- import "samples.jinja" as samples -%}
{%- import "python.jinja" as python -%}
{%- set r = resource -%}
{%- set C = r.class_name -%}
{%- set refs = r.columns | selectattr("type", "equalto", "ref") | list -%}
{%- set wrong = r.columns | rejectattr("type", "equalto", "bool") | first -%}
"""The pages of {{ r.lower_plural }} (generic views), and their admin."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.db.models import ProtectedError
from django.test import Client

{{ python.from_import(cookiecutter.package_name ~ ".models", [C] + (refs | map(attribute="ref") | map(attribute="class_name") | list)) }}
from tests.factories import make

pytestmark = pytest.mark.django_db

URL = "/{{ r.url }}/"
ADMIN = "/manage/{{ cookiecutter.package_name }}/{{ r.model }}/"
Form = Callable[..., dict[str, str]]


@pytest.fixture
def form() -> Form:
    """`form(n)`: what the form posts for a valid {{ r.lower }}."""
{%- if refs %}
    refs = {
{%- for c in refs %}
        "{{ c.column }}": make({{ c.ref.class_name }}).pk,
{%- endfor %}
    }
{%- endif %}

    def build(n: int = 1, **changes: str) -> dict[str, str]:
        return {
{%- for c in r.columns %}
            "{{ c.name }}": {{ samples.django_form_value(c) }},
{%- endfor %}
        } | changes

    return build


def test_the_list_is_empty_at_first(client):
    response = client.get(URL)
    assert response.status_code == 200
    assert "No {{ r.lower_plural }} yet." in response.content.decode()


def test_the_list_links_each_{{ r.snake }}(client):
    row = make({{ C }})
    page = client.get(URL).content.decode()
    assert f'href="{URL}{row.pk}/"' in page
    assert "No {{ r.lower_plural }} yet." not in page


def test_the_list_comes_in_pages(client):
    for _ in range(21):
        make({{ C }})
    first = client.get(URL).content.decode()
    assert "Page 1 of 2" in first
    assert 'rel="next"' in first
    assert 'rel="prev"' in client.get(f"{URL}?page=2").content.decode()
    assert client.get(f"{URL}?page=3").status_code == 404


def test_a_{{ r.snake }}_has_its_page(client):
    row = make({{ C }})
    response = client.get(f"{URL}{row.pk}/")
    assert response.status_code == 200
    assert f'href="{URL}{row.pk}/edit/"' in response.content.decode()


@pytest.mark.parametrize("page", ["", "edit/", "delete/"])
def test_a_missing_{{ r.snake }}_is_404(client, page):
    response = client.get(f"{URL}999/{page}")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_create(client, form):
    page = client.get(f"{URL}new/").content.decode()
    assert 'name="csrfmiddlewaretoken"' in page
{%- for c in r.columns %}
    assert 'name="{{ c.name }}"' in page
{%- endfor %}
    response = client.post(f"{URL}new/", form())
    assert response.status_code == 302
    created = {{ C }}.objects.get()
    assert response["Location"] == f"{URL}{created.pk}/"
{%- for c in r.columns if c.type == "bool" %}
    assert created.{{ c.name }} is True
{%- endfor %}
{%- if wrong %}


def test_create_shows_what_is_wrong(client, form):
    response = client.post(f"{URL}new/", form({{ wrong.name }}={{ samples.wrong_form(wrong) }}))
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="id_{{ wrong.name }}_error"' in page
    assert 'aria-invalid="true"' in page
    assert not {{ C }}.objects.exists()
{%- endif %}


def test_edit(client, form):
    row = make({{ C }})
    assert 'name="csrfmiddlewaretoken"' in client.get(f"{URL}{row.pk}/edit/").content.decode()
    response = client.post(f"{URL}{row.pk}/edit/", form(2))
    assert response.status_code == 302
    assert response["Location"] == f"{URL}{row.pk}/"
{%- if wrong %}
    invalid = form({{ wrong.name }}={{ samples.wrong_form(wrong) }})
    assert client.post(f"{URL}{row.pk}/edit/", invalid).status_code == 422
{%- endif %}


def test_delete(client):
    row = make({{ C }})
    assert "Delete" in client.get(f"{URL}{row.pk}/delete/").content.decode()
    response = client.post(f"{URL}{row.pk}/delete/")
    assert response.status_code == 302
    assert response["Location"] == URL
    assert not {{ C }}.objects.filter(pk=row.pk).exists()


def test_delete_refused_while_other_rows_refer_to_it(client, monkeypatch):
    row = make({{ C }})

    def protected(*args: object, **kwargs: object) -> None:
        raise ProtectedError("other rows refer to it", set())

    monkeypatch.setattr({{ C }}, "delete", protected)
    response = client.post(f"{URL}{row.pk}/delete/")
    assert response.status_code == 409
    assert "Other rows refer to it" in response.content.decode()


def test_the_forms_need_their_csrf_token(form):
    client = Client(enforce_csrf_checks=True)
    row = make({{ C }})
    for page in ("new/", f"{row.pk}/edit/", f"{row.pk}/delete/"):
        assert client.post(f"{URL}{page}", form()).status_code == 403, page


def test_the_navigation_links_the_list(client):
    assert f'href="{URL}"' in client.get("/").content.decode()


def test_the_admin_lists_them(admin_client):
    row = make({{ C }})
    response = admin_client.get(ADMIN)
    assert response.status_code == 200
    assert str(row) in response.content.decode()
    assert admin_client.get(f"{ADMIN}{row.pk}/change/").status_code == 200
