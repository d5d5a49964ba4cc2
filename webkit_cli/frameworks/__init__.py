"""What differs between frameworks lives here, as data; the commands never branch on a name.

A framework is one module in this package that defines `FRAMEWORK`; adding one means a module
here and a template folder under templates/.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass, field

from webkit_cli.errors import UsageError

# Kept as a list of names so that `webkit new --help` can show the choices without imports.
NAMES = ("flask", "django")
DEFAULT = "flask"


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
    # DATABASE_URL scheme for PostgreSQL, as the project's settings expect it.
    postgres_url_scheme: str = "postgresql://"
    api_path: str = "/api/items"
    # Folders of site-packages (their largest parts first) that the first migration imports
    # most of: where webkit's bytecode cache lacks them, `webkit new` compiles them on the other
    # core while the migration runs, which otherwise compiles everything it imports on one.
    precompile: tuple[str, ...] = ()
    min_python: tuple[int, int] = (3, 10)
    # What `webkit new` suggests after `webkit serve`: (command, what it is for); {webkit} is
    # how the user runs webkit.
    next_steps: tuple[tuple[str, str], ...] = ()

    @property
    def template(self) -> str:
        return self.name

    def argv(self, argv: tuple[str, ...], **values: str) -> list[str]:
        return [part.format(**values) for part in argv]


def get(name: str) -> Framework:
    if name not in NAMES:
        raise UsageError(
            f"unknown framework '{name}'",
            f"choose one of: {', '.join(NAMES)}",
        )
    return importlib.import_module(f"webkit_cli.frameworks.{name}").FRAMEWORK
