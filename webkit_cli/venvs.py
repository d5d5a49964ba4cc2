"""Python interpreters, virtual environments (virtualenv) and installers (uv, pip)."""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
import subprocess
import sys
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from webkit_cli import console, runner
from webkit_cli.errors import StepFailed, UsageError

INSTALLERS = ("auto", "uv", "pip")
_VERSION = re.compile(r"^(\d+)\.(\d+)(?:\.(\d+))?$")
_PROBE = "import json, sys; print(json.dumps([list(sys.version_info[:3]), sys.executable]))"
# Seeded by virtualenv and not part of the project's dependency set.
_NOT_LOCKED = {"pip", "setuptools", "wheel", "distribute"}


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
from webkit_cli import venvs
from webkit_cli.errors import StepFailed

request = json.loads(sys.argv[1])
interpreter = venvs.Interpreter(request["python"], tuple(request["version"]))
destination = Path(request["destination"])
try:
    session = venvs._venv_session(interpreter, destination, pip=request["pip"])
except StepFailed as exc:
    session, failure = None, exc
if sys.stdin.readline().strip() != "go":
    sys.exit(0)  # not wanted after all: nothing was touched
try:
    if session is None:
        raise failure
    venvs._run_venv_session(session, interpreter, destination)
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


def venv_problem(python: Path) -> str | None:
    """What is wrong with the venv of `python`, in words that follow ".venv is", or None."""
    venv = python.parent.parent
    if not venv.exists():
        return "missing"
    # Without pyvenv.cfg, bin/python runs as the base interpreter: installing "into the venv"
    # would then install into the system's Python.
    if not (python.exists() and (venv / "pyvenv.cfg").is_file() and probe(str(python))):
        return "broken"
    if (venv / INCOMPLETE_MARKER).exists():
        return "left half-installed by an install that did not finish"
    return None


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


# An install that started and did not finish (Ctrl-C, a killed process, a full disk) can leave a
# package half-copied with its metadata in place, which uv and pip then count as installed, or a
# half-written RECORD that breaks the next uninstall, so that even a reinstall fails ("CSV
# error" from uv). This file in .venv says so; `webkit setup` then recreates the .venv, which
# costs a second or two with a warm cache and trusts nothing the interrupted install left.
INCOMPLETE_MARKER = ".webkit-install-incomplete"


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
    ) -> None:
        """Install `args`. With `offline_first`, those exact pins are tried first from the
        installer's cache alone, and `args` from the index only if that fails."""
        unfinished = python.parent.parent / INCOMPLETE_MARKER
        if unfinished.exists():  # a caller that does not recreate the .venv: refuse, never guess
            raise StepFailed(
                "an earlier install into .venv did not finish, so its packages cannot be trusted",
                "run `webkit setup`: it recreates .venv and installs the lock file",
            )
        with contextlib.suppress(OSError):
            unfinished.touch()
        offline = self.offline_argv(python, offline_first) if offline_first else None
        result = None
        if offline is not None:
            # uv fetches every file before it installs any: a cache miss installs nothing
            result = runner.run(offline, cwd=cwd, env=runner.child_env())
        if result is None or not result.ok:
            result = runner.run(self.install_argv(python, args), cwd=cwd, env=runner.child_env())
        if result.ok:
            with contextlib.suppress(OSError):
                unfinished.unlink()
            return
        lowered = result.output.lower()
        if any(marker in lowered for marker in _NETWORK_MARKERS):
            raise StepFailed(
                f"{self.name} could not reach the package index: {result.tail()}",
                "check the network (or the index settings), then run `webkit setup` in the project",
            )
        other = "pip" if self.name == "uv" else "uv"
        raise StepFailed(
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
            if name not in _NOT_LOCKED:
                pins.append(line)
        return sorted(pins, key=str.lower)


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
        return Resolution(self.binary, interpreter, requirements, cwd)


class Resolution:
    """`uv pip compile` of a new project's requirements for the interpreter its .venv will have,
    started before the project is rendered and .venv created. Each set of requirements (the
    runtime dependencies; those and the dev group) is resolved twice at once:

    - offline, from the index pages in uv's cache alone: a few milliseconds when uv has
      resolved these packages before;
    - online, against the index: the newest versions, after the index's round trips (half a
      second or more where the index's pages cannot be cached, as behind this project's
      proxy).

    An install takes the online versions when they are in by then, else the offline ones
    (`pins`), like npm's --prefer-offline; `latest` then gives what the index has, for the
    caller to catch up where uv's cache was behind it. So a warm cache costs no wait on the
    index, and the project still ends with the versions a fresh resolution gives.

    Any failure here only gives up the head start: the install then resolves as it would have.
    """

    MODES = ("online", "offline")

    def __init__(
        self,
        uv: str,
        interpreter: Interpreter,
        requirements: Mapping[str, Sequence[str]],
        cwd: Path,
    ) -> None:
        import tempfile

        self._folder = Path(tempfile.mkdtemp(prefix="webkit-resolve-"))
        self._jobs: dict[tuple[str, str], tuple[runner.Background, Path]] = {}
        for name, lines in requirements.items():
            source = self._folder / f"{name}.in"
            source.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
            for mode in self.MODES:
                output = self._folder / f"{name}.{mode}.txt"
                argv = [
                    *(uv, "pip", "compile", "--quiet", "--no-header", "--no-annotate"),
                    *(["--offline"] if mode == "offline" else []),
                    *("--python", interpreter.path, str(source), "--output-file", str(output)),
                ]
                job = runner.Background(argv, cwd=cwd, env=runner.child_env())
                self._jobs[name, mode] = (job, output)
        self._latest: dict[str, list[str] | None] = {}
        self.from_cache: set[str] = set()  # the names whose `pins` were uv's cached versions
        self.failure = ""  # why an online resolution gave nothing, once `latest` has said so

    def _collect(self, name: str, mode: str, timeout: float) -> list[str] | None:
        job, output = self._jobs[name, mode]
        try:
            result = job.result(timeout=timeout)
            if not result.ok:
                if mode == "online":
                    self.failure = result.tail()
                return None
            lines = output.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            if mode == "online":
                self.failure = str(exc)
            return None
        pins = [line.strip() for line in lines if "==" in line and not line.startswith("#")]
        return pins or None

    def pins(self, name: str, timeout: float = 180, *, wait: bool = True) -> list[str] | None:
        """The exact requirements (name==version) of the set `name` to install now: the
        index's if it has answered, else uv's cache's, else the index's when it answers
        (`wait`; else None at once); None when both failed. Call it once per set."""
        online = self._jobs[name, "online"][0]
        if online.finished() and self.latest(name) is not None:
            return self.latest(name)
        offline = self._collect(name, "offline", timeout)
        if offline is not None:
            self.from_cache.add(name)
            return offline
        if not wait and not online.finished():
            return None
        return self.latest(name, timeout)

    def latest(self, name: str, timeout: float = 180) -> list[str] | None:
        """The index's versions for the set `name` (waiting for them), or None on a failure."""
        if name not in self._latest:
            self._latest[name] = self._collect(name, "online", timeout)
        return self._latest[name]

    def cancel(self) -> None:
        for job, _ in self._jobs.values():
            job.cancel()
        shutil.rmtree(self._folder, ignore_errors=True)


class PipInstaller(Installer):
    name = "pip"
    compiles_bytecode = True

    def install_argv(self, python: Path, args: Sequence[str]) -> list[str]:
        return [str(python), "-m", "pip", "install", "--disable-pip-version-check", *args]

    def freeze_argv(self, python: Path) -> list[str]:
        return [str(python), "-m", "pip", "freeze", "--exclude-editable"]


def site_packages(venv: Path) -> Path | None:
    found = [*venv.glob("lib/python*/site-packages"), venv / "Lib" / "site-packages"]
    return next((path for path in found if path.is_dir()), None)


_BYTECODE_CACHE = Path(__file__).with_name("bytecode_cache.py")


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
    same sources (see bytecode_cache.py)."""
    _bytecode_cache(python, "restore")


def compile_bytecode(python: Path, parts: Sequence[str]) -> None:
    """Bytecode for the modules under `parts`, folders of the venv's site-packages (a missing
    one is skipped): from webkit's cache, else compiled (and cached)."""
    if parts:
        _bytecode_cache(python, "compile", *parts)


