"""webkit's bytecode cache (webkit_cli/bytecode_cache.py), run as webkit runs it: a script in
another Python's process, on folders laid out as site-packages."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, REQUIRE_TOOLS
from webkit_cli.bytecode import cache_dir
from webkit_cli.interpreters import _pyenv_candidates

SCRIPT = REPO / "webkit_cli" / "bytecode_cache.py"
INDEX = "modules.txt"  # bytecode_cache.INDEX: not importable here (a script for other Pythons)
MODULE = (
    "import json\n\n\ndef answer():\n    return {}\n\n\ndef fail():\n    raise ValueError('x')\n"
)


def script(*args: object, python: str = sys.executable) -> str:
    result = subprocess.run(
        [python, "-I", str(SCRIPT), *map(str, args)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def site(root: Path, value: int = 1) -> Path:
    """A site-packages with one package, its sources written now (their own mtimes)."""
    (root / "pkg" / "sub").mkdir(parents=True)
    (root / "pkg" / "__init__.py").write_text("")
    (root / "pkg" / "mod.py").write_text(MODULE.format(value))
    (root / "pkg" / "sub" / "__init__.py").write_text("VALUE = 'sub'\n")
    return root


def linked_site(root: Path, store: Path) -> Path:
    """A site-packages as uv installs one: its files are hard links to uv's cache (`store`),
    so they have the store's modification times, whichever project they are in."""
    if not store.exists():
        site(store)
    for source in store.rglob("*.py"):
        target = root / source.relative_to(store)
        target.parent.mkdir(parents=True, exist_ok=True)
        os.link(source, target)
    return root


def linked_entries(cache: Path) -> list[Path]:
    return sorted(cache.rglob("*-*-*.pyc"))


def pycs(root: Path) -> dict[str, tuple[int, int]]:
    """Every .pyc below root: inode and mtime, to see whether Python rewrote one."""
    return {
        str(p.relative_to(root)): (p.stat().st_ino, p.stat().st_mtime_ns)
        for p in root.rglob("*.pyc")
    }


