"""Django: the startproject layout with one app, whitenoise, gunicorn."""

from webkit_cli.frameworks import Framework

FRAMEWORK = Framework(
    name="django",
    title="Django",
    description="A Django web application.",
    migrate=("manage.py", "migrate", "--noinput"),
    pending_migrations=("manage.py", "migrate", "--check"),
    dev_server=("manage.py", "runserver", "{host}:{port}"),
    precompile=(
        "django/db",
        "django/contrib/admin",
        "django/contrib/auth",
        "django/template",
        "django/forms",
        "django/core",
    ),
    prod_prepare=(("manage.py", "collectstatic", "--noinput"),),
    prod_env={"DEBUG": "0"},
    local_prod_env={"SECURE_SSL_REDIRECT": "0"},
    dev_env={"DEBUG": "1"},
    api_path="/api/items/",
    wsgi_app="config.wsgi:application",
    # STATIC_ROOT in config/settings.py: where collectstatic puts the files.
    static_root="staticfiles",
    deploy_env={"ALLOWED_HOSTS": "{domain}", "CSRF_TRUSTED_ORIGINS": "https://{domain}"},
    # settings.py needs a SECRET_KEY to load; collectstatic does not use it. No .env either.
    build_env={"SECRET_KEY": "collectstatic-only-not-a-secret", "ENV_FILE": "/dev/null"},
    postgres_url_scheme="postgres://",
    next_steps=(
        (
            ".venv/bin/python manage.py createsuperuser",
            "an account for the admin, at http://127.0.0.1:8000/manage/",
        ),
    ),
)
