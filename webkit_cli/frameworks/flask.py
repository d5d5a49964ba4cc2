"""Flask: application factory, Flask-SQLAlchemy + Flask-Migrate, gunicorn."""

from webkit_cli.frameworks import Framework

FRAMEWORK = Framework(
    name="flask",
    title="Flask",
    description="A Flask web application.",
    migrate=("-m", "flask", "--app", "{package}", "db", "upgrade"),
    # `flask db current` marks the revision "(head)" when nothing is left to apply.
    pending_migrations=("-m", "flask", "--app", "{package}", "db", "current"),
    up_to_date_marker="(head)",
    dev_server=(
        "-m",
        "flask",
        "--app",
        "{package}",
        "run",
        "--debug",
        "--host",
        "{host}",
        "--port",
        "{port}",
    ),
    prod_env={"APP_ENV": "production"},
    dev_env={"APP_ENV": "development"},
    api_path="/api/items",
    wsgi_app="wsgi:app",
    static_root="{package}/static",
    # One proxy (nginx or the ingress) sets X-Forwarded-For and -Proto: see config.py.
    deploy_env={"PROXY_FIX_X_FOR": "1", "PROXY_FIX_X_PROTO": "1"},
    postgres_url_scheme="postgresql+psycopg://",
)
