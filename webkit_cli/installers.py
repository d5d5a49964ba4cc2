"""Installers: uv and pip behind one interface, and the choice between them."""

from __future__ import annotations

import contextlib
import os
import shutil
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from webkit_cli import console, runner
from webkit_cli.errors import StepFailed, UsageError
from webkit_cli.locks import NOT_LOCKED
from webkit_cli.virtualenvs import INCOMPLETE_MARKER, site_packages

if TYPE_CHECKING:
    from webkit_cli.interpreters import Interpreter
    from webkit_cli.resolution import Resolution

INSTALLERS = ("auto", "uv", "pip")

# What an installer that installs_pip adds to the runtime install (never to a lock file).
SEED_PACKAGES = ("pip",)


def uv_binary() -> str | None:
    try:
        from uv import find_uv_bin

        path = find_uv_bin()
    except (ImportError, FileNotFoundError):
        path = shutil.which("uv")
    return path if path and os.access(path, os.X_OK) else None


_NETWORK_MARKERS = (
    "failed to fetch",
    "connection refused",
    "connecterror",
    "newconnectionerror",
    "max retries exceeded",
    "temporary failure in name resolution",
    "dns error",
    "network is unreachable",
    "error sending request",
    "could not connect",
    "failed to establish",
    "timed out",
)


class Installer(ABC):
    name: str
    compiles_bytecode: bool  # as it installs: pip does; uv only when asked
    resolves_ahead: bool = False  # start_resolution runs, and the install takes its pins
    installs_pip: bool = False  # into a .venv created without it (create_venv(pip=False))

    def usable(self) -> Installer:
        """This installer, or the one to use instead when its binary turned out not to run."""
        return self

    @abstractmethod
    def install_argv(self, python: Path, args: Sequence[str]) -> list[str]: ...

    @abstractmethod
    def freeze_argv(self, python: Path) -> list[str]: ...

    def start_resolution(
        self, interpreter: Interpreter, requirements: Mapping[str, Sequence[str]], cwd: Path
    ) -> Resolution | None:
        """Resolve each set of `requirements` for `interpreter` in the background; None: not
        offered."""
        return None

    def offline_argv(self, python: Path, args: Sequence[str]) -> list[str] | None:
        """An install that may use only the installer's cache; None: not offered."""
        return None

    def install(
        self,
        python: Path,
        args: Sequence[str],
        cwd: Path,
        *,
        offline_first: Sequence[str] | None = None,
        cache_lacks: bool = False,
    ) -> None:
        """Install `args`. With `offline_first`, those exact pins are tried first from the
        installer's cache alone (from the index when the cache is known to lack them,
        `cache_lacks`: an offline attempt would only fail), and `args` from the index only if
        that fails."""
        unfinished = self._starting(python)
        first = None
        if offline_first:
            first = (
                self.install_argv(python, offline_first)
                if cache_lacks
                else self.offline_argv(python, offline_first)
            )
        result = None
        if first is not None:
            # uv fetches every file before it installs any: a failure installs nothing
            result = runner.run(first, cwd=cwd, env=runner.child_env())
        if result is None or not result.ok:
            result = runner.run(self.install_argv(python, args), cwd=cwd, env=runner.child_env())
        if result.ok:
            with contextlib.suppress(OSError):
                unfinished.unlink()
            return
        raise self._failure(result)

    def install_offline(self, python: Path, pins: Sequence[str], cwd: Path) -> bool:
        """Install exactly `pins` from the installer's cache alone, into a .venv that holds
        nothing yet. False, with nothing installed, when the cache lacks any of them (or the
        installer has no offline mode)."""
        argv = self.offline_argv(python, pins)
        if argv is None:
            return False
        unfinished = self._starting(python)
        result = runner.run(argv, cwd=cwd, env=runner.child_env())
        # uv finds every file in its cache before it installs any: a miss installs nothing,
        # which the .venv shows (a failure after that leaves the marker, for `webkit setup`)
        if not result.ok and _installed_any(python):
            raise self._failure(result)
        with contextlib.suppress(OSError):
            unfinished.unlink()
        return result.ok

    @staticmethod
    def _starting(python: Path) -> Path:
        """Mark the .venv of `python` as being installed into (INCOMPLETE_MARKER): returns the
        marker, for the caller to remove once the install succeeded."""
        unfinished = python.parent.parent / INCOMPLETE_MARKER
        if unfinished.exists():  # a caller that does not recreate the .venv: refuse, never guess
            raise StepFailed(
                "an earlier install into .venv did not finish, so its packages cannot be trusted",
                "run `webkit setup`: it recreates .venv and installs the lock file",
            )
        with contextlib.suppress(OSError):
            unfinished.touch()
        return unfinished

    def _failure(self, result: runner.Result) -> StepFailed:
        lowered = result.output.lower()
        if any(marker in lowered for marker in _NETWORK_MARKERS):
            return StepFailed(
                f"{self.name} could not reach the package index: {result.tail()}",
                "check the network (or the index settings), then run `webkit setup` in the project",
            )
        other = "pip" if self.name == "uv" else "uv"
        return StepFailed(
            f"{self.name} failed to install the dependencies: {result.tail()}",
            f"run `webkit setup` in the project to retry (or `webkit setup --installer {other}`)",
        )

    def freeze(self, python: Path, cwd: Path) -> list[str]:
        result = runner.run(self.freeze_argv(python), cwd=cwd, env=runner.child_env())
        if not result.ok:
            raise StepFailed(f"{self.name} could not list the installed packages: {result.tail()}")
        pins = []
        for line in result.output.splitlines():
            line = line.strip()
            if not line or line.startswith("#") or "==" not in line:
                continue
            name = line.split("==", 1)[0].strip().lower()
            if name not in NOT_LOCKED:
                pins.append(line)
        return sorted(pins, key=str.lower)


