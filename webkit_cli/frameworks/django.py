"""Django: the startproject layout with one app, whitenoise, gunicorn."""

from webkit_cli.frameworks import ARGS, Framework, Shortcut

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
    url_schemes={"postgres": "postgres://", "mysql": "mysql://"},
    # The accounts app (--auth) has its own, beside the package.
    migration_dirs=("{package}/migrations", "accounts/migrations"),
    # Does nothing (and says "No conflicts detected to merge.") when there is one line.
    merge_migrations=("manage.py", "makemigrations", "--merge", "--noinput"),
    migration_files=("django", "config/settings.py"),
    default_database_url="sqlite:///db.sqlite3",
    # The package is the app label: in its tables' names and in django_migrations.
    package_in_schema=True,
    # Huey's consumer, with settings.HUEY (huey.contrib.djhuey).
    worker=("manage.py", "run_huey"),
    # Accounts bring a user model of their own: the admin's migrations are undone first (or
    # `add auth` refused when the database has users).
    before_add={"auth": "webkit_cli.frameworks.django_auth:before_add"},
    # Django's own table name for a model of the project's app, and its migrations' names.
    resource_table="{package}_{model}",
    migration_names=("{model}", "delete_{model}"),
    migration_target="{model}",
    reserved_urls=("api", "static", "healthz", "manage", "admin"),
    reserved_classes=(
        *("Any", "Form", "QuerySet", "ProtectedError", "MaxValueValidator", "HTTPStatus"),
        *("MinValueValidator", "JsonResponse", "HttpRequest", "HttpResponse", "Index"),
        # The accounts' (--auth) mixins, in views.py.
        *("LoginRequiredMixin", "LoginRequiredForWritesMixin"),
    ),
    shortcuts={
        "shell": Shortcut("manage.py shell", (("manage.py", "shell", ARGS),)),
        "migrate": Shortcut(
            "apply the migrations (manage.py migrate)", (("manage.py", "migrate", ARGS),)
        ),
        # Django does not format what it writes: ruff does, as the project's README says.
        "makemigrations": Shortcut(
            "write migrations from the models, then ruff format .",
            (("manage.py", "makemigrations", ARGS), ("-m", "ruff", "format", ".")),
        ),
    },
    next_steps=(
        (
            ".venv/bin/python manage.py createsuperuser",
            "an account for the admin, at http://127.0.0.1:8000/manage/",
        ),
    ),
)
