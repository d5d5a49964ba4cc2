"""What differs between frameworks lives here, as data; the commands never branch on a name.

A framework is one module in this package that defines `FRAMEWORK`; adding one means a module
here and a template folder under templates/.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from dataclasses import dataclass, field

from webkit_cli.errors import UsageError

# Kept as a list of names so that `webkit new --help` can show the choices without imports.
NAMES = ("flask", "django")
DEFAULT = "flask"


# The argument of a Shortcut step that stands for what the user typed after the shortcut's name.
ARGS = "{args}"


@dataclass(frozen=True)
class Shortcut:
    """`webkit run NAME [ARGS]`: steps run one after the other with the project's .venv Python,
    each after the one before succeeded. Placeholders: {package}, and {next_revision} (the
    number after the project's highest numbered migration); ARGS stands for the arguments
    typed after the name (a step without it gets none)."""

    help: str
    steps: tuple[tuple[str, ...], ...]


# Shortcuts that every framework has; a framework's own add to them or replace them.
COMMON_SHORTCUTS = {
    "tests": Shortcut("the project's tests (pytest)", (("-m", "pytest", ARGS),)),
    "lint": Shortcut(
        "ruff check, then ruff format --check",
        (("-m", "ruff", "check", ARGS), ("-m", "ruff", "format", "--check", ARGS)),
    ),
}


@dataclass(frozen=True)
class Framework:
    name: str
    title: str
    description: str
    # argv (after the venv's python) with {package}, {host}, {port} placeholders
    migrate: tuple[str, ...]
    # Finds unapplied migrations: non-zero exit, or (when `up_to_date_marker` is set) output
    # without that marker.
    pending_migrations: tuple[str, ...]
    dev_server: tuple[str, ...]
    prod_prepare: tuple[tuple[str, ...], ...] = ()
    prod_server: tuple[str, ...] = (
        "-m",
        "gunicorn",
        "-c",
        "gunicorn.conf.py",
        "--bind",
        "{host}:{port}",
    )
    prod_env: dict[str, str] = field(default_factory=dict)
    # Variables that `serve --prod` sets for a plain-HTTP run on this machine (no TLS proxy in front)
    local_prod_env: dict[str, str] = field(default_factory=dict)
    dev_env: dict[str, str] = field(default_factory=dict)
    up_to_date_marker: str | None = None
    health_path: str = "/healthz"
    # Deployment (`webkit deploy-config`). The WSGI application as module:attribute.
    wsgi_app: str = "wsgi:app"
    # Where production static files are on disk (relative to the project root, with {package})
    # and the URL they are served under; nginx serves them from there.
    static_root: str = "{package}/static"
    static_url: str = "/static/"
    # Production variables for an app behind a TLS-terminating proxy, added to prod_env;
    # {domain} is the public host name.
    deploy_env: dict[str, str] = field(default_factory=dict)
    # Variables for running prod_prepare while an image is built, where there are no secrets.
    build_env: dict[str, str] = field(default_factory=dict)
    # DATABASE_URL schemes for the database servers, as the project's settings expect them.
    url_schemes: dict[str, str] = field(
        default_factory=lambda: {"postgres": "postgresql://", "mysql": "mysql://"}
    )
    api_path: str = "/api/items"
    # Folders of site-packages (their largest parts first) that the first migration imports
    # most of: where webkit's bytecode cache lacks them, `webkit new` compiles them on the other
    # core while the migration runs, which otherwise compiles everything it imports on one.
    precompile: tuple[str, ...] = ()
    min_python: tuple[int, int] = (3, 10)
    # Where the migrations live (relative to the project root, with {package}): `webkit update`
    # never merges a template's change into a migration the project has (it may have run).
    migration_dirs: tuple[str, ...] = ()
    # Two lines of migrations (the template's new one and the project's own) are merged into
    # one by `merge_migrations`; `migration_heads`, when set, lists the heads first (a line each
    # with `head_marker`), and the merge runs only when there are several.
    merge_migrations: tuple[str, ...] = ()
    migration_heads: tuple[str, ...] = ()
    head_marker: str = "(head)"
    # Where the migrations are, read without importing the framework (webkit_cli/migrations.py):
    # ("alembic", the versions folder) or ("django", the settings file with INSTALLED_APPS).
    migration_files: tuple[str, str] = ("alembic", "migrations/versions")
    # What the project's settings do without DATABASE_URL, and where a relative SQLite path
    # points ("" : the project root).
    default_database_url: str = "sqlite:///{package}.db"
    sqlite_folder: str = ""
    # The package's name is part of the schema the migrations make (table names, the migration
    # history): webkit's schema cache keeps a migrated database per package name then.
    package_in_schema: bool = False
    # `webkit run NAME`, besides COMMON_SHORTCUTS.
    shortcuts: dict[str, Shortcut] = field(default_factory=dict)
    # `webkit generate resource` (webkit_cli/generating.py): the table of a resource (with
    # {snake}, {model} and {package}), the names of the migrations that create and drop it,
    # what NAME the migration scripts (makemigration/) match, the example model the template
    # has, the first URL segments the project uses, and the names the shared files import
    # (a resource's class may not take one).
    resource_table: str = "{snake}"
    migration_names: tuple[str, str] = ("create_{snake}_table", "drop_{snake}_table")
    migration_target: str = "{snake}"
    example_resource: str = "Item"
    reserved_urls: tuple[str, ...] = ("api", "static", "healthz")
    reserved_classes: tuple[str, ...] = ()
    # What `webkit new` suggests after `webkit serve`: (command, what it is for); {webkit} is
    # how the user runs webkit.
    next_steps: tuple[tuple[str, str], ...] = ()
    # The background jobs' worker (a project with the jobs feature), run by `webkit serve`
    # beside the web server and deployed beside it by `webkit deploy-config`.
    worker: tuple[str, ...] = ()
    # `webkit add FEATURE` on a project that exists: "module:function" run before the merge,
    # with the project as it is (a Project); it returns what it did, in words (a list), or
    # raises a WebkitError to refuse, having changed nothing.
    before_add: dict[str, str] = field(default_factory=dict)
    # Accounts (a project with the auth feature): the variable that says where failed logins
    # are counted, when the project counts them outside its database (None: in the database);
    # `webkit deploy-config` sets it beside EMAIL_URL and DEFAULT_FROM_EMAIL.
    rate_limit_env: str | None = None

    @property
    def template(self) -> str:
        return self.name

    def argv(self, argv: tuple[str, ...], **values: str) -> list[str]:
        return [part.format(**values) for part in argv]

    def all_shortcuts(self) -> dict[str, Shortcut]:
        return {**COMMON_SHORTCUTS, **self.shortcuts}

    def before_adding(self, feature: str) -> Callable[..., list[str]] | None:
        """The function `webkit add FEATURE` runs before its merge, if any (imported now)."""
        target = self.before_add.get(feature)
        if target is None:
            return None
        module, name = target.split(":")
        return getattr(importlib.import_module(module), name)


def get(name: str) -> Framework:
    if name not in NAMES:
        raise UsageError(
            f"unknown framework '{name}'",
            f"choose one of: {', '.join(NAMES)}",
        )
    return importlib.import_module(f"webkit_cli.frameworks.{name}").FRAMEWORK
