"""Bad input, every command: a clear message and an exit code, never a traceback, nothing touched.

Each case of BAD_INPUT runs the real `webkit` (python -m webkit_cli) in a fresh world of
directories, and asserts the exit code, that stderr carries one line saying what went wrong
(and the hint where there is one), that nothing printed a traceback or fell through to the
"unexpected error" catch-all, and that every file and directory of the world, with its
content, mode and modification time, is exactly as before.

The property-based tests (hypothesis) check the name rules: every name that is refused leaves
no trace, and every name that is accepted renders a project whose package imports (e2e).
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from tests.conftest import REPO, REQUIRE_TOOLS, need_tool, pyenv_versions, webkit
from webkit_cli import names
from webkit_cli.cli import cli
from webkit_cli.errors import UsageError


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path at and below root: kind, mode, size, mtime and content (or link target)."""
    result = {}
    for path in [root, *sorted(root.rglob("*"))]:
        st_ = path.lstat()
        if path.is_symlink():
            what: object = os.readlink(path)
        elif path.is_file():
            what = hashlib.sha256(path.read_bytes()).hexdigest()
        else:
            what = "dir"
        result[str(path.relative_to(root))] = (st_.st_mode, st_.st_size, st_.st_mtime_ns, what)
    return result


def assert_clear_failure(result, code: int, reason: str, hint: str | None = None) -> None:
    """Exit `code`; stderr has one line saying what went wrong (containing `reason`) and one
    saying what to do (containing `hint`, when given); no traceback."""
    everything = result.stdout + result.stderr
    assert result.returncode == code, everything
    assert "Traceback" not in everything, everything
    assert "report it" not in result.stderr, everything  # the catch-all must not be needed
    lines = result.stderr.splitlines()
    reasons = [line for line in lines if line.startswith("error:")]
    assert len(reasons) == 1, result.stderr
    assert reason in reasons[0], result.stderr
    # and one line says what to do, in the same form for click's own usage errors
    assert "Usage:" not in result.stderr and "Try '" not in result.stderr, result.stderr
    hints = [line for line in lines if line.startswith("  hint: ")]
    assert len(hints) == 1, result.stderr
    if hint is not None:
        assert hint in hints[0], result.stderr


# ---------------------------------------------------------------------------------------------
# The world each case runs in


