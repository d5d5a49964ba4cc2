"""The HTML pages: the home page with its form and list, the error pages, the admin."""

import pytest
from django.conf import settings

from {{ cookiecutter.package_name }}.models import Item

pytestmark = pytest.mark.django_db

STATIC = "/static/{{ cookiecutter.package_name }}/"
ADMIN_ITEMS = "/manage/{{ cookiecutter.package_name }}/item/"


def test_home_page_has_the_form_and_the_list(client, item):
    response = client.get("/")

    assert response.status_code == 200
    html = response.content.decode()
    assert '<form id="item-form"' in html
    assert '<input id="item-name" name="name"' in html
    assert '<button type="submit">' in html
    assert '<ul id="item-list"' in html
    assert f'<li data-id="{item.pk}">Teapot</li>' in html


def test_home_page_without_items_says_so(client):
    html = client.get("/").content.decode()

    # An empty list (no whitespace either) is hidden by the stylesheet, which shows this instead.
    assert '<ul id="item-list" class="item-list"></ul>' in html
    assert '<p class="item-list__empty">No items yet.</p>' in html


def test_form_works_without_javascript(client):
    response = client.post("/", {"name": "Kettle"})

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert Item.objects.get().name == "Kettle"


def test_form_without_javascript_shows_the_errors(client, item):
    response = client.post("/", {"name": item.name})

    assert response.status_code == 422
    html = response.content.decode()
    assert "An item with this name already exists." in html
    assert 'aria-invalid="true"' in html
    assert f'value="{item.name}"' in html
    assert Item.objects.count() == 1


def test_home_page_loads_its_script_and_styles_and_has_no_inline_script(client):
    html = client.get("/").content.decode()

    assert f'<script type="module" src="{STATIC}js/app.js">' in html
    assert f'<link rel="stylesheet" href="{STATIC}css/app.css">' in html
    assert "<script>" not in html
    assert 'data-api-url="/api/items/"' in html


def test_the_form_carries_its_csrf_token(client):
    response = client.get("/")

    assert 'name="csrfmiddlewaretoken"' in response.content.decode()
    assert "csrftoken" in response.cookies


def test_pages_send_a_strict_content_security_policy(client):
    policy = client.get("/")["Content-Security-Policy"]

    assert "default-src 'self'" in policy
    assert "unsafe-inline" not in policy
    assert "frame-ancestors 'none'" in policy


def test_item_names_are_escaped(client):
    Item.objects.create(name="<b>bold</b>")

    html = client.get("/").content.decode()

    assert "&lt;b&gt;bold&lt;/b&gt;" in html
    assert "<b>bold</b>" not in html


def test_static_files_are_served(client):
    response = client.get(f"{STATIC}js/app.js")

    assert response.status_code == 200
    assert "item-form" in b"".join(response.streaming_content).decode()


def test_unknown_page_is_the_404_page(client):
    response = client.get("/no-such-page/")

    assert response.status_code == 404
    assert "Page not found" in response.content.decode()
    assert response["Content-Type"].startswith("text/html")


@pytest.fixture
def failing_client(client, monkeypatch):
    """A client whose page and API views raise, answered as in production (no traceback)."""

    def boom(*args, **kwargs):
        raise RuntimeError("boom")

    monkeypatch.setattr(Item.objects, "all", boom)
    monkeypatch.setattr(Item.objects, "filter", boom)
    client.raise_request_exception = False
    return client


def test_server_error_page(failing_client):
    response = failing_client.get("/")

    assert response.status_code == 500
    assert "Server error" in response.content.decode()
    assert "boom" not in response.content.decode()


def test_server_error_under_the_api_is_json(failing_client, settings):
    settings.DEBUG = True  # not Django's technical 500 page either

    response = failing_client.get("/api/items/")

    assert response.status_code == 500
    assert response.json()["error"] == "Internal Server Error"
    assert "boom" not in response.content.decode()


def test_admin_is_at_its_own_path(client):
    assert settings.ADMIN_URL == "manage/"

    response = client.get("/manage/")

    assert response.status_code == 302
    assert response["Location"].startswith("/manage/login/")
    login = client.get(response["Location"])
    assert login.status_code == 200
    assert "Django administration" in login.content.decode()


def test_admin_pages_have_the_sites_icon(client):
    login = client.get("/manage/login/").content.decode()

    assert f'<link rel="icon" href="{STATIC}favicon.svg" type="image/svg+xml">' in login
    assert client.get(f"{STATIC}favicon.svg").status_code == 200


def test_admin_is_not_at_the_default_path(client):
    assert client.get("/admin/").status_code == 404


def test_admin_lists_the_items(admin_client, item):
    response = admin_client.get(ADMIN_ITEMS)

    assert response.status_code == 200
    assert "Teapot" in response.content.decode()
