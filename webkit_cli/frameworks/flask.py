"""Flask: application factory, Flask-SQLAlchemy + Flask-Migrate, gunicorn."""

from webkit_cli.frameworks import ARGS, Framework, Shortcut

# What `flask --app PACKAGE run --debug` does (Werkzeug's server with its reloader and debugger,
# threaded, the app found as `flask --app` finds it), except that the reloader's parent process,
# which only watches the files and restarts the server process, does not import the app.
# `flask run` imports it in both, so the first page waited for one more import of the app: half
# a second for a new project. As with `flask run`, an app that fails to import is served as its
# error (the debugger shows it) until an edit fixes it and the reloader restarts the server.
# Werkzeug restarts the server process with the same `python -c ...` (sys.orig_argv). No braces
# in the code: the framework's argv goes through str.format.
DEV_SERVER = """\
import sys
import traceback

from werkzeug.serving import is_running_from_reloader, run_simple

package, host, port = sys.argv[1:]
app = None
if is_running_from_reloader():
    from flask.cli import ScriptInfo

    try:
        app = ScriptInfo(app_import_path=package).load_app()
    except Exception as error:
        traceback.print_exc()

        def app(environ, start_response, error=error):
            raise error

run_simple(host, int(port), app, use_reloader=True, use_debugger=True, threaded=True)
"""

FRAMEWORK = Framework(
    name="flask",
    title="Flask",
    description="A Flask web application.",
    migrate=("-m", "flask", "--app", "{package}", "db", "upgrade"),
    # `flask db current` marks the revision "(head)" when nothing is left to apply.
    pending_migrations=("-m", "flask", "--app", "{package}", "db", "current"),
    up_to_date_marker="(head)",
    # The migration imports Flask and its extensions first, SQLAlchemy and Alembic after.
    precompile=("sqlalchemy", "alembic"),
    # `flask run --debug`, run by the project's Python with the project root on sys.path.
    dev_server=("-c", DEV_SERVER, "{package}", "{host}", "{port}"),
    prod_env={"APP_ENV": "production"},
    dev_env={"APP_ENV": "development", "FLASK_DEBUG": "1"},
    api_path="/api/items",
    wsgi_app="wsgi:app",
    static_root="{package}/static",
    # One proxy (nginx or the ingress) sets X-Forwarded-For and -Proto: see config.py. The app
    # answers only its domain (TRUSTED_HOSTS from ALLOWED_HOSTS, as Django's setting).
    deploy_env={"ALLOWED_HOSTS": "{domain}", "PROXY_FIX_X_FOR": "1", "PROXY_FIX_X_PROTO": "1"},
    rate_limit_env="RATELIMIT_STORAGE_URI",
    url_schemes={"postgres": "postgresql+psycopg://", "mysql": "mysql+pymysql://"},
    migration_dirs=("migrations/versions",),
    migration_heads=("-m", "flask", "--app", "{package}", "db", "heads"),
    merge_migrations=(
        *("-m", "flask", "--app", "{package}", "db", "merge"),
        *("-m", "merge the template's migrations with the project's", "heads"),
    ),
    migration_files=("alembic", "migrations/versions"),
    # Flask-SQLAlchemy puts a relative SQLite path in the app's instance folder.
    default_database_url="sqlite:///{package}.db",
    sqlite_folder="instance",
    # jobs.py's command: Huey's consumer, inside the app.
    worker=("-m", "flask", "--app", "{package}", "worker"),
    resource_table="{snake}",
    migration_names=("create_{snake}_table", "drop_{snake}_table"),
    migration_target="{snake}",
    # What models.py and the shared files import or define.
    reserved_classes=(
        *("Any", "Base", "Model", "UTCDateTime", "TypeDecorator", "Dialect", "Mapped"),
        *("DefaultExecutionContext", "DateTime", "String", "Text", "Numeric", "ForeignKey"),
        *("Decimal", "APIFlask", "Path", "Mapping"),
    ),
    shortcuts={
        "shell": Shortcut(
            "flask shell, with the app and its models",
            (("-m", "flask", "--app", "{package}", "shell", ARGS),),
        ),
        "migrate": Shortcut(
            "apply the migrations (flask db upgrade)",
            (("-m", "flask", "--app", "{package}", "db", "upgrade", ARGS),),
        ),
        # Numbered like the first one (migrations/alembic.ini: file_template); Alembic's
        # post-write hooks format the new file.
        "makemigrations": Shortcut(
            "write a migration from the models (flask db migrate)",
            (
                (
                    "-m",
                    "flask",
                    "--app",
                    "{package}",
                    "db",
                    "migrate",
                    "--rev-id",
                    "{next_revision}",
                    ARGS,
                ),
            ),
        ),
    },
)