@dataclass
class World:
    root: Path  # everything below is snapshotted
    work: Path  # where `webkit new` runs: holds a file, a full and an empty directory, links
    project: Path  # a project made by `webkit new shop --no-venv --no-git`
    outside: Path  # an empty directory, in no project
    keep: list = field(default_factory=list)  # sockets and the like, alive during the run

    def fake_venv(self, healthy: bool = True) -> None:
        """A .venv that passes webkit's health check without installing anything."""
        bin_dir = self.project / ".venv" / "bin"
        bin_dir.mkdir(parents=True)
        target = sys.executable if healthy else "/nonexistent/python3"
        (bin_dir / "python").symlink_to(target)
        (self.project / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")

    def edit(self, name: str, old: str, new: str) -> None:
        path = self.project / name
        text = path.read_text()
        assert old in text, (name, old)
        path.write_text(text.replace(old, new))


@pytest.fixture(scope="module")
def rendered(tmp_path_factory) -> Path:
    where = tmp_path_factory.mktemp("rendered")
    result = webkit("new", "shop", "--no-venv", "--no-git", "-y", cwd=where)
    assert result.returncode == 0, result.stderr
    return where / "shop"


@pytest.fixture
def world(tmp_path, rendered) -> World:
    root = tmp_path / "world"
    work, outside = root / "work", root / "outside"
    for directory in (work, outside, root / "elsewhere"):
        directory.mkdir(parents=True)
    (work / "existing-file").write_text("keep me\n")
    (work / "full").mkdir()
    (work / "full" / "notes.txt").write_text("keep me\n")
    (work / "empty").mkdir()
    (work / "dir-link").symlink_to(root / "elsewhere")
    (work / "dangling").symlink_to(root / "nowhere")
    project = root / "proj" / "shop"
    shutil.copytree(rendered, project, symlinks=True)
    return World(root, work, project, outside)


def _taken_port(w: World) -> list[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen()
    w.keep.append(sock)
    return ["--port", str(sock.getsockname()[1])]


def _python2() -> str | None:
    """A Python 2.7 that runs: pyenv's (wherever pyenv keeps its versions), else one on PATH.
    A pyenv shim is no use: it runs only with the developer's own pyenv settings."""
    versions = pyenv_versions()
    found = sorted(versions.glob("2.7*/bin/python2.7")) if versions else []
    if found:
        return str(found[-1])
    on_path = shutil.which("python2.7")
    if on_path and subprocess.run([on_path, "-c", "pass"], capture_output=True).returncode == 0:
        return on_path
    return None


@dataclass(frozen=True)
class Case:
    id: str
    args: tuple[str, ...]
    code: int
    reason: str
    hint: str | None = None
    where: str = "work"  # work | project | outside
    prepare: Callable[[World], list[str] | None] | None = None  # may add arguments
    env: tuple[tuple[str, str], ...] = ()


NEW = ("new", "--no-venv", "--no-git", "-y")
NAME_HINT = "use letters, digits"

BAD_INPUT = [
    # --- project names -------------------------------------------------------------------
    Case("name-missing", ("new", "-y"), 2, "missing the project name", "webkit new NAME"),
    Case("name-empty", (*NEW, ""), 2, "the project name is empty", NAME_HINT),
    Case("name-blank", (*NEW, "   "), 2, "the project name is empty", NAME_HINT),
    Case("name-inner-space", (*NEW, "my shop"), 2, "contains whitespace", NAME_HINT),
    Case("name-tab", (*NEW, "my\tshop"), 2, "contains whitespace", NAME_HINT),
    Case("name-newline", (*NEW, "my\nshop"), 2, "contains whitespace", NAME_HINT),
    Case("name-dotdot", (*NEW, ".."), 2, "is a path, not a name", "--output-dir"),
    Case("name-dot", (*NEW, "."), 2, "is a path, not a name", "--output-dir"),
    Case("name-slash", (*NEW, "a/b"), 2, "is a path, not a name", "--output-dir"),
    Case("name-absolute", (*NEW, "/abs"), 2, "is a path, not a name", "--output-dir"),
    Case("name-traversal", (*NEW, "../escape"), 2, "is a path, not a name", "--output-dir"),
    Case("name-backslash", (*NEW, "a\\b"), 2, "is a path, not a name", "--output-dir"),
    Case("name-dash-option", (*NEW, "-shop"), 2, "no such option", "webkit new --help"),
    Case("name-double-dash", (*NEW, "--shop"), 2, "no such option", "webkit new --help"),
    Case("name-dash-after-ddash", (*NEW, "--", "-shop"), 2, "starts with '-'", "'my-shop'"),
    Case("name-underscore-first", (*NEW, "_shop"), 2, "starts with '_'", "'my-shop'"),
    Case("name-digit-first", (*NEW, "2shop"), 2, "starts with a digit", "'my-2shop'"),
    Case("name-dash-last", (*NEW, "shop-"), 2, "ends with '-'", "'shop'"),
    Case("name-keyword", (*NEW, "class"), 2, "is a Python keyword", "'my-class'"),
    Case("name-keyword-none", (*NEW, "None"), 2, "is a Python keyword", "'my-none'"),
    Case("name-stdlib", (*NEW, "json"), 2, "standard-library module", "'my-json'"),
    Case("name-stdlib-dash", (*NEW, "Email"), 2, "standard-library module", "'my-email'"),
    Case("name-dependency", (*NEW, "flask"), 2, "package the project uses", "'my-flask'"),
    Case("name-dependency-case", (*NEW, "Django"), 2, "package the project uses", "'my-django'"),
    Case("name-dependency-dash", (*NEW, "flask-wtf"), 2, "package the project uses"),
    Case("name-test-dependency", (*NEW, "iniconfig"), 2, "package the project uses"),
    Case("name-gitignored", (*NEW, "build"), 2, "package the project uses", "'my-build'"),
    Case("name-jinja", (*NEW, "{{7*7}}"), 2, "contains '*' '{' '}'", NAME_HINT),
    Case("name-jinja-block", (*NEW, "{%raw%}"), 2, "contains '%' '{' '}'", NAME_HINT),
    Case("name-single-quote", (*NEW, "a'b"), 2, 'contains "\'"', NAME_HINT),
    Case("name-double-quote", (*NEW, 'a"b'), 2, "contains '\"'", NAME_HINT),
    Case("name-shell", (*NEW, "a;rm"), 2, "contains ';'", NAME_HINT),
    Case("name-dollar", (*NEW, "$(id)"), 2, "contains '$' '(' ')'", NAME_HINT),
    Case(
        "name-dot-inside",
        (*NEW, "shop.io"),
        2,
        "contains '.': only letters, digits, '-' and '_' are allowed",
        NAME_HINT,
    ),
    Case("name-non-ascii", (*NEW, "café"), 2, "non-ASCII", NAME_HINT),
    Case("name-emoji", (*NEW, "shop🛒"), 2, "non-ASCII", NAME_HINT),
    Case("name-control", (*NEW, "a\x01b"), 2, "contains '\\x01'", NAME_HINT),
    Case("name-escape", (*NEW, "a\x1b[31mb"), 2, "contains", NAME_HINT),
    Case("name-300", (*NEW, "x" * 300), 2, "300 characters long", "shorter"),
    Case("name-65", (*NEW, "x" * 65), 2, "65 characters long", "shorter"),
    # --- option values -------------------------------------------------------------------
    Case("framework-unknown", (*NEW, "shop", "-f", "rails"), 2, "'rails' is not one of"),
    Case("framework-empty", (*NEW, "shop", "-f", ""), 2, "'' is not one of"),
    Case("db-unknown", (*NEW, "shop", "--db", "oracle"), 2, "'oracle' is not one of"),
    Case(
        "database-url-unknown-scheme",
        (*NEW, "shop", "--database-url", "oracle://localhost/shop"),
        2,
        "is not a PostgreSQL or MySQL URL",
        "mysql://",
    ),
    Case(
        "database-url-sqlite",
        (*NEW, "shop", "--database-url", "sqlite:///shop.db"),
        2,
        "is not a PostgreSQL or MySQL URL",
        "postgresql://",
    ),
    Case(
        "database-url-and-sqlite",
        (*NEW, "shop", "--db", "sqlite", "--database-url", "postgresql://localhost/shop"),
        2,
        "--database-url is a PostgreSQL URL, but --db sqlite",
        "drop one",
    ),
    Case(
        "database-url-mysql-and-postgres",
        (*NEW, "shop", "--db", "postgres", "--database-url", "mysql://root@127.0.0.1/shop"),
        2,
        "--database-url is a MySQL URL, but --db postgres",
        "drop one",
    ),
    Case(
        "database-url-mysql-no-database",
        (*NEW, "shop", "--database-url", "mysql://root@127.0.0.1:3306/"),
        2,
        "names no database",
        "mysql://USER:PASSWORD@HOST:PORT/NAME",
    ),
    Case(
        "database-url-mysql-bad-port",
        (*NEW, "shop", "--database-url", "mysql://root@127.0.0.1:99999/shop"),
        2,
        "has an invalid port",
        "a port is a number",
    ),
    Case(
        "database-url-mysql-no-host",
        (*NEW, "shop", "--database-url", "mysql:///shop"),
        2,
        "names no host",
        "mysql://root@127.0.0.1:3306/shop",
    ),
    Case(
        "database-url-space",
        (*NEW, "shop", "--database-url", "mysql://root@127.0.0.1/my shop"),
        2,
        "contains whitespace",
        "quote nothing",
    ),
    Case("installer-unknown", ("new", "shop", "--installer", "conda"), 2, "'conda' is not one"),
    Case(
        "python-missing-version",
        ("new", "shop", "--python", "3.99", "--no-git"),
        2,
        "Python 3.99 was not found",
        "uv python install 3.99",
    ),
    Case(
        "python-missing-path",
        ("new", "shop", "--python", "/nonexistent/python3", "--no-git"),
        2,
        "no such file",
        "pass a version",
    ),
    Case(
        "python-not-python",
        ("new", "shop", "--python", "existing-file", "--no-git"),
        2,
        "does not run as Python 3",
        "pass a version",
    ),
    Case(
        "python-2",
        ("new", "shop", "--python", "PYTHON2", "--no-git"),
        2,
        "is too old",
        "--python 3.10",
    ),
    Case(
        "python-2-version",
        ("new", "shop", "--python", "2.7", "--no-git"),
        2,
        "is too old",
        "--python 3.10",
    ),
    Case("serve-port-high", ("serve", "--port", "70000"), 2, "70000 is not in the range"),
    Case("serve-port-negative", ("serve", "--port", "-1"), 2, "-1 is not in the range"),
    Case("serve-port-text", ("serve", "--port", "http"), 2, "'http' is not a valid integer"),
    Case(
        "serve-port-taken",
        ("serve",),
        2,
        "is already in use",
        "--port 0 picks a free one",
        where="project",
        prepare=lambda w: (w.fake_venv(), _taken_port(w))[1],
    ),
    Case(
        "serve-host-bad",
        ("serve", "--host", "999.1.1.1", "--port", "0"),
        2,
        "is not an address of this machine",
        "127.0.0.1",
        where="project",
        prepare=lambda w: w.fake_venv(),
    ),
    Case("setup-installer", ("setup", "--installer", "conda"), 2, "'conda' is not one of"),
    Case(
        "setup-python-missing",
        ("setup", "--python", "3.99"),
        2,
        "Python 3.99 was not found",
        "uv python install",
        where="project",
    ),
    Case(
        "deploy-domain-space",
        ("deploy-config", "--domain", "shop example.com"),
        2,
        "is not a valid host name",
        "--domain shop.example.com",
        where="project",
    ),
    Case(
        "deploy-domain-semicolon",
        ("deploy-config", "--domain", "example.com;rm -rf /"),
        2,
        "is not a valid host name",
        "--domain shop.example.com",
        where="project",
    ),
    Case(
        "deploy-domain-newline",
        ("deploy-config", "--domain", "example.com\nserver_name evil"),
        2,
        "is not a valid host name",
        where="project",
    ),
    Case(
        "deploy-domain-url",
        ("deploy-config", "--domain", "https://example.com/"),
        2,
        "is not a valid host name",
        where="project",
    ),
    Case(
        "deploy-target-unknown",
        ("deploy-config", "--target", "nginx,helm"),
        2,
        "unknown target 'helm'",
        "choose from",
        where="project",
    ),
    Case(
        "deploy-port-zero",
        ("deploy-config", "--port", "0"),
        2,
        "is not a whole number from 1 to 65535",
        where="project",
    ),
    Case(
        "deploy-workers-text",
        ("deploy-config", "--workers", "many"),
        2,
        "is not a whole number from 1 to 512",
        where="project",
    ),
    Case(
        "deploy-user-root",
        ("deploy-config", "--user", "root"),
        2,
        "--user root would run the app with every privilege",
        "--user app",
        where="project",
    ),
    Case(
        "deploy-user-shell",
        ("deploy-config", "--user", "app;id"),
        2,
        "is not a valid user name",
        where="project",
    ),
    Case(
        "deploy-app-dir-relative",
        ("deploy-config", "--app-dir", "srv/shop"),
        2,
        "is not an absolute path",
        where="project",
    ),
    Case(
        "deploy-app-dir-traversal",
        ("deploy-config", "--app-dir", "/srv/../etc"),
        2,
        "is not a plain path",
        where="project",
    ),
    Case(
        "deploy-output-absolute",
        ("deploy-config", "--output", "/etc"),
        2,
        "must be a relative path inside the project",
        where="project",
    ),
    Case(
        "deploy-output-traversal",
        ("deploy-config", "--output", "../out"),
        2,
        "is not a plain path",
        where="project",
    ),
    Case(
        "deploy-diff-and-dry-run",
        ("deploy-config", "--diff", "--dry-run"),
        2,
        "--diff and --dry-run cannot be combined",
        where="project",
    ),
    # --- places ----------------------------------------------------------------------------
    Case("target-is-file", (*NEW, "existing-file"), 2, "is not a directory", "another name"),
    Case("target-not-empty", (*NEW, "full"), 2, "is not empty", "never writes into"),
    Case("target-not-empty-force", (*NEW, "full", "--force"), 2, "is not empty"),
    Case("target-empty-no-force", (*NEW, "empty"), 2, "already exists (empty)", "--force"),
    Case("target-symlink", (*NEW, "dir-link", "--force"), 2, "is not a directory"),
    Case("target-dangling-symlink", (*NEW, "dangling"), 2, "is not a directory"),
    Case("output-missing", (*NEW, "shop", "-o", "missing"), 2, "does not exist", "mkdir -p"),
    Case("output-is-file", (*NEW, "shop", "-o", "existing-file"), 2, "is a file"),
    Case(
        "inside-a-project",
        (*NEW, "inner"),
        2,
        "/proj/shop is a webkit project",
        "--output-dir",
        where="project",
    ),
    Case(
        "inside-a-project-below",
        (*NEW, "inner", "-o", "shop/static"),
        2,
        "is inside the webkit project",
        where="project",
    ),
    # --- project state ---------------------------------------------------------------------
    Case(
        "serve-outside",
        ("serve",),
        2,
        "is not inside a webkit project",
        "webkit new NAME",
        where="outside",
    ),
    Case(
        "setup-outside",
        ("setup",),
        2,
        "is not inside a webkit project",
        "webkit new NAME",
        where="outside",
    ),
    Case(
        "deploy-outside",
        ("deploy-config",),
        2,
        "is not inside a webkit project",
        "webkit new NAME",
        where="outside",
    ),
    Case(
        "no-webkit-table",
        ("serve",),
        2,
        "has no [tool.webkit] table",
        "webkit new NAME",
        where="project",
        prepare=lambda w: w.edit("pyproject.toml", "[tool.webkit", "[tool.other"),
    ),
    Case(
        "webkit-table-without-framework",
        ("serve",),
        2,
        "framework = None is not one webkit knows",
        "set it to one of: flask, django",
        where="project",
        prepare=lambda w: w.edit("pyproject.toml", 'framework = "flask"\n', ""),
    ),
    Case(
        "webkit-table-not-a-table",
        ("setup",),
        2,
        "has no [tool.webkit] table",
        where="project",
        prepare=lambda w: (
            w.edit("pyproject.toml", "[tool.webkit.answers]", "[tool.other.answers]"),
            w.edit("pyproject.toml", "[tool.webkit]\n", '[tool]\nwebkit = "flask"\n[tool.other]\n'),
        ),
    ),
    Case(
        "malformed-toml",
        ("setup",),
        2,
        "is not valid TOML",
        "fix the file",
        where="project",
        prepare=lambda w: w.edit("pyproject.toml", "[tool.webkit]", "[tool.webkit"),
    ),
    Case(
        "toml-not-utf8",
        ("serve",),
        2,
        "is not valid TOML",
        where="project",
        prepare=lambda w: (w.project / "pyproject.toml").write_bytes(
            (w.project / "pyproject.toml").read_bytes().replace(b'"shop"', b'"sh\xffop"', 1)
        ),
    ),
    Case(
        "unknown-framework",
        ("deploy-config",),
        2,
        "framework = 'rails' is not one webkit knows",
        "flask, django",
        where="project",
        prepare=lambda w: w.edit("pyproject.toml", 'framework = "flask"', 'framework = "rails"'),
    ),
    Case(
        "framework-not-a-string",
        ("serve",),
        2,
        "is not one webkit knows",
        where="project",
        prepare=lambda w: w.edit("pyproject.toml", 'framework = "flask"', "framework = 1"),
    ),
    Case(
        "package-traversal",
        ("serve",),
        2,
        "is not a Python package name",
        where="project",
        prepare=lambda w: w.edit("pyproject.toml", 'package = "shop"', 'package = "../shop"'),
    ),
    Case(
        "venv-deleted",
        ("serve",),
        1,
        "the project's .venv is missing",
        "webkit setup",
        where="project",
    ),
    Case(
        "venv-broken",
        ("serve", "--prod"),
        1,
        "the project's .venv is broken",
        "webkit setup",
        where="project",
        prepare=lambda w: w.fake_venv(healthy=False),
    ),
    Case(
        "venv-without-pyvenv-cfg",
        ("serve",),
        1,
        "the project's .venv is broken",
        "webkit setup",
        where="project",
        prepare=lambda w: (w.fake_venv(), (w.project / ".venv" / "pyvenv.cfg").unlink()),
    ),
    Case(
        "env-without-secret-key",
        ("serve", "--prod", "--port", "0"),
        2,
        "SECRET_KEY is not set in the environment or in .env",
        "secrets.token_urlsafe",
        where="project",
        prepare=lambda w: (
            w.fake_venv(),
            w.edit(".env", "SECRET_KEY=", "#SECRET_KEY="),
        ),
    ),
    Case(
        "env-not-utf8",
        ("serve", "--prod", "--port", "0"),
        2,
        "cannot read",
        ".env.example",
        where="project",
        prepare=lambda w: (w.fake_venv(), (w.project / ".env").write_bytes(b"SECRET_KEY=\xff\n")),
    ),
    Case(
        "deploy-manifest-broken",
        ("deploy-config",),
        2,
        "is not a manifest webkit can read",
        "restore it from git",
        where="project",
        prepare=lambda w: (
            (w.project / "deploy").mkdir(),
            (w.project / "deploy" / ".webkit-manifest.json").write_text("{not json"),
        ),
    ),
]


@pytest.mark.parametrize("case", BAD_INPUT, ids=[c.id for c in BAD_INPUT])
def test_bad_input_is_refused_clearly_and_touches_nothing(world, case):
    args = list(case.args)
    if "PYTHON2" in args or "2.7" in args:
        python2 = _python2()
        if python2 is None:
            if REQUIRE_TOOLS:
                pytest.fail("no Python 2.7 installed (WEBKIT_REQUIRE_TOOLS=1 forbids skipping)")
            pytest.skip("no Python 2.7 installed")
        args = [python2 if a == "PYTHON2" else a for a in args]
    extra = case.prepare(world) if case.prepare else None
    if isinstance(extra, list):
        args += extra
    cwd = {"work": world.work, "project": world.project, "outside": world.outside}[case.where]
    before = snapshot(world.root)
    try:
        result = webkit(*args, cwd=cwd, env=dict(case.env))
    finally:
        for resource in world.keep:
            resource.close()
    assert_clear_failure(result, case.code, case.reason, case.hint)
    assert snapshot(world.root) == before


def test_the_table_is_large_and_covers_every_command():
    assert len(BAD_INPUT) >= 40
    commands = {case.args[0] for case in BAD_INPUT}
    assert commands == {"new", "serve", "setup", "deploy-config"}
    assert len({case.id for case in BAD_INPUT}) == len(BAD_INPUT)


def _unshare_works() -> bool:
    unshare = shutil.which("unshare")
    if unshare is None:
        return False
    probe = subprocess.run(
        [unshare, "--map-root-user", "--mount", "true"], capture_output=True, timeout=30
    )
    return probe.returncode == 0


def need_private_mounts() -> None:
    """Mount namespaces (unshare, util-linux) let a test mount a read-only or tiny filesystem
    that only its own process sees, even as root."""
    need_tool("unshare")
    if not _unshare_works():
        message = "unshare --map-root-user --mount is not permitted here"
        if REQUIRE_TOOLS:
            pytest.fail(f"{message} (WEBKIT_REQUIRE_TOOLS=1 forbids skipping)")
        pytest.skip(message)


def run_with_mount(
    directory: Path, mount_args: list[list[str]], argv: list[str], cwd: Path, walk: bool = False
):
    """Mount (each argv of `mount_args`) in a private namespace, run webkit there, and return
    (result, what is left in `directory` as that namespace saw it: the names in it, or with
    `walk` every path below it). The mounts end with the namespace."""
    script = (
        "import json, os, subprocess, sys\n"
        "spec = json.loads(sys.argv[1])\n"
        "for argv in spec['mounts']:\n"
        "    subprocess.run(argv, check=True)\n"
        "run = subprocess.run(spec['argv'], cwd=spec['cwd'], capture_output=True, text=True,\n"
        "                     errors='replace', stdin=subprocess.DEVNULL)\n"
        "top = spec['directory']\n"
        "if spec['walk']:\n"
        "    left = sorted(os.path.relpath(os.path.join(d, n), top)\n"
        "                  for d, dirs, files in os.walk(top) for n in dirs + files)\n"
        "else:\n"
        "    left = sorted(os.listdir(top))\n"
        "print(json.dumps({'code': run.returncode, 'stdout': run.stdout, 'stderr': run.stderr,\n"
        "                  'left': left}))\n"
    )
    spec = {
        "mounts": mount_args,
        "argv": argv,
        "cwd": str(cwd),
        "directory": str(directory),
        "walk": walk,
    }
    clean = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    outer = subprocess.run(
        ["unshare", "--map-root-user", "--mount", sys.executable, "-c", script, json.dumps(spec)],
        capture_output=True,
        text=True,
        timeout=300,
        env={**clean, "NO_COLOR": "1", "COLUMNS": "200", "PYTHONPATH": str(REPO)},
    )
    assert outer.returncode == 0, outer.stderr
    data = json.loads(outer.stdout.splitlines()[-1])
    result = subprocess.CompletedProcess(argv, data["code"], data["stdout"], data["stderr"])
    return result, data["left"]


def test_read_only_parent_is_refused(tmp_path):
    """A read-only parent directory (a read-only bind mount: as root, permissions alone would
    not stop webkit from writing)."""
    need_private_mounts()
    parent = tmp_path / "ro"
    parent.mkdir()
    (parent / "mine.txt").write_text("keep me\n")
    before = snapshot(tmp_path)
    result, left = run_with_mount(
        parent,
        [
            ["mount", "--bind", str(parent), str(parent)],
            ["mount", "-o", "remount,bind,ro", str(parent)],
        ],
        [sys.executable, "-m", "webkit_cli", "new", "shop", "--no-venv", "--no-git", "-y"],
        cwd=parent,
    )
    assert_clear_failure(result, 2, f"cannot write in {parent}", "--output-dir")
    assert left == ["mine.txt"]
    assert snapshot(tmp_path) == before


# ---------------------------------------------------------------------------------------------
# The name rules, property-based

FORBIDDEN_IN_ACCEPTED = set(" \t\r\n/\\.'\"`$;&|<>(){}[]*?!#%~=:,@+^")


def _one_line(text: str | None) -> bool:
    return bool(text) and "\n" not in text and "\r" not in text


@settings(max_examples=600, deadline=None)
@given(st.text(max_size=80) | st.from_regex(r"[A-Za-z_0-9-]{0,70}", fullmatch=True))
@example("")
@example("a" * 64)
@example("a" * 65)
@example("-")
@example("match")
@example("Typing_Extensions")
def test_validate_accepts_only_safe_importable_names(name):
    try:
        result = names.validate(name)
    except UsageError as error:
        assert error.exit_code == 2
        assert _one_line(error.message) and _one_line(error.hint)
        return
    assert result.directory == name
    assert 1 <= len(name) <= names.MAX_LENGTH
    assert name.isascii() and not (set(name) & FORBIDDEN_IN_ACCEPTED)
    assert result.package.isidentifier() and result.package.isascii()
    assert result.package.islower()
    assert not result.package.startswith("_")
    assert result.package not in sys.stdlib_module_names
    assert result.package not in names.RESERVED
    assert result.package == name.lower().replace("-", "_")
    assert result.distribution == re.sub(r"[-_]+", "-", name).lower()


# Names that are close to valid: keywords, standard-library and dependency names, edge lengths.
near_valid = st.sampled_from(
    sorted(
        {
            *__import__("keyword").kwlist,
            *(n for n in sys.stdlib_module_names if not n.startswith("_")),
            *names.RESERVED,
        }
    )
) | st.from_regex(r"[-_0-9][A-Za-z0-9_-]{0,10}|[A-Za-z][A-Za-z0-9_-]{0,8}[-_]", fullmatch=True)


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(name=st.text(min_size=0, max_size=40) | near_valid)
def test_refused_names_leave_no_trace(name):
    try:
        names.validate(name)
    except UsageError:
        pass
    else:
        assume(False)
    with tempfile.TemporaryDirectory(prefix="webkit-refused-") as scratch:
        where = Path(scratch)
        result = CliRunner().invoke(
            cli,
            ["--no-color", "new", "--no-venv", "--no-git", "-y", "-o", str(where), "--", name],
        )
        assert result.exit_code == 2, result.output
        assert result.exception is None or isinstance(result.exception, SystemExit)
        assert "Traceback" not in result.output
        assert list(where.iterdir()) == []


def test_names_the_projects_git_ignore_are_refused():
    """A package in a directory that the project's .gitignore leaves out would never be
    committed: every such directory name is refused."""
    for gitignore in (REPO / "templates").glob("*/*/.gitignore"):
        for line in gitignore.read_text().splitlines():
            entry = line.strip().rstrip("/")
            if not entry or entry.startswith("#") or any(c in entry for c in "*?[!/."):
                continue
            with pytest.raises(UsageError):
                names.validate(entry)


# ---------------------------------------------------------------------------------------------
# Accepted names render projects whose package imports (e2e: needs the frameworks installed)


@pytest.fixture(scope="module")
def probe_venvs(tmp_path_factory) -> dict[str, Path]:
    """One installed project per framework; its .venv runs the other renders' code."""
    from tests.test_e2e_new import build

    return {fw: build(tmp_path_factory, fw, "uv").root / ".venv" for fw in ("flask", "django")}


IMPORT_CHECK = {
    # the package imports from the project root, is the project's own, and builds a working app
    "flask": (
        "import importlib, os, sys\n"
        "pkg = importlib.import_module(sys.argv[1])\n"
        "assert os.path.dirname(pkg.__file__) == os.path.join(os.getcwd(), sys.argv[1])\n"
        "app = pkg.create_app('testing')\n"
        "assert app.test_client().get('/healthz').status_code == 200\n"
        "import wsgi\n"
        "print('IMPORTED', pkg.__name__)\n"
    ),
    "django": (
        "import importlib, os, sys\n"
        "os.environ.setdefault('DJANGO_SETTINGS_MODULE', 'config.settings')\n"
        "import django\n"
        "django.setup()\n"
        "pkg = importlib.import_module(sys.argv[1])\n"
        "assert os.path.dirname(pkg.__file__) == os.path.join(os.getcwd(), sys.argv[1])\n"
        "from django.apps import apps\n"
        "assert apps.get_app_config(sys.argv[1].rsplit('.', 1)[-1])\n"
        "from django.core.management import call_command\n"
        "call_command('check')\n"
        "print('IMPORTED', pkg.__name__)\n"
    ),
}


def _accepted(name: str) -> bool:
    try:
        names.validate(name)
    except UsageError:
        return False
    return True


valid_names = st.from_regex(r"[A-Za-z][A-Za-z0-9_-]{0,63}", fullmatch=True).filter(_accepted)


@pytest.mark.e2e
@pytest.mark.parametrize("framework", ["flask", "django"])
def test_accepted_names_render_a_project_whose_package_imports(probe_venvs, framework):
    python = probe_venvs[framework] / "bin" / "python"
    clean = {k: v for k, v in os.environ.items() if k not in {"VIRTUAL_ENV", "PYTHONPATH"}}

    @settings(max_examples=12, deadline=None, database=None)
    @given(name=valid_names)
    @example(name="A")
    @example(name="x" * 64)
    @example(name="My_Shop")
    @example(name="a-b_c")
    @example(name="match")  # soft keywords are valid module names
    @example(name="app")
    @example(name="api")
    def check(name: str) -> None:
        with tempfile.TemporaryDirectory(prefix="webkit-accepted-") as scratch:
            args = ["--no-color", "new", name, "-f", framework, "--no-venv", "--no-git", "-y"]
            result = CliRunner().invoke(cli, [*args, "-o", scratch])
            assert result.exit_code == 0, result.output
            root = Path(scratch) / name
            package = names.validate(name).package
            run = subprocess.run(
                [str(python), "-c", IMPORT_CHECK[framework], package],
                cwd=root,
                capture_output=True,
                text=True,
                timeout=120,
                env={**clean, "PYTHONDONTWRITEBYTECODE": "1"},
            )
            assert run.returncode == 0 and f"IMPORTED {package}" in run.stdout, (
                name,
                run.stdout[-2000:] + run.stderr[-2000:],
            )

    check()


@pytest.mark.e2e
def test_no_accepted_name_shadows_a_module_the_projects_install(probe_venvs):
    """Every top-level module installed in a generated project's .venv (its dependencies,
    theirs, and the dev tools) is refused as a name: a package of that name at the project
    root would shadow it (a project named `iniconfig` breaks `python -m pytest`)."""
    code = (
        "import importlib.metadata as m, json\n"
        "print(json.dumps(sorted(m.packages_distributions())))\n"
    )
    shadowing = []
    for framework, venv in probe_venvs.items():
        listed = subprocess.run(
            [str(venv / "bin" / "python"), "-c", code], capture_output=True, text=True, check=True
        )
        for module in json.loads(listed.stdout):
            if not module.isidentifier() or module.startswith("_"):
                continue
            if module in {"pip", "setuptools", "pkg_resources", "distutils"} - names.RESERVED:
                continue  # seeded by virtualenv, not imported by the project
            if _accepted(module):
                shadowing.append((framework, module))
    assert shadowing == []


def test_python2_is_found_wherever_home_is(monkeypatch, tmp_path):
    """The cases above that need Python 2.7 find it where pyenv says its versions are, not
    under the developer's home: with HOME elsewhere they still run it."""
    monkeypatch.setenv("HOME", str(tmp_path))
    python2 = _python2()
    if python2 is None:
        if REQUIRE_TOOLS:
            pytest.fail("no Python 2.7 installed (WEBKIT_REQUIRE_TOOLS=1 forbids skipping)")
        pytest.skip("no Python 2.7 installed")
    ran = subprocess.run(
        [python2, "-c", "import sys; print(sys.version_info[:2])"], capture_output=True, text=True
    )
    assert ran.stdout.strip() == "(2, 7)", ran.stderr
