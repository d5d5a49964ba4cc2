from __future__ import annotations

import logging
import re

import pytest
from flask import Flask, request
from flask.testing import FlaskClient

from {{ cookiecutter.package_name }} import create_app
from {{ cookiecutter.package_name }}.assets import static_version
from {{ cookiecutter.package_name }}.config import database_url, load_config
from {{ cookiecutter.package_name }}.extensions import db

SECRET = "s" * 50


@pytest.fixture
def clean_env(monkeypatch):
    """An environment without the variables that choose or change the configuration."""
    for name in (
        "APP_ENV",
        "SECRET_KEY",
        "DATABASE_URL",
        "FLASK_DEBUG",
        "LOG_LEVEL",
        "ALLOWED_HOSTS",
    ):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


@pytest.fixture
def production_app(clean_env, make_app):
    clean_env.setenv("ALLOWED_HOSTS", "localhost,.example.com")
    app = make_app(
        {"APP_ENV": "production", "SECRET_KEY": SECRET, "SQLALCHEMY_DATABASE_URI": "sqlite://"}
    )
    with app.app_context():
        db.create_all()
    return app


def test_production_is_the_default(clean_env):
    assert load_config()["APP_ENV"] == "production"
    assert load_config({})["APP_ENV"] == "production"


def test_production_refuses_to_start_without_secret_key(clean_env):
    with pytest.raises(RuntimeError, match="SECRET_KEY is not set"):
        create_app("production")


def test_production_refuses_to_start_in_debug_mode(clean_env):
    clean_env.setenv("SECRET_KEY", SECRET)
    clean_env.setenv("FLASK_DEBUG", "1")
    with pytest.raises(RuntimeError, match="DEBUG is on in production"):
        create_app("production")


def test_production_refuses_to_start_without_allowed_hosts(clean_env):
    clean_env.setenv("SECRET_KEY", SECRET)
    for value in (None, "", " , "):
        if value is not None:
            clean_env.setenv("ALLOWED_HOSTS", value)
        with pytest.raises(RuntimeError, match="ALLOWED_HOSTS is not set"):
            create_app("production")


def test_production_reads_the_environment(clean_env, make_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'production.db'}"
    clean_env.setenv("SECRET_KEY", SECRET)
    clean_env.setenv("ALLOWED_HOSTS", "example.com, www.example.com")
    clean_env.setenv("DATABASE_URL", url)
    clean_env.setenv("LOG_LEVEL", "warning")
    app = make_app()
    assert app.config["APP_ENV"] == "production"
    assert not app.debug
    assert app.config["SECRET_KEY"] == SECRET
    assert app.config["SQLALCHEMY_DATABASE_URI"] == url
    assert app.config["TRUSTED_HOSTS"] == ["example.com", "www.example.com"]
    assert logging.getLogger().level == logging.WARNING


def test_sqlite_is_set_up_for_concurrent_workers(make_app, tmp_path):
    url = f"sqlite:///{tmp_path / 'app.db'}"
    app = make_app({"APP_ENV": "testing", "SQLALCHEMY_DATABASE_URI": url})
    with app.app_context(), db.engine.connect() as connection:
        pragmas = {
            name: connection.exec_driver_sql(f"PRAGMA {name}").scalar()
            for name in ("journal_mode", "synchronous", "foreign_keys")
        }
    # write-ahead log (readers do not wait for a writer), synchronous NORMAL, foreign keys on
    assert pragmas == {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1}


def test_unknown_app_env(clean_env):
    clean_env.setenv("APP_ENV", "staging")
    with pytest.raises(RuntimeError, match="Unknown APP_ENV 'staging'"):
        create_app()


def test_numbers_are_checked(clean_env):
    clean_env.setenv("PROXY_FIX_X_FOR", "one")
    with pytest.raises(RuntimeError, match="PROXY_FIX_X_FOR must be a whole number"):
        create_app("testing")


def test_development_has_a_default_secret_key(clean_env):
    config = load_config("development")
    assert config["DEBUG"]
    assert config["SECRET_KEY"]


def test_testing_never_uses_database_url(clean_env):
    clean_env.setenv("DATABASE_URL", "sqlite:////somewhere/precious.db")
    clean_env.delenv("TEST_DATABASE_URL", raising=False)
    assert load_config("testing")["SQLALCHEMY_DATABASE_URI"] == "sqlite://"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("postgres://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql://u:p@h/db", "postgresql+psycopg://u:p@h/db"),
        ("postgresql+psycopg://h/db", "postgresql+psycopg://h/db"),
        ("sqlite:///app.db", "sqlite:///app.db"),
        ("mysql://u:p@h:3306/db", "mysql+pymysql://u:p@h:3306/db?charset=utf8mb4"),
        ("mysql+pymysql://h/db?x=1", "mysql+pymysql://h/db?x=1&charset=utf8mb4"),
        ("mysql+pymysql://h/db?charset=latin1", "mysql+pymysql://h/db?charset=latin1"),
    ],
)
def test_database_url(url, expected):
    assert database_url(url) == expected


