"""Python interpreters: find the one `--python` names (PATH, pyenv, uv's Pythons) and ask it what it is."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

from webkit_cli.errors import StepFailed, UsageError

_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?$")
_PROBE = "import json, sys; print(json.dumps([list(sys.version_info[:3]), sys.executable]))"


@dataclass(frozen=True)
class Interpreter:
    path: str
    version: tuple[int, int, int]

    @property
    def short_version(self) -> str:
        return f"{self.version[0]}.{self.version[1]}"


def _output(argv: list[str]) -> str | None:
    """The stdout of a quick, read-only command; None when it cannot run or fails."""
    try:
        completed = subprocess.run(
            argv, capture_output=True, text=True, timeout=20, stdin=subprocess.DEVNULL, check=False
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return completed.stdout.strip() if completed.returncode == 0 else None


def probe(path: str) -> Interpreter | None:
    """Run `path` and ask it what it is; None when it does not run (a pyenv shim, say)."""
    output = _output([path, "-c", _PROBE])
    try:
        version, executable = json.loads(output.splitlines()[-1])
    except (AttributeError, ValueError, IndexError):
        return None
    return Interpreter(path=executable or path, version=tuple(version))


def _pyenv_candidates(major: int, minor: int, patch: int | None) -> list[str]:
    root = os.environ.get("PYENV_ROOT") or str(Path.home() / ".pyenv")
    versions = Path(root) / "versions"
    if not versions.is_dir():
        return []
    found = []
    for entry in versions.iterdir():
        match = _VERSION.match(entry.name)
        if not match:
            continue
        v = (int(match[1]), int(match[2]), int(match[3] or 0))
        if v[:2] == (major, minor) and (patch is None or v[2] == patch):
            found.append((v, entry / "bin" / f"python{major}.{minor}"))
    return [str(path) for _, path in sorted(found, reverse=True)]


def _uv_candidate(spec: str) -> list[str]:
    from webkit_cli.installers import uv_binary

    uv = uv_binary()
    found = _output([uv, "python", "find", "--no-python-downloads", spec]) if uv else None
    return [found] if found else []


def find_python(spec: str | None, minimum: tuple[int, int]) -> Interpreter:
    """Resolve --python: None (the Python running webkit), a version such as 3.12, or a path."""
    if spec is None:
        base = getattr(sys, "_base_executable", None) or sys.executable
        if os.path.isfile(base) and os.access(base, os.X_OK):
            # The interpreter running webkit (through webkit's own venv, if any) is that version:
            # no need to start it again to ask.
            found = Interpreter(path=base, version=tuple(sys.version_info[:3]))
        else:
            found = probe(sys.executable)
        if found is None:  # pragma: no cover
            raise StepFailed("cannot run the Python that runs webkit", "pass --python")
    elif _VERSION.match(spec):
        match = _VERSION.match(spec)
        major, minor = int(match[1]), int(match[2])
        patch = int(match[3]) if match[3] else None
        candidates = [
            shutil.which(f"python{major}.{minor}"),
            *_pyenv_candidates(major, minor, patch),
        ]
        found = None
        for candidate in filter(None, [*candidates, *_uv_candidate(spec)]):
            interpreter = probe(candidate)
            if (
                interpreter
                and interpreter.version[:2] == (major, minor)
                and (patch is None or interpreter.version[2] == patch)
            ):
                found = interpreter
                break
        if found is None:
            raise UsageError(
                f"Python {spec} was not found (looked on PATH, in pyenv and among uv's Pythons)",
                f"install it (e.g. `uv python install {spec}`) or pass a path: --python /usr/bin/python3",
            )
    else:
        path = Path(spec).expanduser()
        if not path.exists():
            raise UsageError(
                f"--python {spec}: no such file",
                "pass a version such as 3.12 or the path of a python executable",
            )
        found = probe(str(path))
        if found is None:
            raise UsageError(
                f"--python {spec} does not run as Python 3",
                "pass a version such as 3.12 or the path of a python executable",
            )
    if found.version[:2] < minimum:
        wanted = f"{minimum[0]}.{minimum[1]}"
        raise UsageError(
            f"Python {'.'.join(map(str, found.version))} is too old: the project needs {wanted} or newer",
            f"pass a newer one, e.g. --python {wanted}",
        )
    return found
