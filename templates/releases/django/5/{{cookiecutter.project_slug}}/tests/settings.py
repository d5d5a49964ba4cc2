"""Settings for the test suite: config.settings, with what a test run needs.

The suite must pass without .env (it is git-ignored, so CI has none): a throwaway
SECRET_KEY is used unless the environment sets one. .env, when present, still
provides the rest, e.g. a PostgreSQL DATABASE_URL (pytest-django creates and drops
a separate test database on that server).
"""

import os

os.environ.setdefault("SECRET_KEY", "test-suite-only-" + "k" * 50)

from config.settings import *  # noqa: E402, F403

# The test client speaks plain HTTP; test_settings.py checks the production settings.
SECURE_SSL_REDIRECT = False

# Static files from the apps, as under runserver: no `collectstatic`, no manifest.
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True

# Hashing passwords slowly is a feature in production and only a cost in tests.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
