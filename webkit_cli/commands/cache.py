"""`webkit cache`: where webkit's bytecode cache is, what it holds, and removing it."""

from __future__ import annotations

import contextlib
import os
import shutil
from pathlib import Path

import click

from webkit_cli import bytecode, console
from webkit_cli.errors import StepFailed, UsageError

# What webkit writes under its cache folder (bytecode_cache.Cache, a script run by the
# projects' own Pythons, names it so too); `clean` removes this and nothing else, so a
# WEBKIT_CACHE_DIR pointed at a folder of other files loses none of them.
BYTECODE = "bytecode"


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


@click.group()
def cache() -> None:
    """webkit's cache of compiled bytecode, shared by the projects it creates.

    Keyed by each source file's content and the Python version, so it never goes stale; it
    only grows with each new release of the packages. Removing it is always safe: the next
    project compiles what it imports again.
    """


@cache.command("dir")
def cache_dir() -> None:
    """Print the cache folder ($WEBKIT_CACHE_DIR, else the platform's user cache folder)."""
    click.echo(str(_folder()))


@cache.command()
def info() -> None:
    """Show the cache folder and its size, per Python version."""
    folder = _folder()
    console.info(f"Cache: {console.escape(str(folder))}")
    root = folder / BYTECODE
    pythons = sorted(p for p in root.iterdir() if p.is_dir()) if root.is_dir() else []
    if not pythons:
        console.info("Empty.")
        return
    total_files = total_size = 0
    for python in pythons:
        files, size = _size(python)
        total_files, total_size = total_files + files, total_size + size
        tag = python.name.rsplit("-", 1)[0]  # cpython-311-<magic number>
        console.info(f"  {tag}: {files} modules, {_megabytes(size)}")
    console.info(f"In all: {total_files} modules, {_megabytes(total_size)}")


@cache.command()
def clean() -> None:
    """Remove the cached bytecode (what webkit wrote there, and nothing else)."""
    folder = _folder()
    root = folder / BYTECODE
    if not root.exists():
        console.success(f"Nothing to remove in {console.escape(str(folder))}")
        return
    files, size = _size(root)
    # Renamed away first: a `webkit new` running meanwhile then writes into a new, empty
    # cache instead of into a folder half removed.
    doomed = folder / f".{BYTECODE}.removing-{os.getpid()}"
    try:
        root.rename(doomed)
        shutil.rmtree(doomed)
    except OSError as exc:
        raise StepFailed(
            f"could not remove {root}: {exc.strerror or exc}",
            "check the folder's permissions, or remove it by hand",
        ) from None
    with contextlib.suppress(OSError):
        folder.rmdir()  # only if nothing else is there
    console.success(f"Removed {files} cached modules ({_megabytes(size)}) from {folder}")
