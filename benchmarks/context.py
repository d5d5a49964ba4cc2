"""What every section needs: the tools, a scratch workspace, clean environments, caches, and
freshly created projects."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from benchmarks.harness import BenchmarkError, Job, Sample, Step

# The project every benchmark creates: a plain name, the same for webkit and cookiecutter.
NAME = "benchapp"
NEW_TIMEOUT = 900.0

# Variables that would change what the generated projects, gunicorn or the installers do, so
# that two machines measure the same thing.
_DROPPED = (
    "VIRTUAL_ENV",
    "PYTHONHOME",
    "PYTHONPATH",
    "UV_CACHE_DIR",
    "PIP_CACHE_DIR",
    "PIP_NO_CACHE_DIR",
    "VIRTUALENV_OVERRIDE_APP_DATA",
    "WEBKIT_CACHE_DIR",
    "WEBKIT_NO_CACHE",
    "COOKIECUTTER_CONFIG",
    "FLASK_APP",
    "FLASK_DEBUG",
    "APP_ENV",
    "DJANGO_SETTINGS_MODULE",
    "DEBUG",
    "SECRET_KEY",
    "DATABASE_URL",
    "ALLOWED_HOSTS",
    "PORT",
    "WEB_CONCURRENCY",
    "LOG_LEVEL",
    "REDIS_URL",
    # webkit's user defaults (user_defaults.py): the config file is replaced too, see env()
    "WEBKIT_FRAMEWORK",
    "WEBKIT_DATABASE",
    "WEBKIT_INSTALLER",
    "WEBKIT_PYTHON",
    "WEBKIT_FEATURES",
)


@dataclass
class Options:
    rounds: dict[str, int]
    quick: bool
    frameworks: tuple[str, ...]
    serve_seconds: float
    keep: bool = False


@dataclass
class Tools:
    python: Path  # the interpreter that runs webkit, cookiecutter and this benchmark
    webkit: Path
    cookiecutter: Path
    virtualenv: Path
    wrk: str | None


def compile_webkit(webkit: Path) -> str:
    """Bytecode for the modules of the webkit that `webkit` runs, as pip writes it when it
    installs webkit from a wheel (the README's `pip install .`). A checkout installed with
    `pip install -e` has none, and where PYTHONDONTWRITEBYTECODE is set (as here) Python never
    writes it: every run would compile webkit's own modules again (about 45 ms on this host).
    Returns what was done, for the conditions."""
    try:
        first = webkit.read_bytes().split(b"\n", 1)[0]
    except OSError:
        return "webkit's own bytecode: not checked (its executable cannot be read)."
    python = first[2:].decode(errors="replace").strip() if first.startswith(b"#!") else ""
    code = (
        "import compileall, os, webkit_cli; "
        "folder = os.path.dirname(webkit_cli.__file__); "
        "print(int(compileall.compile_dir(folder, quiet=1)), folder)"
    )
    try:
        done = subprocess.run(
            [python or sys.executable, "-c", code], capture_output=True, text=True, timeout=120
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"webkit's own bytecode: could not be compiled ({exc})."
    ok, _, folder = done.stdout.strip().partition(" ")
    if done.returncode != 0 or ok != "1":
        return f"webkit's own bytecode: could not be compiled ({done.stderr.strip()[-200:]})."
    return (
        f"webkit's own modules ({folder}) have bytecode, compiled before the runs as pip "
        "compiles it when it installs webkit (`pip install .`, as the README says); an "
        "editable install would otherwise compile them at every start here, where "
        "PYTHONDONTWRITEBYTECODE is set."
    )


def find_tools(webkit: str | None = None) -> Tools:
    bindir = Path(sys.executable).parent

    def tool(name: str) -> Path:
        beside = bindir / name
        if beside.exists():
            return beside
        found = shutil.which(name)
        if found is None:
            raise BenchmarkError(
                f"{name} was not found next to {sys.executable} nor on PATH: "
                "run the benchmarks with the dev venv's python (.venv/bin/python -m benchmarks)"
            )
        return Path(found)

    return Tools(
        python=Path(sys.executable),
        webkit=Path(webkit) if webkit else tool("webkit"),
        cookiecutter=tool("cookiecutter"),
        virtualenv=tool("virtualenv"),
        wrk=shutil.which("wrk"),
    )


@dataclass
class Caches:
    """A uv cache, a pip cache, virtualenv's app-data and webkit's own cache (bytecode), all
    inside the workspace."""

    root: Path

    def env(self) -> dict[str, str]:
        return {
            "UV_CACHE_DIR": str(self.root / "uv"),
            "PIP_CACHE_DIR": str(self.root / "pip"),
            "VIRTUALENV_OVERRIDE_APP_DATA": str(self.root / "virtualenv"),
            "WEBKIT_CACHE_DIR": str(self.root / "webkit"),
        }

    def size_mb(self) -> float:
        total = 0
        for path in self.root.rglob("*"):
            try:
                if path.is_file() and not path.is_symlink():
                    total += path.stat().st_size
            except OSError:
                continue
        return total / 1024 / 1024


@dataclass
class Context:
    options: Options
    tools: Tools
    workspace: Path
    templates: Path
    warm: Caches = field(init=False)
    _locks: dict[str, Path] = field(default_factory=dict)
    _trash: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # for the conditions
    _ids: int = 0

    def __post_init__(self) -> None:
        self.warm = Caches(self.workspace / "warm-caches")
        config = self.workspace / "cookiecutter.yaml"
        # cookiecutter's CLI writes a replay file (and may clone into cookiecutters_dir): keep
        # both inside the workspace, never in the user's home.
        config.write_text(
            f"cookiecutters_dir: {self.workspace / 'cookiecutters'}\n"
            f"replay_dir: {self.workspace / 'cookiecutter-replay'}\n",
            encoding="utf-8",
        )

    # -- places and environments --------------------------------------------------------------

    def scratch(self, label: str) -> Path:
        """A new empty directory in the workspace."""
        self._ids += 1
        path = self.workspace / "runs" / f"{self._ids:04d}-{label}"
        path.mkdir(parents=True)
        return path

    def discard(self, path: Path) -> None:
        """Delete `path` once the section is done (see empty_trash), not now."""
        if not self.options.keep:
            self._trash.append(path)

    def empty_trash(self) -> None:
        """Delete what the section discarded, then sync. Deleting a project between measured
        runs slowed the next one's install: on this disk, deleting the thousands of hard
        links and folders of a Django `.venv` and then linking them again took longer each
        round (uv's offline Django install: 220, 400, 524, 696 ms, against 150-170 ms when
        nothing was deleted in between)."""
        for path in self._trash:
            shutil.rmtree(path, ignore_errors=True)
        self._trash.clear()
        os.sync()

    def env(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if k not in _DROPPED}
        env = {k: v for k, v in env.items() if not k.startswith("GUNICORN_")}
        env.update(
            NO_COLOR="1",
            COLUMNS="200",
            COOKIECUTTER_CONFIG=str(self.workspace / "cookiecutter.yaml"),
            # an empty config folder: the user's defaults for `webkit new` change nothing here
            XDG_CONFIG_HOME=str(self.workspace / "config"),
        )
        env.update(extra or {})
        return env

    def cold_caches(self) -> Caches:
        return Caches(self.scratch("cold-caches"))

    def say(self, message: str) -> None:
        print(f"[benchmarks] {message}", file=sys.stderr, flush=True)

    def rounds(self, section: str) -> int:
        return self.options.rounds[section]

    # -- projects -----------------------------------------------------------------------------

    def webkit_new_step(self, framework: str, out: Path, caches: Caches, *extra: str) -> Step:
        return Step(
            "webkit new",
            [self.tools.webkit, "new", NAME, "--framework", framework, "-y", "-o", out, *extra],
            cwd=out,
            env=self.env(caches.env()),
            timeout=NEW_TIMEOUT,
        )

    def fresh_project(self, framework: str, label: str = "project") -> tuple[Path, Sample]:
        """A new project from `webkit new` with warm caches (the first call warms them)."""
        out = self.scratch(f"{framework}-{label}")
        sample = Job.run(
            [self.webkit_new_step(framework, out, self.warm)],
            self.workspace,
            f"{framework}-{label}",
            timeout=NEW_TIMEOUT + 30,
        )
        require(sample, f"webkit new ({framework})")
        project = out / NAME
        if framework not in self._locks:
            lock = self.workspace / "locks" / f"{framework}-requirements-dev.lock"
            lock.parent.mkdir(exist_ok=True)
            shutil.copyfile(project / "requirements-dev.lock", lock)
            self._locks[framework] = lock
        return project, sample

    def lock(self, framework: str) -> Path:
        """The requirements-dev.lock that webkit wrote for this framework (in this run)."""
        if framework not in self._locks:
            project, _ = self.fresh_project(framework, "lock")
            self.discard(project.parent)
        return self._locks[framework]


def require(sample: Sample, what: str) -> Sample:
    if not sample.ok:
        raise BenchmarkError(
            f"{what} failed ({sample.extra}); its output ends with:\n{sample.log_tail()}"
        )
    return sample


def make_workspace(parent: str | None) -> Path:
    return Path(tempfile.mkdtemp(prefix="webkit-bench-", dir=parent))


def load_average() -> tuple[float, float, float]:
    return os.getloadavg()


def now_utc() -> str:
    return time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
