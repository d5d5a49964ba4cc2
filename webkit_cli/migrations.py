"""A project's migrations as its files define them, read without importing the framework.

Importing Flask and Alembic, or Django, costs about half a second; the files themselves say
what exists, and the database's own table (alembic_version, django_migrations) what ran:

- Alembic (Flask-Migrate): each `migrations/versions/*.py` assigns `revision` and
  `down_revision`; the heads are the revisions nobody names as their down revision; the database
  is up to date when alembic_version holds exactly those.
- Django: each app in INSTALLED_APPS (read from the settings file) has its migrations in
  `<app>/migrations/*.py`, in the project or in site-packages; django_migrations lists those
  that ran (a squashed migration counts as Django counts it).

When a file cannot be read this way (INSTALLED_APPS built by code, a migration module that is
not plain assignments, settings that move migrations), `read` returns None and the caller asks
the framework instead.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

_NUMBERED = re.compile(r"^(\d+)")


class Unreadable(Exception):
    """The files cannot be understood without running them."""


@dataclass(frozen=True)
class Migrations:
    """What the files define, and the query that lists what the database applied."""

    kind: str  # "alembic" or "django"
    query: str  # rows of applied migrations: (revision,) or (app, name)
    table: str
    names: tuple[str, ...]  # every migration, as the framework names them
    _graph: dict = field(default_factory=dict, repr=False)

    def pending(self, rows: list[tuple]) -> list[str]:
        """The migrations not applied, given the rows of `query` (oldest first, as far as the
        files say)."""
        return _PENDING[self.kind](self, rows)

    def unknown(self, rows: list[tuple]) -> list[str]:
        """What the database records that no file defines (Alembic: it then refuses to run)."""
        if self.kind != "alembic":
            return []
        return sorted(str(row[0]) for row in rows if row[0] not in self._graph)


def _module(path: Path) -> ast.Module:
    try:
        return ast.parse(path.read_bytes(), filename=str(path))
    except (OSError, SyntaxError, ValueError) as exc:
        raise Unreadable(f"{path.name}: {exc}") from None


def _assigned(body: list[ast.stmt], names: set[str]) -> dict[str, object]:
    """The literal values assigned to `names` at this level (plain or annotated)."""
    found: dict[str, object] = {}
    for node in body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id in names:
            try:
                found[target.id] = ast.literal_eval(value)
            except ValueError:
                raise Unreadable(f"{target.id} is not a literal") from None
    return found


# -- Alembic ------------------------------------------------------------------------------------


def alembic(versions: Path) -> Migrations:
    """The revisions in an Alembic `versions` folder."""
    graph: dict[str, tuple[str, ...]] = {}
    order: list[str] = []
    for path in sorted(versions.glob("*.py")) if versions.is_dir() else []:
        values = _assigned(_module(path).body, {"revision", "down_revision"})
        revision = values.get("revision")
        if revision is None:
            continue  # not a migration (a helper module, say)
        down = values.get("down_revision")
        downs = () if down is None else (down,) if isinstance(down, str) else down
        if not (
            isinstance(revision, str)
            and isinstance(downs, (tuple, list))
            and all(isinstance(d, str) for d in downs)
        ):
            raise Unreadable(f"{path.name}: revision and down_revision must be strings")
        graph[revision] = tuple(downs)
        order.append(revision)
    return Migrations(
        "alembic",
        "SELECT version_num FROM alembic_version",
        "alembic_version",
        tuple(order),
        graph,
    )


def _ancestors(graph: dict[str, tuple[str, ...]], start: str) -> set[str]:
    seen, todo = set(), [start]
    while todo:
        revision = todo.pop()
        if revision in seen:
            continue
        seen.add(revision)
        todo.extend(graph.get(revision, ()))
    return seen


def _alembic_pending(migrations: Migrations, rows: list[tuple]) -> list[str]:
    applied: set[str] = set()
    for revision, *_rest in rows:
        applied |= _ancestors(migrations._graph, str(revision))
    return [name for name in migrations.names if name not in applied]


def next_revision(versions: Path) -> str:
    """The revision id after the highest numbered one, zero-padded like it ("0002")."""
    numbers = [
        (int(match[1]), len(match[1]))
        for revision in alembic(versions).names
        if (match := _NUMBERED.match(revision))
    ]
    number, width = max(numbers, default=(0, 4))
    return str(number + 1).zfill(width)


# -- Django -------------------------------------------------------------------------------------


def _installed_apps(settings: Path) -> list[str]:
    body = _module(settings).body
    values = _assigned(body, {"INSTALLED_APPS", "MIGRATION_MODULES"})
    if "MIGRATION_MODULES" in values:
        raise Unreadable("MIGRATION_MODULES moves migrations")
    apps = values.get("INSTALLED_APPS")
    if not isinstance(apps, (list, tuple)) or not all(isinstance(a, str) for a in apps):
        raise Unreadable("INSTALLED_APPS is not a literal list of names")
    # Named once, where it is assigned: no `INSTALLED_APPS += [...]` or `.append(...)` below.
    uses = sum(
        isinstance(node, ast.Name) and node.id == "INSTALLED_APPS"
        for node in ast.walk(ast.Module(body=body, type_ignores=[]))
    )
    if uses != 1:
        raise Unreadable("INSTALLED_APPS is changed by code")
    return list(apps)


def _app_folder(entry: str, roots: list[Path]) -> Path | None:
    """The package folder of an INSTALLED_APPS entry ("shop", "django.contrib.admin", or an
    AppConfig path such as "shop.apps.ShopConfig")."""
    parts = entry.split(".")
    for root in roots:
        for end in range(len(parts), 0, -1):
            folder = root.joinpath(*parts[:end])
            if (folder / "__init__.py").is_file():
                return folder
            if folder.with_suffix(".py").is_file():  # shop.apps: the app is shop
                parent = folder.parent
                return parent if (parent / "__init__.py").is_file() else None
    return None


def _label(folder: Path) -> str:
    """The app label: its AppConfig's `label`, else the package's last name."""
    apps = folder / "apps.py"
    if apps.is_file():
        for node in _module(apps).body:
            if isinstance(node, ast.ClassDef):
                label = _assigned(node.body, {"label"}).get("label")
                if isinstance(label, str):
                    return label
    return folder.name


def django(settings: Path, roots: list[Path]) -> Migrations:
    """The migrations of every app in the settings' INSTALLED_APPS, found under `roots` (the
    project, then site-packages)."""
    names: list[str] = []
    replaces: dict[str, list[str]] = {}
    for entry in _installed_apps(settings):
        folder = _app_folder(entry, roots)
        if folder is None:
            raise Unreadable(f"the app {entry} was not found")
        migrations = folder / "migrations"
        if not (migrations / "__init__.py").is_file():
            continue
        label = _label(folder)
        for path in sorted(migrations.glob("*.py")):
            if path.stem[0] in "_~":
                continue
            name = f"{label}.{path.stem}"
            names.append(name)
            klass = next((n for n in _module(path).body if isinstance(n, ast.ClassDef)), None)
            replaced = _assigned(klass.body, {"replaces"}).get("replaces") if klass else None
            if replaced:
                replaces[name] = [f"{app}.{migration}" for app, migration in replaced]
    return Migrations(
        "django",
        "SELECT app, name FROM django_migrations",
        "django_migrations",
        tuple(names),
        replaces,
    )


def _django_pending(migrations: Migrations, rows: list[tuple]) -> list[str]:
    applied = {f"{app}.{name}" for app, name in rows}
    nodes = set(migrations.names)
    # As Django's MigrationLoader: a squashed migration stands for those it replaces when all
    # or none of them ran (and counts as applied when all did); otherwise they stand for it.
    for squashed, replaced in migrations._graph.items():
        ran = [name in applied for name in replaced]
        if all(ran):
            applied.add(squashed)
        if all(ran) or not any(ran):
            nodes -= set(replaced)
        else:
            nodes.discard(squashed)
    return [name for name in migrations.names if name in nodes and name not in applied]


_PENDING = {"alembic": _alembic_pending, "django": _django_pending}


def read(kind: str, root: Path, location: str, site_packages: Path | None) -> Migrations | None:
    """The project's migrations (`kind` and `location` come from its framework), or None when
    the files cannot be read without running them."""
    roots = [root, *([site_packages] if site_packages else [])]
    try:
        return _READERS[kind](root / location, roots)
    except Unreadable:
        return None


_READERS = {
    "alembic": lambda versions, _roots: alembic(versions),
    "django": django,
}
