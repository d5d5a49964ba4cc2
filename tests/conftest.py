"""Shared fixtures: run the CLI in-process, snapshot file trees, require tools in CI."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
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


def pyenv_versions() -> Path | None:
    """pyenv's versions folder, where pyenv says it is ($PYENV_ROOT, else `pyenv root`), not
    guessed from the developer's home; None without pyenv."""
    root = os.environ.get("PYENV_ROOT")
    pyenv = shutil.which("pyenv")
    if not root and pyenv:
        answer = subprocess.run([pyenv, "root"], capture_output=True, text=True, check=False)
        root = answer.stdout.strip() if answer.returncode == 0 else None
    versions = Path(root) / "versions" if root else None
    return versions if versions and versions.is_dir() else None


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


def webkit(*args: str, cwd: Path, env: dict | None = None, timeout: float = 600):
    """The real command line, as a user runs it (no terminal: it never prompts)."""
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    return subprocess.run(
        [sys.executable, "-m", "webkit_cli", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        errors="replace",
        timeout=timeout,
        env={**clean, "NO_COLOR": "1", "COLUMNS": "200", "PYTHONPATH": str(REPO), **(env or {})},
    )


def in_venv(root: Path, *args: str, env: dict | None = None, timeout: float = 300):
    """Run the generated project's own .venv Python in its root, as its developers would."""
    clean = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}
    return subprocess.run(
        [str(root / ".venv" / "bin" / "python"), *args],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**clean, **(env or {})},
    )


def alive(pid: int) -> bool:
    """The process exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().split(")")[-1].split()[0]
    except FileNotFoundError:
        return False
    return state != "Z"


@pytest.fixture(scope="session", autouse=True)
def _ctrl_c_as_a_terminal_sends_it():
    """A shell without job control starts a background job (`pytest ... &`) with SIGINT and
    SIGQUIT ignored, and every process the tests start would inherit that: the tests of Ctrl-C
    would then wait for processes that cannot be interrupted. Give them a terminal's default."""
    for sig, handler in ((signal.SIGINT, signal.default_int_handler), (signal.SIGQUIT, None)):
        if signal.getsignal(sig) == signal.SIG_IGN:
            signal.signal(sig, handler if handler is not None else signal.SIG_DFL)
    yield


@pytest.fixture(scope="session", autouse=True)
def _own_webkit_cache(tmp_path_factory):
    """webkit's bytecode cache starts empty in each test session, apart from the user's, so a
    test sees what this code puts there and never what an earlier run left."""
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("WEBKIT_CACHE_DIR", str(tmp_path_factory.mktemp("webkit-cache")))
        yield


@pytest.fixture(scope="session", autouse=True)
def _no_user_defaults(tmp_path_factory):
    """The user's own defaults for `webkit new` (config.toml, WEBKIT_FRAMEWORK, ...) never
    change what a test builds: an empty config folder, and none of those variables."""
    from webkit_cli.user_defaults import ENV_PREFIX, KEYS

    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("XDG_CONFIG_HOME", str(tmp_path_factory.mktemp("config-home")))
        for key in KEYS:
            patch.delenv(ENV_PREFIX + key.upper(), raising=False)
        yield


# A package index on disk for `uv pip compile` (deploy-config's requirements-hashed.lock): small
# wheels of the packages that the tests' lock files pin, so that no test needs the network.
# (name, version, {extra: requirements})
LOCAL_PACKAGES = (
    ("flask", "3.1.3", {}),
    ("flask", "3.1.0", {}),
    ("gunicorn", "27.0.1", {}),
    ("psycopg", "3.2.9", {"binary": ["psycopg-binary==3.2.9"]}),
    ("psycopg-binary", "3.2.9", {}),
    ("pymysql", "1.1.2", {"rsa": []}),
)


def make_wheel(folder: Path, name: str, version: str, extras: dict[str, list[str]]) -> Path:
    """A valid, empty pure-Python wheel with its metadata (its extras' requirements too)."""
    import zipfile

    dist = f"{name.replace('-', '_')}-{version}"
    info = f"{dist}.dist-info"
    metadata = f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n"
    for extra, requires in extras.items():
        metadata += f"Provides-Extra: {extra}\n"
        metadata += "".join(f'Requires-Dist: {req}; extra == "{extra}"\n' for req in requires)
    files = {
        f"{info}/METADATA": metadata,
        f"{info}/WHEEL": "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\n"
        "Tag: py3-none-any\n",
    }
    files[f"{info}/RECORD"] = "".join(f"{path},,\n" for path in [*files, f"{info}/RECORD"])
    path = folder / f"{dist}-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as wheel:
        for member, text in files.items():
            wheel.writestr(member, text)
    return path


@pytest.fixture(scope="session")
def local_wheels(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("wheels")
    for name, version, extras in LOCAL_PACKAGES:
        make_wheel(folder, name, version, extras)
    return folder


@pytest.fixture
def local_index(local_wheels, tmp_path_factory, monkeypatch) -> Path:
    """uv finds packages in `local_wheels` only: offline, no index, a cache of its own."""
    monkeypatch.setenv("UV_OFFLINE", "1")
    monkeypatch.setenv("UV_NO_INDEX", "1")
    monkeypatch.setenv("UV_FIND_LINKS", str(local_wheels))
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path_factory.getbasetemp() / "uv-cache"))
    for name in ("UV_INDEX", "UV_DEFAULT_INDEX", "UV_INDEX_URL", "UV_EXTRA_INDEX_URL"):
        monkeypatch.delenv(name, raising=False)
    return local_wheels
