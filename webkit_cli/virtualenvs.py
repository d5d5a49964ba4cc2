"""Virtual environments: create them with virtualenv (in a child process ahead of time, or here),
and tell what is wrong with one."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from webkit_cli import runner
from webkit_cli.errors import StepFailed
from webkit_cli.interpreters import Interpreter, probe

# An install that started and did not finish (Ctrl-C, a killed process, a full disk) can leave a
# package half-copied with its metadata in place, which uv and pip then count as installed, or a
# half-written RECORD that breaks the next uninstall, so that even a reinstall fails ("CSV
# error" from uv). This file in .venv says so; `webkit setup` then recreates the .venv, which
# costs a second or two with a warm cache and trusts nothing the interrupted install left.
INCOMPLETE_MARKER = ".webkit-install-incomplete"


def _venv_session(interpreter: Interpreter, destination: Path, *, pip: bool):
    """virtualenv's session for `destination`: finding the interpreter and reading the options
    touch nothing on disk (running the session does)."""
    from virtualenv import session_via_cli

    # pip only, as `python -m venv` and uv give from Python 3.12: nothing in the projects needs
    # setuptools at run time (builds get it in their isolated environment), and its .pth hook
    # would run at every start of the venv's Python.
    args = [str(destination), "--python", interpreter.path, "--quiet", "--clear", "--no-setuptools"]
    if not pip:
        args.append("--no-pip")
    try:
        return session_via_cli(args, setup_logging=False)
    except (Exception, SystemExit) as exc:  # virtualenv reports failures as many types
        raise _venv_failure(interpreter, destination, exc) from None


def _run_venv_session(session, interpreter: Interpreter, destination: Path) -> Path:
    try:
        with session:  # running the session first clears what is there (--clear)
            session.run()
    except BaseException as exc:
        shutil.rmtree(destination, ignore_errors=True)
        if not isinstance(exc, (Exception, SystemExit)):  # Ctrl-C: not a failure to report
            raise
        raise _venv_failure(interpreter, destination, exc) from None
    from webkit_cli.project import venv_python

    return venv_python(destination)


def _venv_failure(interpreter: Interpreter, destination: Path, failure: BaseException):
    # virtualenv may put whole tracebacks in its message; the last line is the cause
    lines = [line.strip() for line in str(failure).splitlines() if line.strip()]
    reason = lines[-1] if lines else type(failure).__name__
    return StepFailed(
        f"creating {destination.name} with Python {interpreter.short_version} failed: {reason}",
        "run `webkit setup` inside the project to try again",
    )


def create_venv(interpreter: Interpreter, destination: Path, *, pip: bool = True) -> Path:
    """Create (or clear and recreate) a virtual environment with virtualenv.

    pip=False: without pip, for an installer that installs it with the dependencies
    (Installer.installs_pip): uv links it from its cache in milliseconds, where virtualenv's
    seeding copies a thousand files (about 0.3 s on a slow disk).

    An interrupted or failed creation leaves no environment behind: a half-made one can look
    healthy while it is not (bin/python running as the base interpreter before pyvenv.cfg is
    written, or no pip yet).
    """
    session = _venv_session(interpreter, destination, pip=pip)
    return _run_venv_session(session, interpreter, destination)


# The child of VenvAhead: it gets virtualenv ready, then creates the venv when told to "go".
_AHEAD = """
import json, sys
from pathlib import Path
from webkit_cli import interpreters, virtualenvs
from webkit_cli.errors import StepFailed

request = json.loads(sys.argv[1])
interpreter = interpreters.Interpreter(request["python"], tuple(request["version"]))
destination = Path(request["destination"])
try:
    session = virtualenvs._venv_session(interpreter, destination, pip=request["pip"])
except StepFailed as exc:
    session, failure = None, exc
if sys.stdin.readline().strip() != "go":
    sys.exit(0)  # not wanted after all: nothing was touched
try:
    if session is None:
        raise failure
    virtualenvs._run_venv_session(session, interpreter, destination)
except StepFailed as exc:
    print(json.dumps({"message": exc.message, "hint": exc.hint}), flush=True)
else:
    print(json.dumps({"created": True}), flush=True)
