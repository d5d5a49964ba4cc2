"""webkit's cache of migrated SQLite databases: the first migration of a new project, kept.

Most of a warm `webkit new` used to be its first migration: a Python that imports Flask,
SQLAlchemy and Alembic (or Django) to create a few tables. What that migration leaves in a
SQLite database is decided by what the project is made of, so after the framework's own
migration ran once, webkit keeps a copy of the database in its cache folder, keyed by all of
it:

- the template (its release and the digest of its files) and webkit's own version, the
  framework, the record's features with their settings, resources and apps: with the template
  they decide every file the render wrote, the migrations and the models among them;
- the package name, where it enters the schema (Framework.package_in_schema: Django's app label
  names tables and migration history rows; Flask's tables never carry it);
- the runtime lock's versions (the framework brings migrations of its own, Django's contrib apps
  say), the Python minor version and the SQLite library's version (what an ALTER TABLE does).

A project made again from the same ingredients gets a copy of that database instead of a
migration (`lookup`, then `Entry.restore`); any other runs the migration, and its database is
stored (`Entry.store`): first_migration.py does that. Only for a project rendered moments ago and untouched since, as `webkit
new` has it, with an embedded database that does not exist yet; never for a database server.

Everything here is an optimisation: an entry that cannot be read, is incomplete or does not
match its checksum is a miss (the migration runs, as without a cache), and a failure to store
one costs the next project its time, nothing else. tests/test_e2e_schema_cache.py shows, for
every template, feature and database kind it covers, that a restored database is the one the
framework's migration makes, table by table and in its migration history.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from webkit_cli.errors import WebkitError
from webkit_cli.project import Project
from webkit_cli.record import Record

# The folder under webkit's cache (bytecode.cache_dir) and the layout of its entries: bumped
# when an entry's form or the key's ingredients change, so older entries are never read.
FOLDER = "schema"
FORMAT = 1
_DATABASE, _META = ".sqlite3", ".json"
_LOCK = ".lock"
_SQLITE_MAGIC = b"SQLite format 3\x00"
# Files beside a database that hold pages it does not have yet (or an interrupted write).
_SIDECARS = ("-journal", "-wal", "-shm")
# What the project's Python reports: its version and the SQLite library its sqlite3 module uses.
_PROBE = "import sqlite3, sys; print('%d.%d' % sys.version_info[:2], sqlite3.sqlite_version)"


def folder() -> Path | None:
    """Where the entries are; None when webkit's cache is turned off (WEBKIT_NO_CACHE)."""
    from webkit_cli import bytecode

    cache = bytecode.cache_dir()
    return None if cache is None else cache / FOLDER


@dataclass(frozen=True)
class Entry:
    """The cache entry of one project's first migration: `database` is where it goes."""

    folder: Path
    key: str
    database: Path
    ingredients: dict[str, Any] = field(default_factory=dict)

    @property
    def file(self) -> Path:
        return self.folder / f"{self.key}{_DATABASE}"

    @property
    def meta(self) -> Path:
        return self.folder / f"{self.key}{_META}"

    def present(self) -> bool:
        """Whether the cache holds this entry (`restore` still checks that it is whole)."""
        return self.meta.is_file() and self.file.is_file()

    def restore(self) -> bool:
        """Put the cached database in place; False (nothing written) when there is no whole
        entry, or when the project has a database already."""
        try:
            meta = json.loads(self.meta.read_text(encoding="utf-8"))
            data = self.file.read_bytes()
        except (OSError, ValueError):
            return False
        if not _valid(data, meta):
            _discard(self)  # corrupt or partial: the migration runs, and stores a whole one
            return False
        if _has_database(self.database):
            return False
        with contextlib.suppress(OSError):
            os.utime(self.meta)  # its last use, for `webkit cache info`
        try:
            return _write_new(self.database, data)
        except OSError:
            return False

    def store(self) -> bool:
        """Keep the database the migration made; False when it was not kept."""
        try:
            if any(_sidecar(self.database, s).exists() for s in _SIDECARS):
                return False  # pages not in the file yet: not a database to copy
            data = self.database.read_bytes()
        except OSError:
            return False
        if not data.startswith(_SQLITE_MAGIC):
            return False
        meta = {
            "format": FORMAT,
            "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data),
            "ingredients": self.ingredients,
        }
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with _locked(self.folder) as locked:
                if not locked:
                    return False  # another webkit stores one now: the same, from the same key
                _write_replacing(self.file, data)
                # The meta file last: an entry without it is never read.
                _write_replacing(self.meta, json.dumps(meta, indent=1).encode())
        except OSError:
            return False
        return True


