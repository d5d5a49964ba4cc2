"""webkit's bytecode cache, from webkit's side: where it is, and running bytecode_cache.py in a
project's Python to restore, compile and save bytecode."""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path

from webkit_cli import runner
from webkit_cli.virtualenvs import site_packages

_BYTECODE_CACHE = Path(__file__).with_name("bytecode_cache.py")
# The folder under webkit's cache that holds the bytecode (bytecode_cache.Cache names it so too).
FOLDER = "bytecode"


def cache_dir() -> Path | None:
    """webkit's own cache (compiled bytecode): $WEBKIT_CACHE_DIR, else the platform's user cache
    folder (~/.cache/webkit on Linux). None when WEBKIT_NO_CACHE is set."""
    if os.environ.get("WEBKIT_NO_CACHE", "") not in {"", "0"}:
        return None
    configured = os.environ.get("WEBKIT_CACHE_DIR")
    if configured:
        return Path(configured).expanduser()
    from platformdirs import user_cache_dir

    return Path(user_cache_dir("webkit", appauthor=False))


def _bytecode_cache_argv(python: Path, command: str, *args: str) -> list[str] | None:
    site = site_packages(python.parent.parent)
    cache = cache_dir()
    if site is None or (cache is None and command != "compile"):
        return None
    return _script_argv(python, command, "" if cache is None else str(cache), site, *args)


def _script_argv(python: Path, command: str, cache: str, site: Path, *args: str) -> list[str]:
    """bytecode_cache.py's command line (cache "": none), run by the venv's own Python."""
    return [str(python), "-I", str(_BYTECODE_CACHE), command, cache, str(site), *args]


def _bytecode_cache(python: Path, command: str, *args: str) -> None:
    # Only an optimisation: a failure costs the compilation it would have saved, no more.
    argv = _bytecode_cache_argv(python, command, *args)
    if argv is not None:
        runner.run(argv)


def restore_bytecode(python: Path) -> None:
    """Give the modules of the venv of `python` the bytecode that webkit's cache holds for the
    same sources (see bytecode_cache.py). Not started where the cache holds no bytecode at all
    (webkit's first project): a Python that starts only to find nothing costs 0.1-0.3 s, which
    the first migration waits for."""
    argv = _restore_argv(python)
    if argv is not None:
        runner.run(argv)


def start_restoring(python: Path) -> runner.Background | None:
    """restore_bytecode in the background: the caller collects it (result) or stops it
    (cancel)."""
    argv = _restore_argv(python)
    return runner.Background(argv) if argv is not None else None


def _restore_argv(python: Path) -> list[str] | None:
    cache = cache_dir()
    try:
        empty = cache is None or not any((cache / FOLDER).iterdir())
    except OSError:  # no such folder yet
        empty = True
    return None if empty else _bytecode_cache_argv(python, "restore")


def compile_bytecode(python: Path, parts: Sequence[str]) -> None:
    """Bytecode for the modules under `parts`, folders of the venv's site-packages (a missing
    one is skipped): from webkit's cache, else compiled (and cached)."""
    if parts:
        _bytecode_cache(python, "compile", *parts)


# Folders of a project that hold no module the app imports.
_NOT_APP_CODE = frozenset({"tests", "node_modules", "instance", "static", "staticfiles"})


def compile_project(python: Path, root: Path) -> None:
    """Bytecode for the project's own modules (its package, Django's config/, Flask's
    migrations/), which the first migration would otherwise compile as it imports them. Not
    cached: no other project has the same sources."""
    argv = _compile_project_argv(python, root)
    if argv is not None:
        runner.run(argv)


def start_compiling_project(python: Path, root: Path) -> runner.Background | None:
    """compile_project in the background: the caller collects it (result) or stops it (cancel)."""
    argv = _compile_project_argv(python, root)
    return runner.Background(argv) if argv is not None else None


def _compile_project_argv(python: Path, root: Path) -> list[str] | None:
    folders = [
        str(entry)
        for entry in sorted(root.iterdir())
        if entry.is_dir() and not entry.name.startswith(".") and entry.name not in _NOT_APP_CODE
    ]
    return _script_argv(python, "compile", "", root, *folders) if folders else None


def save_bytecode(python: Path, since_ns: int) -> None:
    """Add to webkit's cache the bytecode that the venv's Python wrote from `since_ns` on
    (a time.time_ns())."""
    _bytecode_cache(python, "save", str(since_ns))


def start_saving_bytecode(python: Path, since_ns: int) -> runner.Background | None:
    """save_bytecode in the background: the caller collects it (result) or stops it (cancel)."""
    argv = _bytecode_cache_argv(python, "save", str(since_ns))
    return runner.Background(argv) if argv is not None else None
