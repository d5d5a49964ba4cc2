"""Django: the startproject layout with one app, whitenoise, gunicorn."""

from webkit_cli.frameworks import Framework

FRAMEWORK = Framework(
    name="django",
    title="Django",
    description="A Django web application.",
    migrate=("manage.py", "migrate", "--noinput"),
    pending_migrations=("manage.py", "migrate", "--check"),
    dev_server=("manage.py", "runserver", "{host}:{port}"),
    prod_prepare=(("manage.py", "collectstatic", "--noinput"),),
    prod_env={"DEBUG": "0"},
    local_prod_env={"SECURE_SSL_REDIRECT": "0"},
    dev_env={"DEBUG": "1"},
    api_path="/api/items/",
)