def lookup(project: Project, template: Path, lock: Sequence[str] | None = None) -> Entry | None:
    """The entry for `project`, just rendered from `template` and not changed since (its lock
    file written, or its runtime versions given as `lock`; its .venv made); None when the
    schema cache does not apply: the cache turned off, a database server, a database that
    exists already, or what decides the schema unreadable."""
    where = folder()
    record = project.record
    if where is None or record is None:
        return None
    try:
        database = sqlite_database(project)
        if database is None or _has_database(database):
            return None
        ingredients = _ingredients(project, record, template, lock)
    except (OSError, ValueError, WebkitError):
        return None
    if ingredients is None:
        return None
    text = json.dumps(ingredients, sort_keys=True, separators=(",", ":"))
    key = hashlib.sha256(text.encode()).hexdigest()
    return Entry(where, key, database, ingredients)


def sqlite_database(project: Project) -> Path | None:
    """The project's SQLite database file; None for a server (or an in-memory database)."""
    from webkit_cli import services

    fw = project.framework
    url = project.setting("DATABASE_URL") or fw.default_database_url.format(package=project.package)
    if not url.startswith("sqlite:"):
        return None
    path = services.sqlite_path(url, project.root / fw.sqlite_folder)
    return None if path is None else path.absolute()


def _ingredients(
    project: Project, record: Record, template: Path, lock: Sequence[str] | None
) -> dict[str, Any] | None:
    """Everything that decides the database a project's first migration makes."""
    from webkit_cli import __version__, locks, runner, template_store

    fw = project.framework
    if record.database != "sqlite":
        return None
    probe = runner.run([project.python, "-I", "-S", "-c", _PROBE], timeout=60)
    parts = probe.output.split()
    if not probe.ok or len(parts) != 2:
        return None
    python, sqlite = parts
    return {
        "format": FORMAT,
        "webkit": __version__,
        "framework": fw.name,
        "template_version": template_store.version_of(template),
        "template": template_store.digest(template),
        "features": record.features,
        "resources": list(record.resources),
        "apps": list(record.apps),
        "package": record.package if fw.package_in_schema else None,
        "database": record.database,
        "lock": locks.pin_versions(locks.read_lock(project.lock_file) if lock is None else lock),
        "python": python,
        "sqlite": sqlite,
    }


def _valid(data: bytes, meta: Any) -> bool:
    return (
        isinstance(meta, dict)
        and meta.get("format") == FORMAT
        and meta.get("size") == len(data)
        and meta.get("sha256") == hashlib.sha256(data).hexdigest()
        and data.startswith(_SQLITE_MAGIC)
    )


def _discard(entry: Entry) -> None:
    for path in (entry.meta, entry.file):
        with contextlib.suppress(OSError):
            path.unlink()


def _sidecar(database: Path, suffix: str) -> Path:
    return database.with_name(database.name + suffix)


def _has_database(database: Path) -> bool:
    return any(os.path.lexists(p) for p in (database, *(_sidecar(database, s) for s in _SIDECARS)))


def _temporary(path: Path) -> Path:
    return path.with_name(f".{path.name}.{os.getpid()}.{time.monotonic_ns()}.partial")


def _write_file(path: Path, data: bytes, *, durable: bool) -> None:
    # 0644 before the umask: the mode SQLite gives the database files it creates.
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
        if durable:
            handle.flush()
            os.fsync(handle.fileno())


def _write_new(path: Path, data: bytes) -> bool:
    """Write `path` whole or not at all, and never over a file that is there. False: one is."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = _temporary(path)
    try:
        _write_file(partial, data, durable=True)  # the project's database, as SQLite writes it
        try:
            os.link(partial, path)  # fails, rather than replaces, where a file appeared
        except FileExistsError:
            return False
        except OSError:  # a file system without hard links
            if os.path.lexists(path):
                return False
            os.rename(partial, path)
    finally:  # Ctrl-C or a failure included: no partial file is left in the project
        with contextlib.suppress(OSError):
            partial.unlink()
    return True


def _write_replacing(path: Path, data: bytes) -> None:
    """A cache entry's file: no fsync (on a busy disk it costs more than the migration it
    saves); what a crash leaves half written fails its checksum, and is a miss."""
    partial = _temporary(path)
    try:
        _write_file(partial, data, durable=False)
        os.replace(partial, path)
    finally:
        with contextlib.suppress(OSError):
            partial.unlink()


@contextlib.contextmanager
def _locked(where: Path) -> Iterator[bool]:
    """An exclusive lock on the cache's folder while an entry is written, not waited for:
    False when another process holds it."""
    import fcntl

    fd = os.open(where / _LOCK, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)  # releases the lock


def entries(where: Path) -> list[dict[str, Any]]:
    """The whole entries in the cache's folder (their meta data, with `path` and `bytes`)."""
    found = []
    for meta_path in sorted(where.glob(f"*{_META}")) if where.is_dir() else []:
        try:
            meta = json.loads(meta_path.read_text(encoding="utf-8"))
            size = meta_path.with_suffix(_DATABASE).stat().st_size
        except (OSError, ValueError):
            continue
        if isinstance(meta, dict):
            found.append({**meta, "path": str(meta_path), "bytes": size})
    return found
