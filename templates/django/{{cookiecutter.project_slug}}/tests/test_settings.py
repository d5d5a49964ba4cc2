"""The settings read from the environment, production's above all.

Each test runs config/settings.py afresh with exactly the environment variables it
names (ENV_FILE=/dev/null keeps .env out of it); the last ones run `manage.py` as a
deployment would.
"""

import os
import runpy
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent

# What config/settings.py reads.
VARIABLES = [
    "ENV_FILE",
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "CSRF_TRUSTED_ORIGINS",
    "ADMIN_URL",
    "DATABASE_URL",
    "CONN_MAX_AGE",
    "CACHE_URL",
    "LOG_LEVEL",
    "DJANGO_LOG_LEVEL",
    "SECURE_SSL_REDIRECT",
]

PRODUCTION = {
    "DEBUG": "0",
    "SECRET_KEY": "9f3Jq2vL8xR4tW7yB1nM6kP0sD5hG2cZ8aE4uQ7iO3rT6wY1xV9bN5mK2jH8gF0d",
    "ALLOWED_HOSTS": "example.com",
}

ONE_YEAR = 365 * 24 * 60 * 60


@pytest.fixture
def load_settings(monkeypatch):
    """Run config/settings.py with the given environment, and nothing else of it."""

    def load(**environ):
        for name in VARIABLES:
            # setenv first, so that monkeypatch also undoes what .env reading adds.
            monkeypatch.setenv(name, "")
            monkeypatch.delenv(name)
        monkeypatch.setenv("ENV_FILE", os.devnull)
        for name, value in environ.items():
            monkeypatch.setenv(name, str(value))
        return runpy.run_path(str(BASE_DIR / "config" / "settings.py"))

    return load


def test_production_is_the_default(load_settings):
    settings = load_settings(SECRET_KEY=PRODUCTION["SECRET_KEY"])

    assert settings["DEBUG"] is False
    assert settings["ALLOWED_HOSTS"] == []


def test_production_security(load_settings):
    settings = load_settings(**PRODUCTION)

    assert settings["ALLOWED_HOSTS"] == ["example.com"]
    assert settings["SECURE_SSL_REDIRECT"] is True
    assert settings["SECURE_PROXY_SSL_HEADER"] == ("HTTP_X_FORWARDED_PROTO", "https")
    assert settings["SECURE_HSTS_SECONDS"] == ONE_YEAR
    assert settings["SECURE_HSTS_INCLUDE_SUBDOMAINS"] is True
    assert settings["SECURE_HSTS_PRELOAD"] is True
    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["X_FRAME_OPTIONS"] == "DENY"
    assert settings["SECURE_CONTENT_TYPE_NOSNIFF"] is True
    assert settings["SECURE_REFERRER_POLICY"] == "same-origin"


def test_https_redirect_can_be_turned_off(load_settings):
    settings = load_settings(**PRODUCTION, SECURE_SSL_REDIRECT="0")

    assert settings["SECURE_SSL_REDIRECT"] is False
    assert settings["SESSION_COOKIE_SECURE"] is True


def test_development(load_settings):
    settings = load_settings(DEBUG="1", SECRET_KEY="dev")

    assert settings["DEBUG"] is True
    assert settings["DATABASES"]["default"]["CONN_MAX_AGE"] == 0
    assert "SECURE_SSL_REDIRECT" not in settings
    assert "SECURE_HSTS_SECONDS" not in settings


def test_secret_key_is_required(load_settings):
    with pytest.raises(ImproperlyConfigured, match="SECRET_KEY is not set"):
        load_settings(DEBUG="0")


def test_env_file_is_read_and_the_environment_wins(load_settings, tmp_path):
    env_file = tmp_path / ".env"
    env_file.write_text("DEBUG=1\nSECRET_KEY=from-the-file\nADMIN_URL=from-the-file/\n")

    settings = load_settings(ENV_FILE=env_file, SECRET_KEY="from-the-environment")

    assert settings["DEBUG"] is True
    assert settings["ADMIN_URL"] == "from-the-file/"
    assert settings["SECRET_KEY"] == "from-the-environment"