# What an installer that installs_pip adds to the runtime install (never to a lock file).
SEED_PACKAGES = ("pip",)

# Folders of a project that hold no module the app imports.
_NOT_APP_CODE = frozenset({"tests", "node_modules", "instance", "static", "staticfiles"})


def compile_project(python: Path, root: Path) -> None:
    """Bytecode for the project's own modules (its package, Django's config/, Flask's
    migrations/), which the first migration would otherwise compile as it imports them. Not
    cached: no other project has the same sources."""
    folders = [
        str(entry)
        for entry in sorted(root.iterdir())
        if entry.is_dir() and not entry.name.startswith(".") and entry.name not in _NOT_APP_CODE
    ]
    if folders:
        runner.run(_script_argv(python, "compile", "", root, *folders))


def save_bytecode(python: Path, since_ns: int) -> None:
    """Add to webkit's cache the bytecode that the venv's Python wrote from `since_ns` on
    (a time.time_ns())."""
    _bytecode_cache(python, "save", str(since_ns))


def start_saving_bytecode(python: Path, since_ns: int) -> runner.Background | None:
    """save_bytecode in the background: the caller collects it (result) or stops it (cancel)."""
    argv = _bytecode_cache_argv(python, "save", str(since_ns))
    return runner.Background(argv) if argv is not None else None


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


def write_lock(path: Path, pins: list[str], installer: str, what: str) -> None:
    header = (
        f"# {what}: the exact versions webkit installed and the tests passed with.\n"
        f"# Written by webkit (installer: {installer}); regenerate with `webkit setup --upgrade`.\n"
        f"# Install: pip install -r {path.name}\n"
    )
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(header + "".join(f"{pin}\n" for pin in pins), encoding="utf-8")
    os.replace(tmp, path)


def pin_versions(pins: Sequence[str]) -> dict[str, str]:
    """{normalized name: version} of `name==version` lines, without what no lock file lists."""
    versions = {}
    for pin in pins:
        name, _, version = pin.partition("==")
        name = re.sub(r"[-_.]+", "-", name.strip()).lower()
        if version and name not in _NOT_LOCKED:
            versions[name] = version.strip()
    return versions


def read_lock(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return sorted(
        (line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")),
        key=str.lower,
    )
