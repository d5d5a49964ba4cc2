"""The machine, checked outside a project: webkit's Python, git, uv, and the Pythons that
`--python` can find."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from webkit_cli.doctor import Check, checks

MIN_PYTHON = (3, 10)


def _output(argv: list[str], timeout: float = 10) -> str | None:
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=timeout, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.strip() if done.returncode == 0 else None


@checks("python")
def python(_proj: object) -> list[Check]:
    version = ".".join(map(str, sys.version_info[:3]))
    return [Check("python", True, f"webkit runs on Python {version} ({sys.executable})")]


def git_installed() -> Check:
    git = shutil.which("git")
    found = _output([git, "--version"]) if git else None
    if found is None:
        return Check(
            "git",
            False,
            "git is not installed (new projects get no repository)",
            "install git: apt-get install git, brew install git, or https://git-scm.com",
        )
    return Check("git", True, f"git {found.removeprefix('git version ')} ({git})")


@checks("git")
def git(_proj: object) -> list[Check]:
    return [git_installed()]


@checks("uv")
def uv(_proj: object) -> list[Check]:
    from webkit_cli.installers import uv_binary

    binary = uv_binary()
    found = _output([binary, "--version"]) if binary else None
    if found is None:
        return [
            Check(
                "uv",
                False,
                "uv is missing or does not run: webkit installs with pip instead, several "
                "times slower",
                f"{sys.executable} -m pip install --force-reinstall uv",
            )
        ]
    return [Check("uv", True, f"{found} ({binary})")]


def _versions() -> dict[tuple[int, int], set[str]]:
    """The Python versions (major, minor) that `--python` finds -> where: on PATH, among
    pyenv's versions, among uv's. pyenv's shims are not counted as on PATH: a shim of a
    version that is not selected does not run."""
    found: dict[tuple[int, int], set[str]] = {}

    def add(major: str, minor: str, where: str) -> None:
        found.setdefault((int(major), int(minor)), set()).add(where)

    pyenv = Path(os.environ.get("PYENV_ROOT") or Path.home() / ".pyenv")
    for directory in os.environ.get("PATH", "").split(os.pathsep):
        if not directory or Path(directory) == pyenv / "shims":
            continue
        for candidate in Path(directory).glob("python3.[0-9]*"):
            match = re.fullmatch(r"python(\d+)\.(\d+)", candidate.name)
            if match and os.access(candidate, os.X_OK):
                add(match[1], match[2], "PATH")
    versions = pyenv / "versions"
    for entry in versions.glob("*") if versions.is_dir() else []:
        match = re.fullmatch(r"(\d+)\.(\d+)\.\d+", entry.name)
        if match:
            add(match[1], match[2], "pyenv")
    from webkit_cli.installers import uv_binary

    binary = uv_binary()
    managed = _output([binary, "python", "dir"]) if binary else None
    for entry in Path(managed).glob("cpython-*") if managed else []:
        match = re.match(r"cpython-(\d+)\.(\d+)\.", entry.name)
        if match:
            add(match[1], match[2], "uv")
    return found


@checks("pythons")
def pythons(_proj: object) -> list[Check]:
    usable = {v: where for v, where in _versions().items() if v >= MIN_PYTHON}
    if not usable:
        return [
            Check(
                "pythons",
                False,
                "no Python 3.10 or newer was found on PATH, in pyenv or among uv's Pythons",
                "uv python install 3.12",
            )
        ]
    shown = ", ".join(
        f"{major}.{minor} ({', '.join(sorted(where))})"
        for (major, minor), where in sorted(usable.items())
    )
    return [Check("pythons", True, f"--python finds {shown}")]


GROUPS = [python, git, uv, pythons]