def test_mysql_runs_in_strict_sql_mode(clean_env):
    clean_env.setenv("DATABASE_URL", "mysql://app@db.internal/shop")
    options = load_config("production")["SQLALCHEMY_ENGINE_OPTIONS"]
    assert options["pool_pre_ping"] is True
    assert options["connect_args"] == {"init_command": "SET SESSION sql_mode = 'TRADITIONAL'"}
    clean_env.setenv("DATABASE_URL", "sqlite:///app.db")
    assert "connect_args" not in load_config("production")["SQLALCHEMY_ENGINE_OPTIONS"]


def test_production_answers_only_its_allowed_hosts(production_app):
    client = production_app.test_client()
    for host in ("localhost", "example.com", "shop.example.com:443"):
        assert client.get("/api/items", headers={"Host": host}).status_code == 200, host
    for host in ("evil.example", "example.com.evil.example", "localhost@evil.example"):
        for method, url in (("GET", "/api/items"), ("POST", "/api/items"), ("GET", "/api/x/")):
            response = client.open(url, method=method, headers={"Host": host}, json={"name": "x"})
            assert response.status_code == 400, (host, method, url)
            assert response.is_json, (host, method, url)
            assert response.json["error"] == "Bad Request"
            assert "not trusted" in response.json["message"]
        page = client.get("/", headers={"Host": host})
        assert page.status_code == 400
        assert not page.is_json
        assert page.headers["X-Frame-Options"] == "DENY"


def test_a_star_allows_every_host(clean_env, make_app):
    clean_env.setenv("SECRET_KEY", SECRET)
    clean_env.setenv("ALLOWED_HOSTS", "*")
    client = make_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"}).test_client()
    assert client.get("/healthz", headers={"Host": "anything.test"}).status_code != 400


def test_every_host_outside_production(clean_env, make_app):
    for name in ("development", "testing"):
        client = make_app(name).test_client()
        assert client.get("/healthz", headers={"Host": "anything.test"}).status_code == 200


def test_production_security_headers_and_cookies(production_app):
    response = production_app.test_client().get("/")
    assert response.status_code == 200
    headers = response.headers
    assert headers["Strict-Transport-Security"] == "max-age=31536000"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    # The form's CSRF token lives in the session, so the page sets the session cookie.
    cookie = headers["Set-Cookie"]
    assert cookie.startswith("session=")
    assert "; Secure" in cookie
    assert "; HttpOnly" in cookie
    assert "; SameSite=Lax" in cookie


def test_security_headers_on_errors_and_json(production_app):
    client = production_app.test_client()
    for url in ("/missing", "/api/items", "/healthz"):
        response = client.get(url)
        assert response.headers["X-Frame-Options"] == "DENY", url
        assert "Content-Security-Policy" in response.headers, url


def test_development_sends_no_hsts(client):
    response = client.get("/")
    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_production_static_files_are_cached_for_a_year(production_app):
    client = production_app.test_client()
    html = client.get("/").get_data(as_text=True)
    found = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]{12})"', html)
    assert found
    url = found.group(1)
    response = client.get(url)
    assert response.status_code == 200
    assert response.cache_control.public
    assert response.cache_control.max_age == 31536000
    response.close()


def test_static_version_follows_the_content(tmp_path):
    css = tmp_path / "app.css"
    css.write_text("body { color: red }")
    red = static_version(str(tmp_path), "app.css")
    css.write_text("body { color: blue; }")
    blue = static_version(str(tmp_path), "app.css")
    assert red is not None
    assert blue is not None
    assert red != blue
    assert static_version(str(tmp_path), "missing.css") is None
    assert static_version(str(tmp_path), "../outside.css") is None


def test_proxy_fix_only_when_configured(clean_env, make_app):
    def client_for(app: Flask) -> FlaskClient:
        @app.get("/whoami")
        def whoami():
            return {"ip": request.remote_addr, "scheme": request.scheme}

        return app.test_client()

    headers = {"X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https"}

    plain = client_for(make_app("testing")).get("/whoami", headers=headers).json
    assert plain == {"ip": "127.0.0.1", "scheme": "http"}

    clean_env.setenv("PROXY_FIX_X_FOR", "1")
    clean_env.setenv("PROXY_FIX_X_PROTO", "1")
    proxied = client_for(make_app("testing")).get("/whoami", headers=headers).json
    assert proxied == {"ip": "203.0.113.9", "scheme": "https"}
