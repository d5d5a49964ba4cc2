"""
Django settings for {{ cookiecutter.project_name }}.

Every setting that differs between machines comes from the environment, read
with django-environ. In development, `.env` at the project root fills in what the
environment does not set (the real environment always wins); in production, set
the variables in the process environment (systemd, Docker, the platform) and
leave `.env` out. `.env.example` lists them all.

Production is the default: DEBUG is off unless DEBUG=1, and SECRET_KEY has no
fallback.

https://docs.djangoproject.com/en/stable/topics/settings/
https://docs.djangoproject.com/en/stable/ref/settings/
https://docs.djangoproject.com/en/stable/howto/deployment/checklist/
"""

import os
from pathlib import Path

import django_stubs_ext
import environ
from django.core.exceptions import ImproperlyConfigured

# Lets the code write Django's generic classes as the type checker sees them (ModelForm[Item]).
django_stubs_ext.monkeypatch()

BASE_DIR = Path(__file__).resolve().parent.parent

env = environ.Env()
# ENV_FILE points at another file, or at /dev/null to read none.
env.read_env(os.environ.get("ENV_FILE", BASE_DIR / ".env"))


# Core

DEBUG = env.bool("DEBUG", default=False)

SECRET_KEY = env.str("SECRET_KEY", default="")
if not SECRET_KEY:
    raise ImproperlyConfigured(
        "SECRET_KEY is not set. Set it in the environment, or in .env for development "
        "(see .env.example). Django makes one with "
        "django.core.management.utils.get_random_secret_key()."
    )

# With DEBUG on and no ALLOWED_HOSTS, Django allows localhost and 127.0.0.1.
ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=[])
# Origins (scheme://host[:port]) allowed to POST across origins, e.g. https://www.example.com.
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

# The admin's path, without a leading slash: "manage/" unless ADMIN_URL says otherwise.
ADMIN_URL = env.str("ADMIN_URL", default="manage/").strip("/") + "/"


# Applications

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    # WhiteNoise serves the static files under runserver too, as in production.
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # Django Ninja: its static files serve the API's documentation page (/api/docs).
    "ninja",
{%- for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/installed-apps.py" ignore missing %}{%- endfor %}
    "{{ cookiecutter.package_name }}",
{%- for app in cookiecutter._apps %}
    "{{ app.name }}",
{%- endfor %}
]

MIDDLEWARE = [
    # First, to see every answer: JSON errors under /api/, whoever gave them.
    "{{ cookiecutter.package_name }}.middleware.APIErrorsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "{{ cookiecutter.package_name }}.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # Django's, without the redirect of /api/items to /api/items/.
    "{{ cookiecutter.package_name }}.middleware.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "config.urls"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        # Project-wide templates (404.html, 500.html); the app's live in the app.
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

WSGI_APPLICATION = "config.wsgi.application"


# Database: DATABASE_URL, e.g. postgres://user:password@127.0.0.1:5432/name.
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-db-url

database = env.db("DATABASE_URL", default="sqlite:///db.sqlite3")
if database["ENGINE"] == "django.db.backends.sqlite3":
    if database["NAME"] != ":memory:":
        # A relative SQLite path is relative to the project root, not to the current directory.
        database["NAME"] = BASE_DIR / database["NAME"]
    # SQLite set up for a web app, as Django's docs and Rails recommend. Write-ahead logging
    # lets the gunicorn workers read while one of them writes, and with it synchronous=NORMAL
    # syncs the disk at checkpoints instead of at every commit: a power cut may lose the last
    # transactions, never the database. IMMEDIATE transactions take the write lock when they
    # start, so that two writers wait for each other (up to the 5 s timeout) instead of one
    # failing with "database is locked". Not for a database on a network file system.
    database.setdefault("OPTIONS", {}).update(
        init_command="PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        transaction_mode="IMMEDIATE",
    )
{%- if cookiecutter.database == "mysql" %}
elif database["ENGINE"] == "django.db.backends.mysql":
    # PyMySQL stands in for mysqlclient, which Django's MySQL backend imports as MySQLdb: a
    # pure-Python driver that installs anywhere, without a compiler or MySQL's client library.
    import pymysql

    pymysql.install_as_MySQLdb()
    # All of Unicode (utf8mb4, emoji included), and strict SQL mode whatever the server's
    # default: a value that does not fit its column is an error, never silently cut short.
    database.setdefault("OPTIONS", {}).update(
        charset="utf8mb4", init_command="SET sql_mode = 'TRADITIONAL'"
    )
    database["TEST"] = {"CHARSET": "utf8mb4", "COLLATION": "utf8mb4_unicode_ci"}
{%- endif %}
# In production, keep connections open between requests and check them before reuse
# (runserver's thread per request would only leak them).
database["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=0 if DEBUG else 60)
database["CONN_HEALTH_CHECKS"] = True
DATABASES = {"default": database}

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"


# Cache: CACHE_URL, e.g. redis://127.0.0.1:6379/1; per-process memory by default.
# https://django-environ.readthedocs.io/en/latest/types.html#environ-env-cache-url

{%- for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/settings-cache.py" ignore missing %}{%- endfor %}
{%- set redis = cookiecutter._features.get("jobs", {}).get("backend") == "redis" %}
CACHES = {"default": env.cache("CACHE_URL", default={{ "REDIS_URL" if redis else '"locmemcache://"' }})}
{%- for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/settings.py" ignore missing %}{%- endfor %}


# Passwords
# https://docs.djangoproject.com/en/stable/ref/settings/#auth-password-validators

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]


# Internationalization
# https://docs.djangoproject.com/en/stable/topics/i18n/

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True


# Static files (CSS, JavaScript, images), served by WhiteNoise.
# `manage.py collectstatic` copies them to STATIC_ROOT with a content hash in each
# name, so they can be cached for a year; runserver serves them from the apps.
# https://whitenoise.readthedocs.io/en/stable/django.html

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}


# Logging: everything to stderr, which gunicorn, systemd and Docker collect.

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {
        "plain": {"format": "{asctime} {levelname} {name}: {message}", "style": "{"},
    },
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": "plain"},
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    "loggers": {
        # Through the root handler (Django's own handlers are replaced, not added to).
        "django": {"handlers": [], "level": env.str("DJANGO_LOG_LEVEL", default="INFO")},
{%- for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/logging.py" ignore missing %}{%- endfor %}
    },
}


# Security
# https://docs.djangoproject.com/en/stable/topics/security/

SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
# Sent on every response (middleware.py). Only files from this site: no inline scripts or
# styles, no framing. Relax it here if you add a CDN. (Django 6 has its own, SECURE_CSP.)
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'; object-src 'none'"
)
# The largest request body, in bytes (a larger one is a 413 under /api/). The API's longest
# item (10,000 characters of description) takes at most 60 KB as JSON.
DATA_UPLOAD_MAX_MEMORY_SIZE = 256 * 1024
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Load balancers and orchestrators probe the health check over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]

if not DEBUG:
    # Behind nginx, which terminates TLS and sets X-Forwarded-Proto (and must
    # overwrite any value the client sent).
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    # SECURE_SSL_REDIRECT=0 serves plain HTTP, e.g. `webkit serve --prod` on a laptop.
    SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
    SECURE_HSTS_SECONDS = 60 * 60 * 24 * 365
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