"""


class VenvAhead:
    """`create_venv`, with virtualenv imported and its session prepared in a child process
    while the project renders: that takes longer than creating the venv itself (about 0.15 s
    of imports and interpreter discovery, against 10 ms), and the render cannot overlap it in
    one process. The venv is created at `create`, once its folder may exist.

    Whatever goes wrong with the child (it cannot start, or dies) only gives up the head start:
    `create` then creates the venv in this process. An interrupted or failed creation leaves no
    environment behind, as with `create_venv`.
    """

    def __init__(self, interpreter: Interpreter, destination: Path, *, pip: bool) -> None:
        self.interpreter, self.destination, self.pip = interpreter, destination, pip
        request = {
            "python": interpreter.path,
            "version": list(interpreter.version),
            "destination": str(destination),
            "pip": pip,
        }
        try:
            self._child: subprocess.Popen | None = subprocess.Popen(
                [sys.executable, "-c", _AHEAD, json.dumps(request)],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.DEVNULL,
                text=True,
            )
        except OSError:
            self._child = None
        else:
            runner.track(self._child)

    def create(self) -> Path:
        child, self._child = self._child, None
        if child is None:
            return create_venv(self.interpreter, self.destination, pip=self.pip)
        try:
            output, _ = child.communicate("go\n", timeout=600)
        except BaseException:  # Ctrl-C (the child got it too) or a timeout
            self._stop(child)
            shutil.rmtree(self.destination, ignore_errors=True)
            raise
        finally:
            runner.untrack(child)
        try:
            answer = json.loads(output.strip().splitlines()[-1])
        except (ValueError, IndexError):
            answer = {}
        if answer.get("created"):
            from webkit_cli.project import venv_python

            return venv_python(self.destination)
        if "message" in answer:
            raise StepFailed(answer["message"], answer.get("hint"))
        # the child died without a word: create the venv here instead
        return create_venv(self.interpreter, self.destination, pip=self.pip)

    def cancel(self) -> None:
        """Not needed after all: the child exits without touching anything."""
        child, self._child = self._child, None
        if child is not None:
            with contextlib.suppress(OSError, ValueError):
                child.stdin.close()  # end of input: it exits at once
            self._stop(child, grace=5)
            runner.untrack(child)

    @staticmethod
    def _stop(child: subprocess.Popen, grace: float = 10) -> None:
        try:
            child.wait(timeout=grace)
        except BaseException:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
            child.wait()


def venv_problem(python: Path, *, run: bool = True, moved: bool = True) -> str | None:
    """What is wrong with the venv of `python`, in words that follow ".venv is", or None.
    run=False: without starting its Python (a few files looked at, where `run` costs 20 ms).
    moved=False: a venv made in another folder (see moved_from) is no problem here."""
    venv = python.parent.parent
    if not venv.exists():
        return "missing"
    # Without pyvenv.cfg, bin/python runs as the base interpreter: installing "into the venv"
    # would then install into the system's Python.
    runs = probe(str(python)) if run else True
    if not (python.exists() and (venv / "pyvenv.cfg").is_file() and runs):
        return "broken"
    if (venv / INCOMPLETE_MARKER).exists():
        return "left half-installed by an install that did not finish"
    made_for = moved_from(venv) if moved else None
    if made_for is not None:
        return f"from another folder, {made_for} (the project was moved or copied since)"
    return None


# The Python a console script runs: `#!/path/bin/python`, or pip's and uv's form for a path too
# long or odd for a shebang line: `#!/bin/sh`, then `'''exec' '/path/bin/python' "$0" "$@"`.
_SCRIPT_PYTHON = re.compile(rb"^(?:#!|'''exec' )'?(/[^'\n]*?/python[0-9.]*)'?(?:\s|$)", re.M)


def moved_from(venv: Path) -> Path | None:
    """The venv whose Python `venv`'s console scripts run, when it is another folder's. A venv
    does not move: each script names its Python by absolute path, so in a project moved or
    copied elsewhere they run the old place's Python, or none. None: they run this one (or
    there is no script to ask)."""
    bin_dir = venv / "bin"
    try:
        scripts = sorted(bin_dir.iterdir())
    except OSError:
        return None
    for script in scripts:
        if script.is_symlink() or not script.is_file():
            continue
        try:
            with script.open("rb") as handle:
                head = handle.read(512)
        except OSError:
            continue
        match = _SCRIPT_PYTHON.search(head) if head.startswith(b"#!") else None
        if match is None:
            continue
        interpreter = Path(os.fsdecode(match[1]))
        if os.path.realpath(interpreter.parent) == os.path.realpath(bin_dir):
            return None
        return interpreter.parent.parent
    return None


def site_packages(venv: Path) -> Path | None:
    found = [*venv.glob("lib/python*/site-packages"), venv / "Lib" / "site-packages"]
    return next((path for path in found if path.is_dir()), None)
