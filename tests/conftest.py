"""Shared fixtures: run the CLI in-process, snapshot file trees, require tools in CI."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner

from webkit_cli.cli import cli

REPO = Path(__file__).resolve().parent.parent
REQUIRE_TOOLS = os.environ.get("WEBKIT_REQUIRE_TOOLS") == "1"


def need_tool(name: str, path: str | None = None) -> str:
    """The tool's path; skip (or fail under WEBKIT_REQUIRE_TOOLS=1) when it is missing."""
    found = path if path and Path(path).exists() else shutil.which(name)
    if found:
        return found
    message = f"{name} is not installed"
    if REQUIRE_TOOLS:
        pytest.fail(f"{message} (WEBKIT_REQUIRE_TOOLS=1 forbids skipping)")
    pytest.skip(message)
    raise AssertionError  # unreachable


def tree(root: Path) -> dict[str, tuple[int, int]]:
    """Every path below root with its mode and size: a before/after snapshot."""
    snapshot = {}
    for path in sorted(root.rglob("*")):
        stat = path.lstat()
        snapshot[str(path.relative_to(root))] = (stat.st_mode, stat.st_size)
    return snapshot


class Invoke:
    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.monkeypatch = monkeypatch

    def __call__(self, *args: str, cwd: Path | None = None, input: str | None = None):
        runner = CliRunner()
        if cwd is not None:
            self.monkeypatch.chdir(cwd)
        return runner.invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


@pytest.fixture
def invoke(monkeypatch: pytest.MonkeyPatch) -> Invoke:
    monkeypatch.setenv("NO_COLOR", "1")
    monkeypatch.setenv("COLUMNS", "200")
    return Invoke(monkeypatch)
