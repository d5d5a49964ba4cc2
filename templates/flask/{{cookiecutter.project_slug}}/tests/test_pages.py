from __future__ import annotations

import re

import pytest

from {{ cookiecutter.package_name }}.extensions import db


def test_index_renders_the_form_and_the_items(client, make_item):
    make_item("Widget")
    make_item("<b>Gadget</b>")
    response = client.get("/")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert '<form id="item-form"' in html
    assert '<input id="item-name" name="name"' in html
    assert '<ul id="item-list"' in html
    assert "<li>Widget</li>" in html
    assert "<li>&lt;b&gt;Gadget&lt;/b&gt;</li>" in html  # escaped
    assert re.search(r'src="/static/js/app\.js\?v=[0-9a-f]{12}"', html)


def test_index_without_items_has_an_empty_list(client):
    html = client.get("/").get_data(as_text=True)
    # An empty list is hidden by the stylesheet, which shows the text after it instead.
    assert '<ul id="item-list" class="item-list"></ul>' in html
    assert '<p class="item-list__empty">No items yet.</p>' in html


def test_form_without_javascript_adds_an_item(client):
    response = client.post("/", data={"name": "Widget"})
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert "<li>Widget</li>" in client.get("/").get_data(as_text=True)


def test_form_without_javascript_shows_errors(client, make_item):
    make_item("Widget")
    response = client.post("/", data={"name": "Widget"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "An item with this name already exists." in html
    assert 'aria-invalid="true"' in html


@pytest.fixture
def csrf_client(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    return client


def test_form_needs_its_csrf_token(csrf_client):
    assert csrf_client.post("/", data={"name": "Widget"}).status_code == 400
    html = csrf_client.get("/").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    token = found.group(1)
    response = csrf_client.post("/", data={"name": "Widget", "csrf_token": token})
    assert response.status_code == 303


def test_404_page(client):
    response = client.get("/no/such/page")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert "Page not found" in response.get_data(as_text=True)


def test_other_errors_keep_their_default_page(client):
    response = client.delete("/")
    assert response.status_code == 405
    assert response.mimetype == "text/html"


@pytest.fixture
def failing_app(app):
    """The app with a route that raises, and errors handled as in production."""
    app.config["PROPAGATE_EXCEPTIONS"] = False

    @app.get("/boom")
    def boom():
        raise RuntimeError("boom")

    @app.get("/api/boom")
    def api_boom():
        raise RuntimeError("boom")

    return app


def test_500_page(failing_app):
    response = failing_app.test_client().get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert "boom" not in response.get_data(as_text=True)


def test_500_in_the_api_is_json(failing_app):
    response = failing_app.test_client().get("/api/boom")
    assert response.status_code == 500
    assert response.json["error"] == "Internal Server Error"


def test_shell_context(app):
    with app.app_context():
        context = app.make_shell_context()
    assert context["db"] is db
    assert "Item" in context


def test_create_app_reads_app_env(make_app, monkeypatch):
    monkeypatch.setenv("APP_ENV", "development")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = make_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})
    assert app.config["APP_ENV"] == "development"
    assert app.debug
