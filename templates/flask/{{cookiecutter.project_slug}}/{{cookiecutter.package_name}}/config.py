"""Configuration, read from the environment when the app is created.

APP_ENV chooses the class: "development", "testing" or "production". When it is unset the app
runs as production, which refuses to start without a SECRET_KEY: safe by default. Locally,
`flask` loads `.env` (APP_ENV=development); variables already set in the environment win.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask
from flask.helpers import get_debug_flag

from .api import ERROR_SCHEMA, VALIDATION_ERROR_SCHEMA

{% if cookiecutter.database == "postgres" -%}
DEFAULT_DATABASE_URL = "postgresql+psycopg://localhost/{{ cookiecutter.package_name }}"
{%- elif cookiecutter.database == "mysql" -%}
DEFAULT_DATABASE_URL = "mysql+pymysql://root@127.0.0.1:3306/{{ cookiecutter.package_name }}"
{%- else -%}
# Flask-SQLAlchemy puts a relative SQLite path in the instance/ folder.
DEFAULT_DATABASE_URL = "sqlite:///{{ cookiecutter.package_name }}.db"
{%- endif %}
ONE_YEAR = 365 * 24 * 60 * 60
# A database URL's scheme without a driver -> the driver the project installs for it.
DRIVERS = {
    "postgres://": "postgresql+psycopg://",
    "postgresql://": "postgresql+psycopg://",
    "mysql://": "mysql+pymysql://",
}


class Config:
    """Settings shared by every environment."""

    APP_ENV = "base"
    DEBUG = False
    TESTING = False

    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"

    # Sent on every response (see security.py). Only files from this site: no inline scripts
    # or styles, no framing. Relax it here if you add a CDN.
    CONTENT_SECURITY_POLICY = (
        "default-src 'self'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'; object-src 'none'"
    )
    HSTS_SECONDS = 0

    # The largest request body, in bytes: a larger one is refused with 413 before it is read.
    # The API's longest item (10,000 characters of description) takes at most 60 KB as JSON.
    MAX_CONTENT_LENGTH = 256 * 1024

    # The OpenAPI document (/api/openapi.json, written by APIFlask from the API's models).
    AUTO_SERVERS = False  # the document holds paths only, valid on any host
    AUTO_404_RESPONSE = True
    VALIDATION_ERROR_SCHEMA = VALIDATION_ERROR_SCHEMA
    HTTP_ERROR_SCHEMA = ERROR_SCHEMA
    VALIDATION_ERROR_DESCRIPTION = "A field is invalid"

    def __init__(self, environ: Mapping[str, str]) -> None:
        self.SECRET_KEY = environ.get("SECRET_KEY")
        self.SQLALCHEMY_DATABASE_URI = database_url(
            environ.get("DATABASE_URL") or DEFAULT_DATABASE_URL
        )
        self.LOG_LEVEL = environ.get("LOG_LEVEL", "INFO").upper()
        # The host names the app answers to, from ALLOWED_HOSTS as Django reads it: comma-
        # separated, ".example.com" for the domain and its subdomains, "*" for any host. Any
        # other Host header is a 400 (a forged Host would poison the links the app writes).
        # Unset, every host is allowed; production refuses to start without it.
        self.ALLOWED_HOSTS = allowed_hosts(environ)
        self.TRUSTED_HOSTS = None if "*" in self.ALLOWED_HOSTS else self.ALLOWED_HOSTS or None
{%- for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/config.py" ignore missing %}{%- endfor %}

        # Flask-Caching: SimpleCache lives in each worker process; set CACHE_TYPE=RedisCache
        # and CACHE_REDIS_URL (and install redis) to share one cache between workers.
{%- set redis = cookiecutter._features.get("jobs", {}).get("backend") == "redis" %}
        self.CACHE_TYPE = environ.get("CACHE_TYPE", "{{ "RedisCache" if redis else "SimpleCache" }}")
        self.CACHE_REDIS_URL = environ.get("CACHE_REDIS_URL"{{ ", self.REDIS_URL" if redis }})
        self.CACHE_DEFAULT_TIMEOUT = env_int(environ, "CACHE_DEFAULT_TIMEOUT", 300)

        # How many proxies in front of the app set each X-Forwarded-* header (0: trust none).
        # Behind one nginx: PROXY_FIX_X_FOR=1 and PROXY_FIX_X_PROTO=1.
        for header in ("FOR", "PROTO", "HOST", "PORT", "PREFIX"):
            name = f"PROXY_FIX_X_{header}"
            setattr(self, name, env_int(environ, name, 0))


class DevelopmentConfig(Config):
    APP_ENV = "development"
    DEBUG = True

    def __init__(self, environ: Mapping[str, str]) -> None:
        super().__init__(environ)
        self.SECRET_KEY = self.SECRET_KEY or "dev-only-insecure-key"


class TestingConfig(Config):
    APP_ENV = "testing"
    TESTING = True
    WTF_CSRF_ENABLED = False
    CACHE_NO_NULL_WARNING = True

    def __init__(self, environ: Mapping[str, str]) -> None:
        super().__init__(environ)
        self.SECRET_KEY = "testing"
        self.CACHE_TYPE = "NullCache"
        # Never the development or production database: an in-memory SQLite database per app
        # unless TEST_DATABASE_URL names a throwaway one. On PostgreSQL, tests/conftest.py
        # creates one for each run and drops it at the end; the tests create and drop the tables.
        self.SQLALCHEMY_DATABASE_URI = database_url(environ.get("TEST_DATABASE_URL") or "sqlite://")


class ProductionConfig(Config):
    APP_ENV = "production"

    SESSION_COOKIE_SECURE = True
    # For Flask-Login, if you add it.
    REMEMBER_COOKIE_SECURE = True
    REMEMBER_COOKIE_HTTPONLY = True
    REMEMBER_COOKIE_SAMESITE = "Lax"
    PREFERRED_URL_SCHEME = "https"
    # Static URLs carry a hash of the file's content (see assets.py), so browsers may keep
    # static files for a year: a changed file gets a new URL.
    SEND_FILE_MAX_AGE_DEFAULT = ONE_YEAR

    def __init__(self, environ: Mapping[str, str]) -> None:
        super().__init__(environ)
        self.HSTS_SECONDS = env_int(environ, "HSTS_SECONDS", ONE_YEAR)


CONFIGS: dict[str, type[Config]] = {
    "development": DevelopmentConfig,
    "testing": TestingConfig,
    "production": ProductionConfig,
}


def load_config(
    config: str | Mapping[str, Any] | None = None, environ: Mapping[str, str] | None = None
) -> dict[str, Any]:
    """Return the settings for `create_app(config)` as a dict."""
    environ = os.environ if environ is None else environ
    if isinstance(config, str):
        name, overrides = config, {}
    else:
        overrides = dict(config or {})
        name = overrides.get("APP_ENV") or environ.get("APP_ENV") or "production"
    try:
        config_class = CONFIGS[name]
    except KeyError:
        choices = ", ".join(CONFIGS)
        raise RuntimeError(f"Unknown APP_ENV {name!r}: use one of {choices}.") from None
    instance = config_class(environ)
    settings = {key: getattr(instance, key) for key in dir(instance) if key.isupper()}
    settings.update(overrides)
    settings.setdefault(
        "SQLALCHEMY_ENGINE_OPTIONS", engine_options(settings["SQLALCHEMY_DATABASE_URI"])
    )
    return settings


def check_production_settings(app: Flask) -> None:
    """Refuse to run production with settings that would make it unsafe."""
    if app.config["APP_ENV"] != "production":
        return
    if not app.config.get("SECRET_KEY"):
        raise RuntimeError(
            "SECRET_KEY is not set. Production needs a long random secret: set SECRET_KEY in "
            "the environment, e.g. to the output of "
            "`python -c 'import secrets; print(secrets.token_urlsafe(50))'`."
        )
    if app.config["DEBUG"] or get_debug_flag():
        raise RuntimeError(
            "DEBUG is on in production. The debugger runs arbitrary code: unset FLASK_DEBUG, "
            "or use APP_ENV=development on your own machine."
        )
    if not app.config.get("ALLOWED_HOSTS"):
        raise RuntimeError(
            "ALLOWED_HOSTS is not set. Production answers only the host names it lists: set "
            "ALLOWED_HOSTS in the environment to the site's domain, comma-separated, e.g. "
            "ALLOWED_HOSTS=example.com,www.example.com."
        )


def database_url(url: str) -> str:
    """The URL with the driver the project installs when it names none (postgres://... gets
    psycopg 3, mysql://... PyMySQL), and utf8mb4 for MySQL unless it names a charset."""
    for prefix, driver in DRIVERS.items():
        if url.startswith(prefix):
            url = driver + url.removeprefix(prefix)
    if url.startswith("mysql+") and "charset=" not in url:
        url += ("&" if "?" in url else "?") + "charset=utf8mb4"
    return url


def engine_options(url: str) -> dict[str, Any]:
    """SQLAlchemy's engine options for the database at `url`."""
    # Check a pooled connection before using it, so a restarted database costs no failed request.
    options: dict[str, Any] = {"pool_pre_ping": True}
    if url.startswith("mysql"):
        # Strict SQL mode, whatever the server's default: a value that does not fit its column
        # is an error, never silently cut or turned into a zero date.
        options["connect_args"] = {"init_command": "SET SESSION sql_mode = 'TRADITIONAL'"}
    return options


def allowed_hosts(environ: Mapping[str, str]) -> list[str]:
    """ALLOWED_HOSTS as a list: comma-separated, spaces and empty entries ignored."""
    hosts = (host.strip().lower() for host in environ.get("ALLOWED_HOSTS", "").split(","))
    return [host for host in hosts if host]


def env_int(environ: Mapping[str, str], name: str, default: int) -> int:
    value = environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise RuntimeError(f"{name} must be a whole number, not {value!r}.") from None