def _installed_any(python: Path) -> bool:
    """Whether the .venv of `python` holds any installed package."""
    site = site_packages(python.parent.parent)
    return site is not None and any(site.glob("*.dist-info"))


class UvInstaller(Installer):
    name = "uv"
    compiles_bytecode = False
    resolves_ahead = True
    installs_pip = True

    def __init__(self, binary: str, check: runner.Background | None = None):
        self.binary = binary
        self._check = check  # `uv --version`, started by select_installer and not yet seen

    def usable(self) -> Installer:
        """pip instead when the check that select_installer started found that uv does not run
        here (a binary for another system, say)."""
        check, self._check = self._check, None
        if check is None or check.result(timeout=20).ok:
            return self
        console.warning("uv does not run here", "installing with pip instead")
        return PipInstaller()

    def install_argv(self, python: Path, args: Sequence[str]) -> list[str]:
        return [self.binary, "pip", "install", "--python", str(python), *args]

    def freeze_argv(self, python: Path) -> list[str]:
        return [self.binary, "pip", "freeze", "--python", str(python), "--exclude-editable"]

    def offline_argv(self, python: Path, args: Sequence[str]) -> list[str] | None:
        return self.install_argv(python, ["--offline", *args])

    def start_resolution(
        self, interpreter: Interpreter, requirements: Mapping[str, Sequence[str]], cwd: Path
    ) -> Resolution | None:
        from webkit_cli.resolution import Resolution

        return Resolution(self.binary, interpreter, requirements, cwd)


class PipInstaller(Installer):
    name = "pip"
    compiles_bytecode = True

    def install_argv(self, python: Path, args: Sequence[str]) -> list[str]:
        return [str(python), "-m", "pip", "install", "--disable-pip-version-check", *args]

    def freeze_argv(self, python: Path) -> list[str]:
        return [str(python), "-m", "pip", "freeze", "--exclude-editable"]


def select_installer(kind: str) -> Installer:
    """auto: uv when its binary runs, else pip. For auto, whether it runs is checked in the
    background: call `usable()` on the result before installing with it."""
    if kind not in INSTALLERS:
        raise UsageError(f"unknown installer '{kind}'", f"choose one of: {', '.join(INSTALLERS)}")
    if kind == "pip":
        return PipInstaller()
    binary = uv_binary()
    if binary is not None and kind == "auto":
        return UvInstaller(binary, check=runner.Background([binary, "--version"]))
    runs = binary is not None and runner.run([binary, "--version"]).ok
    if runs:
        return UvInstaller(binary)
    if kind == "uv":
        raise UsageError(
            "uv was requested but its binary is missing or does not run",
            "pass --installer pip, or reinstall webkit to get uv back",
        )
    return PipInstaller()