def run_in(root: Path, code: str, python: str = sys.executable) -> str:
    """Import from `root` as a venv's Python does: bytecode is read and written."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPATH"] = str(root)
    result = subprocess.run(
        [python, "-c", code], capture_output=True, text=True, env=env, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def restored_site(tmp_path: Path) -> Path:
    """A site whose bytecode came from the cache, filled by compiling another site."""
    cache = tmp_path / "cache"
    first = site(tmp_path / "first")
    script("compile", cache, first, first / "pkg")
    second = site(tmp_path / "second")
    script("restore", cache, second)
    return second


def test_a_second_site_gets_the_first_ones_bytecode_and_python_accepts_it(tmp_path):
    cache = tmp_path / "cache"
    first = site(tmp_path / "first")
    assert script("compile", cache, first, first / "pkg") == "restored 0, compiled 3"
    time.sleep(0.01)
    second = site(tmp_path / "second")  # the same sources, written later
    assert script("restore", cache, second) == "restored 3, compiled 0"
    before = pycs(second)
    assert len(before) == 3

    code = "import pkg.mod, pkg.sub; print(pkg.mod.answer(), pkg.mod.answer.__code__.co_filename)"
    answer, filename = run_in(second, code).split()
    assert answer == "1"
    # the code object names the second site's file, not the one it was compiled from
    assert filename == str(second / "pkg" / "mod.py")
    assert pycs(second) == before  # valid as written: Python rewrote none
    assert script("restore", cache, second) == "restored 0, compiled 0"


def test_a_traceback_from_restored_bytecode_shows_the_file_and_line(tmp_path):
    second = restored_site(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(second)}
    result = subprocess.run(
        [sys.executable, "-c", "import pkg.mod; pkg.mod.fail()"],
        capture_output=True,
        text=True,
        env=env,
    )
    assert f'File "{second / "pkg" / "mod.py"}", line 9, in fail' in result.stderr
    assert "raise ValueError('x')" in result.stderr


def test_a_different_source_is_never_given_cached_bytecode(tmp_path):
    cache = tmp_path / "cache"
    first = site(tmp_path / "first", value=1)
    script("compile", cache, first, first / "pkg")
    other = site(tmp_path / "other", value=2)  # same path and size, other content
    assert script("restore", cache, other) == "restored 2, compiled 0"
    assert not (other / "pkg" / "__pycache__" / f"mod.{sys.implementation.cache_tag}.pyc").exists()
    assert run_in(other, "import pkg.mod; print(pkg.mod.answer())") == "2"


def test_an_edit_after_the_restore_is_what_runs(tmp_path):
    second = restored_site(tmp_path)
    assert list(second.glob("pkg/__pycache__/mod.*.pyc"))
    module = second / "pkg" / "mod.py"
    module.write_text(MODULE.format(7))  # the same size: only the mtime tells
    stat = module.stat()
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert run_in(second, "import pkg.mod; print(pkg.mod.answer())") == "7"


def test_a_damaged_entry_is_a_miss_not_a_broken_import(tmp_path):
    cache = tmp_path / "cache"
    first = site(tmp_path / "first")
    script("compile", cache, first, first / "pkg")
    entries = [p for p in cache.rglob("*") if p.is_file() and p.name != INDEX]
    assert len(entries) == 3
    for entry in entries:  # as a full disk would leave them
        entry.write_bytes(entry.read_bytes()[:-5])
    second = site(tmp_path / "second")
    assert script("restore", cache, second) == "restored 0, compiled 0"
    assert script("compile", cache, second, second / "pkg") == "restored 0, compiled 3"
    assert run_in(second, "import pkg.mod; print(pkg.mod.answer())") == "1"


def test_sources_installed_as_links_get_their_bytecode_as_links(tmp_path):
    cache, store = tmp_path / "cache", tmp_path / "uv-cache"
    first = linked_site(tmp_path / "first", store)
    assert script("compile", cache, first, first / "pkg") == "restored 0, compiled 3"
    assert len(linked_entries(cache)) == 3
    second = linked_site(tmp_path / "second", store)
    assert script("restore", cache, second) == "restored 3, compiled 0"
    entries = {p.stat().st_ino for p in linked_entries(cache)}
    restored = {p.stat().st_ino for p in second.rglob("*.pyc")}
    assert restored == entries  # the cache's files themselves, not copies
    before = pycs(second)
    code = "import pkg.mod, pkg.sub; print(pkg.mod.answer(), pkg.mod.answer.__code__.co_filename)"
    assert run_in(second, code).split() == ["1", str(second / "pkg" / "mod.py")]
    assert pycs(second) == before  # Python accepted them as they are


def test_a_project_that_recompiles_a_linked_pyc_changes_no_other_project(tmp_path):
    cache, store = tmp_path / "cache", tmp_path / "uv-cache"
    first = linked_site(tmp_path / "first", store)
    script("compile", cache, first, first / "pkg")
    second = linked_site(tmp_path / "second", store)
    script("restore", cache, second)
    module = second / "pkg" / "mod.py"
    module.unlink()  # as an editor saves: a new file in its place
    module.write_text(MODULE.format(7))  # the same size: only the mtime tells (whole seconds)
    stat = module.stat()
    os.utime(module, ns=(stat.st_atime_ns, stat.st_mtime_ns + 5_000_000_000))
    assert run_in(second, "import pkg.mod; print(pkg.mod.answer())") == "7"
    assert run_in(first, "import pkg.mod; print(pkg.mod.answer())") == "1"
    third = linked_site(tmp_path / "third", store)
    assert script("restore", cache, third) == "restored 3, compiled 0"
    assert run_in(third, "import pkg.mod; print(pkg.mod.answer())") == "1"


def test_save_keeps_an_imports_pyc_as_a_linked_entry_for_linked_sources(tmp_path):
    cache, store = tmp_path / "cache", tmp_path / "uv-cache"
    first = linked_site(tmp_path / "first", store)
    since = time.time_ns()
    run_in(first, "import pkg.mod")
    assert script("save", cache, first, since) == "saved 2"
    assert len(linked_entries(cache)) == 2
    second = linked_site(tmp_path / "second", store)
    assert script("restore", cache, second) == "restored 2, compiled 0"
    assert run_in(second, "import pkg.mod; print(pkg.mod.answer())") == "1"


def test_sources_with_their_own_times_get_no_linked_entries(tmp_path):
    cache = tmp_path / "cache"
    first = site(tmp_path / "first")
    script("compile", cache, first, first / "pkg")
    assert linked_entries(cache) == []  # their times recur nowhere: the cache would only grow
    second = site(tmp_path / "second")
    assert script("restore", cache, second) == "restored 3, compiled 0"
    assert all(p.stat().st_nlink == 1 for p in second.rglob("*.pyc"))


def test_save_caches_what_an_import_compiled_since_the_given_time(tmp_path):
    cache = tmp_path / "cache"
    first = site(tmp_path / "first")
    since = time.time_ns()
    run_in(first, "import pkg.mod")  # Python writes pkg and pkg.mod, not pkg.sub
    assert script("save", cache, first, time.time_ns() + 10**9) == "saved 0"
    assert script("save", cache, first, since) == "saved 2"
    assert script("save", cache, first, since) == "saved 0"
    second = site(tmp_path / "second")
    assert script("restore", cache, second) == "restored 2, compiled 0"
    assert run_in(second, "import pkg.mod; print(pkg.mod.answer())") == "1"


def test_not_python_3_is_skipped_and_the_rest_compiled(tmp_path):
    cache = tmp_path / "cache"
    first = site(tmp_path / "first")
    (first / "pkg" / "old.py").write_text("print 'python 2'\n")
    assert script("compile", cache, first, first / "pkg") == "restored 0, compiled 3"


def test_without_a_usable_cache_it_still_compiles(tmp_path):
    no_cache = site(tmp_path / "none")
    assert script("compile", "", no_cache, no_cache / "pkg") == "restored 0, compiled 3"
    assert script("restore", "", no_cache) == "restored 0, compiled 0"
    blocked = tmp_path / "a-file"
    blocked.write_text("not a folder")
    other = site(tmp_path / "other")
    assert script("compile", blocked, other, other / "pkg") == "restored 0, compiled 3"
    assert run_in(other, "import pkg.mod; print(pkg.mod.answer())") == "1"


def test_concurrent_runs_share_the_cache_without_half_files(tmp_path):
    cache = tmp_path / "cache"
    sites = [site(tmp_path / f"site{i}") for i in range(4)]
    procs = [
        subprocess.Popen(
            [sys.executable, "-I", str(SCRIPT), "compile", str(cache), str(s), str(s / "pkg")],
            stdout=subprocess.PIPE,
            text=True,
        )
        for s in sites
    ]
    assert all(p.wait(timeout=60) == 0 for p in procs)
    files = [p for p in cache.rglob("*") if p.is_file() and p.name != INDEX]
    assert len(files) == 3 and not [p for p in tmp_path.rglob("*.tmp")]
    for s in sites:
        assert run_in(s, "import pkg.mod; print(pkg.mod.answer())") == "1"


@pytest.mark.parametrize("version", ["3.10", "3.12", "3.13"])
def test_each_python_a_project_can_use_has_its_own_entries(tmp_path, version):
    found = _pyenv_candidates(*map(int, version.split(".")), None)
    if not found:
        if REQUIRE_TOOLS:
            pytest.fail(f"Python {version} is not installed (WEBKIT_REQUIRE_TOOLS=1)")
        pytest.skip(f"Python {version} is not installed")
    cache = tmp_path / "cache"
    first = site(tmp_path / "first")
    assert script("compile", cache, first, first / "pkg") == "restored 0, compiled 3"
    second = site(tmp_path / "second")
    assert script("restore", cache, second, python=found[0]) == "restored 0, compiled 0"
    assert script("compile", cache, second, second / "pkg", python=found[0]).endswith("compiled 3")
    third = site(tmp_path / "third")
    assert script("restore", cache, third, python=found[0]) == "restored 3, compiled 0"
    assert run_in(third, "import pkg.mod; print(pkg.mod.answer())", python=found[0]) == "1"
    assert len(list((cache / "bytecode").iterdir())) == 2


def test_where_the_cache_is(monkeypatch, tmp_path):
    monkeypatch.delenv("WEBKIT_NO_CACHE", raising=False)
    monkeypatch.setenv("WEBKIT_CACHE_DIR", str(tmp_path / "here"))
    assert cache_dir() == tmp_path / "here"
    monkeypatch.delenv("WEBKIT_CACHE_DIR")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert cache_dir() == tmp_path / "xdg" / "webkit"
    monkeypatch.setenv("WEBKIT_NO_CACHE", "1")
    assert cache_dir() is None


def test_a_new_projects_own_modules_are_compiled_where_it_imports_them(tmp_path):
    from webkit_cli.bytecode import compile_project

    root = tmp_path / "shop"
    for folder in ("shop", "migrations/versions", "tests", ".venv/lib", "static"):
        (root / folder).mkdir(parents=True)
        (root / folder / "mod.py").write_text(MODULE.format(1))
    (root / "wsgi.py").write_text("app = None\n")
    compile_project(Path(sys.executable), root)
    compiled = sorted(str(p.parent.parent.relative_to(root)) for p in root.rglob("*.pyc"))
    assert compiled == ["migrations/versions", "shop"]
    before = pycs(root)
    run_in(root / "shop", "import mod")
    assert pycs(root) == before  # Python took them as they are


def test_a_restore_is_not_started_where_the_cache_holds_no_bytecode(tmp_path, monkeypatch):
    """webkit's first project: no Python is started only to find an empty cache (the first
    migration waits for the restore); once the cache holds bytecode, the restore runs."""
    from webkit_cli import bytecode, runner

    venv = tmp_path / "venv"
    site_packages = site(venv / "lib" / "python3.11" / "site-packages")
    started: list[list[str]] = []
    monkeypatch.setattr(runner, "run", lambda argv, **_: started.append(argv))
    monkeypatch.setenv("WEBKIT_CACHE_DIR", str(tmp_path / "cache"))
    bytecode.restore_bytecode(venv / "bin" / "python")
    (tmp_path / "cache" / "bytecode").mkdir(parents=True)
    bytecode.restore_bytecode(venv / "bin" / "python")
    assert started == []
    script("compile", tmp_path / "cache", site_packages, "pkg")  # the cache gets entries
    bytecode.restore_bytecode(venv / "bin" / "python")
    assert len(started) == 1 and "restore" in started[0]


def index_of(cache: Path) -> list[str]:
    (found,) = cache.rglob(INDEX)
    return found.read_text().splitlines()


def test_a_restore_reads_only_the_modules_the_index_names(tmp_path):
    """The index lists each module given an entry, by its path in site-packages; a restore
    looks at those alone, not at the thousands of modules no import ever compiled."""
    cache = tmp_path / "cache"
    first = site(tmp_path / "first")
    script("compile", cache, first, first / "pkg" / "sub")
    assert index_of(cache) == ["pkg/sub/__init__.py"]
    second = site(tmp_path / "second")
    (second / "other").mkdir()  # the same source elsewhere: an entry it could use, unindexed
    (second / "other" / "__init__.py").write_text("VALUE = 'sub'\n")
    assert script("restore", cache, second) == "restored 1, compiled 0"
    assert (second / "pkg" / "sub" / "__pycache__").is_dir()
    assert not (second / "other" / "__pycache__").exists()
    # what an import compiles later is saved, and indexed
    since = time.time_ns()
    run_in(second, "import pkg.mod")
    script("save", cache, second, since)
    assert sorted(index_of(cache)) == ["pkg/__init__.py", "pkg/mod.py", "pkg/sub/__init__.py"]
    third = site(tmp_path / "third")
    assert script("restore", cache, third) == "restored 3, compiled 0"


def test_a_cache_without_an_index_is_walked_whole_once_and_indexed(tmp_path):
    """A cache made before the index: the first restore looks at every module, as before, and
    writes the index of what it restored."""
    cache = tmp_path / "cache"
    first = site(tmp_path / "first")
    script("compile", cache, first, first / "pkg")
    (index,) = cache.rglob(INDEX)
    index.unlink()
    second = site(tmp_path / "second")
    assert script("restore", cache, second) == "restored 3, compiled 0"
    assert sorted(index_of(cache)) == ["pkg/__init__.py", "pkg/mod.py", "pkg/sub/__init__.py"]