def test_default_database_is_sqlite_at_the_project_root(load_settings):
    database = load_settings(**PRODUCTION)["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.sqlite3"
    assert database["NAME"] == BASE_DIR / "db.sqlite3"
    assert database["CONN_MAX_AGE"] == 60
    assert database["CONN_HEALTH_CHECKS"] is True


def test_absolute_sqlite_path(load_settings, tmp_path):
    url = f"sqlite:///{tmp_path}/data.sqlite3"

    database = load_settings(**PRODUCTION, DATABASE_URL=url)["DATABASES"]["default"]

    assert database["NAME"] == tmp_path / "data.sqlite3"


{% if cookiecutter.database == "mysql" -%}
def test_mysql_talks_utf8mb4_in_strict_mode(load_settings):
    url = "mysql://app:secret@db.internal:3306/{{ cookiecutter.package_name }}"

    database = load_settings(**PRODUCTION, DATABASE_URL=url)["DATABASES"]["default"]

    assert database["ENGINE"] == "django.db.backends.mysql"
    assert database["OPTIONS"]["charset"] == "utf8mb4"
    assert database["OPTIONS"]["init_command"] == "SET sql_mode = 'TRADITIONAL'"
    assert database["TEST"]["CHARSET"] == "utf8mb4"


{% endif -%}
def test_sqlite_is_set_up_for_concurrent_workers(load_settings, tmp_path):
    from django.db.utils import ConnectionHandler

    url = f"sqlite:///{tmp_path}/data.sqlite3"
    database = load_settings(**PRODUCTION, DATABASE_URL=url)["DATABASES"]["default"]
    connection = ConnectionHandler({"default": database})["default"]
    # Django's backend opens the database as for a request (pytest-django would refuse the
    # usual cursor outside a database test).
    raw = connection.get_new_connection(connection.get_connection_params())
    try:
        pragmas = {
            name: raw.execute(f"PRAGMA {name}").fetchone()[0]
            for name in ("journal_mode", "synchronous", "foreign_keys")
        }
    finally:
        raw.close()
    # write-ahead log (readers do not wait for a writer), synchronous NORMAL, foreign keys on
    assert pragmas == {"journal_mode": "wal", "synchronous": 1, "foreign_keys": 1}
    # a transaction takes the write lock when it begins: two writers queue, neither fails
    assert connection.transaction_mode == "IMMEDIATE"  # type: ignore[attr-defined]


def test_postgres_database_url(load_settings):
    url = "postgres://app:s3cret@db.internal:5433/shop"

    database = load_settings(**PRODUCTION, DATABASE_URL=url, CONN_MAX_AGE="300")["DATABASES"][
        "default"
    ]

    assert database["ENGINE"] == "django.db.backends.postgresql"
    assert (database["NAME"], database["USER"], database["PASSWORD"]) == ("shop", "app", "s3cret")
    assert (database["HOST"], database["PORT"]) == ("db.internal", 5433)
    assert database["CONN_MAX_AGE"] == 300
    assert database["CONN_HEALTH_CHECKS"] is True


def test_cache(load_settings):
    default = load_settings(**PRODUCTION)["CACHES"]["default"]
    redis = load_settings(**PRODUCTION, CACHE_URL="redis://127.0.0.1:6379/1")["CACHES"]["default"]

{%- set redis = cookiecutter._features.get("jobs", {}).get("backend") == "redis" %}
    # {{ "With Redis for the jobs, the cache is there too." if redis else "Per process by default." }}
    assert default["BACKEND"] == "django.core.cache.backends.{{ "redis.RedisCache" if redis else "locmem.LocMemCache" }}"
    assert "redis" in redis["BACKEND"].lower()
    assert "127.0.0.1:6379" in str(redis["LOCATION"])


def test_lists_and_admin_url(load_settings):
    settings = load_settings(
        SECRET_KEY=PRODUCTION["SECRET_KEY"],
        ALLOWED_HOSTS="example.com,www.example.com",
        CSRF_TRUSTED_ORIGINS="https://example.com,https://www.example.com",
        ADMIN_URL="/back-office",
    )

    assert settings["ALLOWED_HOSTS"] == ["example.com", "www.example.com"]
    assert settings["CSRF_TRUSTED_ORIGINS"] == ["https://example.com", "https://www.example.com"]
    assert settings["ADMIN_URL"] == "back-office/"


# manage.py, as a deployment runs it


def manage(*args: str, **environ: str) -> subprocess.CompletedProcess[str]:
    env = {name: value for name, value in os.environ.items() if name not in VARIABLES}
    env.update(DJANGO_SETTINGS_MODULE="config.settings", ENV_FILE=os.devnull, **environ)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_deployment_checklist_is_clean():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)

    assert result.returncode == 0, result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_production_without_secret_key_fails():
    environ = {name: value for name, value in PRODUCTION.items() if name != "SECRET_KEY"}

    result = manage("check", **environ)

    assert result.returncode != 0
    assert "ImproperlyConfigured: SECRET_KEY is not set" in result.stderr
