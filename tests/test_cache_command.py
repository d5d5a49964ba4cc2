"""`webkit cache dir | info | clean`: webkit's bytecode cache, seen and removed by its user."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from tests.conftest import webkit


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("WEBKIT_CACHE_DIR", str(folder))
    monkeypatch.delenv("WEBKIT_NO_CACHE", raising=False)
    return folder


def fill(folder: Path, tag: str, entries: int, size: int = 1000) -> None:
    for n in range(entries):
        entry = folder / "bytecode" / f"{tag}-a70d0d0a" / f"{n:02x}" / f"{n:062x}"
        entry.parent.mkdir(parents=True, exist_ok=True)
        entry.write_bytes(b"x" * size)


def test_dir_prints_the_folder_that_new_uses(invoke, cache):
    result = invoke("cache", "dir")
    assert result.exit_code == 0 and result.output.strip() == str(cache)


def test_info_counts_the_modules_per_python(invoke, cache):
    assert "Empty." in invoke("cache", "info").output
    fill(cache, "cpython-311", 3, 1_000_000)
    fill(cache, "cpython-312", 2, 500_000)
    result = invoke("cache", "info")
    assert result.exit_code == 0, result.output
    assert "cpython-311: 3 modules, 3.0 MB" in result.output
    assert "cpython-312: 2 modules, 1.0 MB" in result.output
    assert "In all: 5 modules, 4.0 MB" in result.output


def test_clean_removes_the_bytecode_and_nothing_else(invoke, cache):
    fill(cache, "cpython-311", 4)
    mine = cache / "notes.txt"  # WEBKIT_CACHE_DIR pointed at a folder with other files in it
    mine.write_text("keep me")
    result = invoke("cache", "clean")
    assert result.exit_code == 0, result.output
    assert "Removed 4 cached modules" in result.output
    assert sorted(p.name for p in cache.iterdir()) == ["notes.txt"]
    again = invoke("cache", "clean")
    assert again.exit_code == 0 and "Nothing to remove" in again.output


def test_clean_removes_an_empty_cache_folder_too(invoke, cache):
    fill(cache, "cpython-311", 1)
    assert invoke("cache", "clean").exit_code == 0
    assert not cache.exists()


def test_a_cache_turned_off_is_a_clear_error(tmp_path):
    result = webkit("cache", "info", cwd=tmp_path, env={"WEBKIT_NO_CACHE": "1"})
    assert result.returncode == 2
    assert result.stderr.splitlines()[0] == (
        "error: webkit's cache is turned off (WEBKIT_NO_CACHE is set)"
    )
    assert "hint: unset WEBKIT_NO_CACHE" in result.stderr and "Traceback" not in result.stderr


def test_a_cache_on_a_read_only_disk_is_a_clear_error_and_loses_nothing(tmp_path, cache):
    from tests.test_hardening import need_private_mounts, run_with_mount

    need_private_mounts()
    folder = cache
    fill(folder, "cpython-311", 2)
    result, left = run_with_mount(
        folder,
        [
            ["mount", "--bind", str(folder), str(folder)],
            ["mount", "-o", "remount,bind,ro", str(folder)],
        ],
        [sys.executable, "-m", "webkit_cli", "cache", "clean"],
        cwd=tmp_path,
        walk=True,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith(f"error: could not remove {folder / 'bytecode'}: ")
    assert "hint:" in result.stderr and "Traceback" not in result.stderr
    assert len([p for p in left if p.count("/") == 3]) == 2  # both entries still there


def test_the_images_hashed_locks_are_shown_and_removed(invoke, cache):
    """deploy-config keeps the lock files with hashes it wrote in the same folder (under the
    name hashes.py gives them): info counts them, clean removes them."""
    from webkit_cli.deploy import hashes

    stored = hashes._cache_file("k" * 64)
    assert stored is not None and stored.is_relative_to(cache)
    stored.parent.mkdir(parents=True)
    stored.write_text("flask==3.1.0 \\\n    --hash=sha256:" + "0" * 64 + "\n")
    shown = invoke("cache", "info")
    assert shown.exit_code == 0, shown.output
    assert "Lock files with hashes (deploy-config's image): 1 lock file" in shown.output
    result = invoke("cache", "clean")
    assert result.exit_code == 0, result.output
    assert "1 lock file with hashes" in result.output
    assert not cache.exists()


def test_the_resolutions_package_names_are_shown_and_removed(invoke, cache):
    """`new` keeps, per set of requirements, the names of the packages it resolved to (the
    index is asked about them first next time: resolution.py): info counts them, clean
    removes them."""
    from webkit_cli import resolution

    stored = resolution._hints_file("uv", "/usr/bin/python3", ["flask>=3.1,<4"])
    assert stored is not None and stored.is_relative_to(cache)
    resolution._write_names(stored, ["Flask==3.1.3", "werkzeug==3.1.9"])
    assert stored.read_text() == "flask\nwerkzeug\n"
    shown = invoke("cache", "info")
    assert shown.exit_code == 0, shown.output
    assert "Package names that new's resolutions gave" in shown.output and "1 list" in shown.output
    result = invoke("cache", "clean")
    assert result.exit_code == 0, result.output
    assert "1 list of package names" in result.output
    assert not cache.exists()
