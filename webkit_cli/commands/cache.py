"""`webkit cache`: where webkit's cache is (bytecode, migrated databases, hashed lock files,
resolved package names), what it holds, and removing it."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import click

from webkit_cli import bytecode, console, schema_cache
from webkit_cli.errors import StepFailed, UsageError

# What webkit writes under its cache folder (bytecode_cache.Cache, a script run by the
# projects' own Pythons, names it so too; schema_cache.py the migrated databases); `clean`
# removes these and nothing else, so a WEBKIT_CACHE_DIR pointed at a folder of other files
# loses none of them.
BYTECODE = bytecode.FOLDER
SCHEMA = schema_cache.FOLDER
HASHED_LOCKS = "hashed-locks"  # deploy-config's (webkit_cli/deploy/hashes.py: CACHE_FOLDER)
# `new`'s hints: the packages that each set of requirements resolved to last time
# (webkit_cli/resolution.py: FOLDER)
RESOLUTIONS = "resolution"


def _folder() -> Path:
    folder = bytecode.cache_dir()
    if folder is None:
        raise UsageError(
            "webkit's cache is turned off (WEBKIT_NO_CACHE is set)",
            "unset WEBKIT_NO_CACHE to use it again",
        )
    return folder


def _size(folder: Path) -> tuple[int, int]:
    """(files, bytes) under `folder`."""
    files = size = 0
    for parent, _dirs, names in os.walk(folder):
        for name in names:
            try:
                size += os.lstat(os.path.join(parent, name)).st_size
            except OSError:
                continue
            files += 1
    return files, size


def _megabytes(size: int) -> str:
    return f"{size / 1e6:.1f} MB"


def _amount(size: int) -> str:
    """A size in kB below a megabyte (a database is tens of kB), else in MB."""
    return f"{size / 1e3:.0f} kB" if size < 1e6 else _megabytes(size)


def _databases(count: int) -> str:
    return f"{count} database{'' if count == 1 else 's'}"


@click.group()
def cache() -> None:
    """webkit's cache, shared by the projects it creates: compiled bytecode, and the
    databases that new projects' first migrations made (SQLite).

    The bytecode is keyed by each source file's content and the Python version, a database by
    all that decides it (the template, the features, the locked versions, Python and SQLite),
    so neither goes stale; the cache only grows with new releases. Removing it is always safe:
    the next project compiles what it imports and runs its migration again.
    """


@cache.command("dir")
def cache_dir() -> None:
    """Print the cache folder ($WEBKIT_CACHE_DIR, else the platform's user cache folder)."""
    click.echo(str(_folder()))


@cache.command()
def info() -> None:
    """Show the cache folder and what it holds: bytecode per Python version, migrated databases
    per template, the image's lock files with hashes, and the package names of new's last
    resolutions."""
    folder = _folder()
    console.info(f"Cache: {console.escape(str(folder))}")
    root = folder / BYTECODE
    pythons = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    databases = schema_cache.entries(folder / SCHEMA)
    locks = sorted((folder / HASHED_LOCKS).glob("*.txt"))
    hints = sorted((folder / RESOLUTIONS).glob("*.txt"))
    if not pythons and not databases and not locks and not hints:
        console.info("Empty.")
        return
    total_files = total_size = 0
    for python in pythons:
        files, size = _size(python)
        total_files, total_size = total_files + files, total_size + size
        tag = python.name.rsplit("-", 1)[0]  # cpython-311-<magic number>
        console.info(f"  {tag}: {files} modules, {_megabytes(size)}")
    if pythons:
        console.info(f"In all: {total_files} modules, {_megabytes(total_size)}")
    if databases:
        console.info("Migrated databases (the first migration of new SQLite projects):")
        groups: dict[str, list[int]] = {}
        for entry in databases:
            made = entry.get("ingredients", {})
            features = ", ".join(sorted(made.get("features", {}))) or "no features"
            label = (
                f"{made.get('framework', '?')} template {made.get('template_version', '?')}, "
                f"{features}"
            )
            groups.setdefault(label, []).append(entry["bytes"])
        for label, sizes in sorted(groups.items()):
            console.info(
                f"  {console.escape(label)}: {_databases(len(sizes))}, {_amount(sum(sizes))}"
            )
        size = sum(entry["bytes"] for entry in databases)
        console.info(f"In all: {_databases(len(databases))}, {_amount(size)}")
    if locks:
        size = _size(folder / HASHED_LOCKS)[1]
        console.info(
            f"Lock files with hashes (deploy-config's image): {_locks(len(locks))}, {_amount(size)}"
        )
    if hints:
        console.info(
            f"Package names that new's resolutions gave (asked about first next time): "
            f"{_lists(len(hints))}"
        )


def _locks(count: int) -> str:
    return f"{count} lock file" + ("" if count == 1 else "s")


def _lists(count: int) -> str:
    return f"{count} list" + ("" if count == 1 else "s")


def _remove(folder: Path, name: str) -> None:
    """Remove folder/name: renamed away first, so that a `webkit new` running meanwhile writes
    into a new, empty one instead of into a folder half removed."""
    root = folder / name
    doomed = folder / f".{name}.removing-{os.getpid()}"
    try:
        root.rename(doomed)
        shutil.rmtree(doomed)
    except OSError as exc:
        raise StepFailed(
            f"could not remove {root}: {exc.strerror or exc}",
            "check the folder's permissions, or remove it by hand",
        ) from None


@cache.command()
def clean() -> None:
    """Remove the cached bytecode, databases, lock files and package names (what webkit wrote
    there, and nothing else)."""
    folder = _folder()
    removed = []
    if (folder / BYTECODE).exists():
        files, size = _size(folder / BYTECODE)
        _remove(folder, BYTECODE)
        removed.append(f"{files} cached modules ({_megabytes(size)})")
    if (folder / SCHEMA).exists():
        databases = schema_cache.entries(folder / SCHEMA)
        size = _size(folder / SCHEMA)[1]
        _remove(folder, SCHEMA)
        removed.append(f"{_databases(len(databases))} ({_amount(size)})")
    if (folder / HASHED_LOCKS).exists():
        count = len(list((folder / HASHED_LOCKS).glob("*.txt")))
        size = _size(folder / HASHED_LOCKS)[1]
        _remove(folder, HASHED_LOCKS)
        removed.append(f"{_locks(count)} with hashes ({_amount(size)})")
    if (folder / RESOLUTIONS).exists():
        count = len(list((folder / RESOLUTIONS).glob("*.txt")))
        _remove(folder, RESOLUTIONS)
        removed.append(f"{_lists(count)} of package names")
    if not removed:
        console.success(f"Nothing to remove in {console.escape(str(folder))}")
        return
    with contextlib.suppress(OSError):
        folder.rmdir()  # only if nothing else is there
    console.success(f"Removed {' and '.join(removed)} from {folder}")
