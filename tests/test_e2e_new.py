"""End to end: `webkit new` builds real projects, installs real packages, and the generated
project's own tests, linters and checks pass. Slow: marked e2e (deselect with -m "not e2e")."""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import REPO, in_venv, tree, webkit
from webkit_cli import project as projects
from webkit_cli import project_commands
from webkit_cli.interpreters import _pyenv_candidates
from webkit_cli.locks import read_lock

pytestmark = pytest.mark.e2e

FRAMEWORKS = ["flask", "django"]
PROD_SECRET = "p" * 20 + "-Q9x!z" * 8  # long, varied: passes Django's secret key checks


@dataclass
class Built:
    root: Path
    framework: str
    installer: str
    output: str


_cache: dict[tuple[str, str, str | None], Built] = {}


def build(tmp_path_factory, framework: str, installer: str, python: str | None = None) -> Built:
    key = (framework, installer, python)
    if key not in _cache:
        where = tmp_path_factory.mktemp(f"{framework}-{installer}")
        args = ["new", "my-shop", "--framework", framework, "--installer", installer, "-y"]
        if python:
            args += ["--python", python]
        result = webkit(*args, cwd=where)
        assert result.returncode == 0, result.stdout + result.stderr
        _cache[key] = Built(where / "my-shop", framework, installer, result.stdout)
    return _cache[key]


@pytest.fixture(
    scope="module",
    params=[(f, i) for f in FRAMEWORKS for i in ("uv", "pip")],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def built(request, tmp_path_factory) -> Built:
    framework, installer = request.param
    return build(tmp_path_factory, framework, installer)


def test_new_reports_each_step_and_next_steps(built):
    for line in [
        "Rendered my-shop/",
        "Created .venv with Python",
        "Installed the dependencies",
        "Initialised git",
        "Next steps:",
        "cd my-shop",
        "webkit serve",
    ]:
        assert line in built.output
    assert f"packages with {built.installer}" in built.output
    # two steps, the migration beside the dev install; or, where this test session's cache
    # has the database from an earlier project of the same kind, one install (uv only)
    one_install = "Installed the dependencies and the dev tools (" in built.output
    assert one_install != (
        "Applied the initial migration and installed the dev tools" in built.output
    )
    assert not one_install or built.installer == "uv"


def test_project_layout_and_webkit_table(built):
    proj = projects.find(built.root / "my_shop")
    assert proj.root == built.root
    assert proj.framework.name == built.framework
    assert proj.package == "my_shop"
    for name in [
        "pyproject.toml",
        "README.md",
        ".gitignore",
        ".editorconfig",
        ".env.example",
        ".pre-commit-config.yaml",
        ".github/workflows/tests.yml",
        "gunicorn.conf.py",
        "requirements.lock",
        "requirements-dev.lock",
        "my_shop/__init__.py",
        "tests",
    ]:
        assert (built.root / name).exists(), name


def test_secret_env_is_private_and_untracked(built):
    env = built.root / ".env"
    assert stat.S_IMODE(env.stat().st_mode) == 0o600
    secret = next(
        line.split("=", 1)[1]
        for line in env.read_text().splitlines()
        if line.startswith("SECRET_KEY=")
    )
    assert len(secret) >= 50
    tracked = subprocess.run(["git", "ls-files"], cwd=built.root, capture_output=True, text=True)
    assert ".env" not in tracked.stdout.split()
    assert ".env.example" in tracked.stdout.split()
    grep = subprocess.run(["git", "grep", "-F", "-e", secret], cwd=built.root, capture_output=True)
    assert grep.returncode == 1, "the secret key is in a tracked file"
    log = subprocess.run(
        ["git", "log", "--oneline"], cwd=built.root, capture_output=True, text=True
    )
    assert len(log.stdout.splitlines()) == 1


def test_lock_files_pin_what_is_installed(built):
    runtime = projects.load(built.root)
    lock = (built.root / "requirements.lock").read_text()
    dev_lock = (built.root / "requirements-dev.lock").read_text()
    pins = [line for line in dev_lock.splitlines() if line and not line.startswith("#")]
    assert all("==" in pin for pin in pins)
    framework_pin = next(p for p in pins if p.lower().startswith(built.framework + "=="))
    assert framework_pin in lock
    assert "pytest==" in dev_lock and "pytest==" not in lock
    assert len(runtime.dependencies) > 2
    freeze = in_venv(built.root, "-m", "pip", "freeze")
    assert framework_pin.lower() in freeze.stdout.lower()


def test_generated_project_tests_pass(built):
    result = in_venv(built.root, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout
    assert "failed" not in result.stdout


def test_generated_project_is_ruff_clean(built):
    for args in (["check", "."], ["format", "--check", "."]):
        result = in_venv(built.root, "-m", "ruff", *args)
        assert result.returncode == 0, result.stdout + result.stderr


def test_no_template_leftovers(built):
    tracked = subprocess.run(["git", "ls-files"], cwd=built.root, capture_output=True, text=True)
    for name in tracked.stdout.split():
        text = (built.root / name).read_text(errors="replace")
        assert "cookiecutter" not in text, name
        assert "{% raw %}" not in text and "{% endraw %}" not in text, name


def test_migrations_are_applied(built):
    from webkit_cli import project_commands

    assert project_commands.migrations_pending(projects.load(built.root)) is False


def test_the_sqlite_database_keeps_a_write_ahead_log_that_git_ignores(built):
    import sqlite3

    database = {
        "flask": built.root / "instance" / "my_shop.db",
        "django": built.root / "db.sqlite3",
    }[built.framework]
    with contextlib.closing(sqlite3.connect(database)) as connection:
        assert connection.execute("PRAGMA journal_mode").fetchone() == ("wal",)
        connection.execute("CREATE TABLE probe (x)")  # a write leaves the -wal and -shm files
        files = {p.name for p in database.parent.iterdir() if p.name.startswith(database.name)}
        assert files == {database.name, f"{database.name}-wal", f"{database.name}-shm"}
        status = subprocess.run(
            ["git", "status", "--porcelain", "--ignored"],
            cwd=built.root,
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        connection.execute("DROP TABLE probe")
    seen = [line for line in status.splitlines() if database.name in line or "instance" in line]
    assert seen and all(line.startswith("!!") for line in seen), status  # ignored, all three


def test_the_framework_packages_to_precompile_exist_and_are_compiled(built):
    """`webkit new` compiles these folders while the migration runs; a framework release that
    moves them would make that a silent no-op."""
    from webkit_cli import virtualenvs

    proj = projects.load(built.root)
    site = virtualenvs.site_packages(proj.venv)
    assert proj.framework.precompile
    for part in proj.framework.precompile:
        folder = site / part
        assert (folder / "__init__.py").is_file(), part
        assert list(folder.glob("__pycache__/__init__.*.pyc")), part


def test_the_migration_finds_every_module_it_imports_compiled(built):
    """With uv, the bytecode comes from webkit's cache, which this `new` filled (what the
    precompile compiled, and what the migration compiled itself): take it all away, restore it
    from the cache as the next `new` does, and the migration compiles nothing. pip compiles
    every module as it installs."""
    from webkit_cli import bytecode, project_commands, virtualenvs

    proj = projects.load(built.root)
    site = virtualenvs.site_packages(proj.venv)
    if built.installer == "uv":
        for folder in list(site.rglob("__pycache__")):
            shutil.rmtree(folder)
        bytecode.restore_bytecode(proj.python)
    before = {path: path.stat().st_mtime_ns for path in site.rglob("*.pyc")}
    assert len(before) > 300
    assert project_commands.migrations_pending(proj) is False
    after = {path: path.stat().st_mtime_ns for path in site.rglob("*.pyc")}
    assert sorted(map(str, set(after) - set(before))) == []
    assert after == before


def test_setup_on_a_healthy_project_changes_nothing(built):
    before = tree(built.root / "my_shop")
    lock_before = (built.root / "requirements-dev.lock").read_text()
    result = webkit("setup", "--installer", built.installer, cwd=built.root / "my_shop")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Nothing to do" in result.stdout
    assert (built.root / "requirements-dev.lock").read_text() == lock_before
    assert tree(built.root / "my_shop") == before


DEPLOY_CHECK = {
    "django": (
        ["manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        {"DEBUG": "0", "SECRET_KEY": PROD_SECRET, "ALLOWED_HOSTS": "example.com"},
    ),
    "django-migrations": (["manage.py", "makemigrations", "--check", "--dry-run"], {}),
    "flask": (["-m", "flask", "--app", "my_shop", "db", "check"], {}),
}


def test_framework_checks_are_clean(built):
    for key, (args, env) in DEPLOY_CHECK.items():
        if key.split("-")[0] != built.framework:
            continue
        result = in_venv(built.root, *args, env=env)
        assert result.returncode == 0, result.stdout + result.stderr


def test_setup_repairs_a_deleted_venv(tmp_path_factory):
    built = build(tmp_path_factory, "flask", "uv")
    import shutil

    shutil.rmtree(built.root / ".venv")
    result = webkit("--verbose", "setup", cwd=built.root)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Created .venv" in result.stdout
    assert "Installed requirements-dev.lock" in result.stdout
    # the lock's exact versions came from uv's cache, which the build above filled: one
    # install, offline, and no round trip to the index
    installs = [line for line in result.stdout.splitlines() if "uv pip install" in line]
    assert len(installs) == 1 and "--offline -r" in installs[0], installs
    tests = in_venv(built.root, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert tests.returncode == 0, tests.stdout[-2000:]


def _python(version: str) -> str | None:
    found = _pyenv_candidates(*map(int, version.split(".")), None)
    return found[0] if found else None


@pytest.mark.parametrize(("python", "major"), [("3.11", "5"), ("3.12", "6")])
def test_django_version_follows_python(tmp_path_factory, python, major):
    if _python(python) is None and sys.version_info[:2] != tuple(map(int, python.split("."))):
        pytest.skip(f"Python {python} is not installed")
    built = build(tmp_path_factory, "django", "uv", python)
    lock = (built.root / "requirements.lock").read_text()
    assert f"django=={major}." in lock.lower()
    result = in_venv(built.root, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert result.returncode == 0, result.stdout[-3000:]


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_dry_run_prints_the_plan_and_writes_nothing(tmp_path, framework):
    before = tree(tmp_path)
    result = webkit("new", "shop", "--framework", framework, "--dry-run", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "dry run: nothing is written" in result.stdout
    assert "pyproject.toml" in result.stdout and "gunicorn.conf.py" in result.stdout
    assert "virtualenv .venv --python" in result.stdout
    assert "Install with uv: the runtime dependencies (resolved with `uv pip compile`" in (
        result.stdout
    )
    assert "then the dev group while the migration runs" in result.stdout
    assert "git init" in result.stdout
    assert tree(tmp_path) == before


def test_wheel_carries_the_templates(tmp_path):
    dist = tmp_path / "dist"
    built = subprocess.run(
        [sys.executable, "-m", "build", "--wheel", "--outdir", str(dist), str(REPO)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert built.returncode == 0, built.stdout[-2000:] + built.stderr[-2000:]
    wheel = next(dist.glob("webkit_cli-*.whl"))
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    install = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", str(wheel)],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert install.returncode == 0, install.stderr[-2000:]
    work = tmp_path / "work"
    work.mkdir()
    for framework in FRAMEWORKS:
        result = subprocess.run(
            [
                str(venv / "bin" / "webkit"),
                "new",
                f"{framework}-app",
                "--framework",
                framework,
                "--no-venv",
                "--no-git",
            ],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "NO_COLOR": "1"},
        )
        assert result.returncode == 0, result.stdout + result.stderr
        project = work / f"{framework}-app"
        assert (project / "pyproject.toml").is_file()
        assert (project / ".env").is_file()
        # pip compiled the template's .py files as it installed the wheel: none of that
        # bytecode is listed by --dry-run or reaches a project.
        assert not list(project.rglob("__pycache__")), "bytecode copied from the template"
        plan = subprocess.run(
            [str(venv / "bin" / "webkit"), "new", "x-app", "-f", framework, "--dry-run"],
            cwd=work,
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "NO_COLOR": "1"},
        )
        assert plan.returncode == 0, plan.stderr
        assert ".pyc" not in plan.stdout and "__pycache__" not in plan.stdout


def test_exported_database_url_does_not_redirect_a_sqlite_project(tmp_path):
    result = webkit(
        "new",
        "app",
        "--framework",
        "flask",
        "--no-git",
        "-y",
        cwd=tmp_path,
        env={"DATABASE_URL": "postgresql://127.0.0.1:9/elsewhere"},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # migrated here, or given the database of an earlier project's migration (schema cache)
    assert re.search(r"Applied the initial migration|migrated database", result.stdout)
    assert list((tmp_path / "app" / "instance").glob("*.db"))
    proj = projects.load(tmp_path / "app")
    assert project_commands.migrations_pending(proj) is False


def test_a_moved_project_gets_a_new_venv_from_setup(tmp_path):
    """A venv does not move: its scripts name the old place's Python. serve says so, and setup
    recreates .venv instead of calling it healthy."""
    result = webkit("new", "mover", "--no-git", "-y", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    (tmp_path / "elsewhere").mkdir()
    root = tmp_path / "elsewhere" / "moved"
    (tmp_path / "mover").rename(root)

    serve = webkit("serve", "--port", "0", cwd=root, timeout=60)
    assert serve.returncode == 1, serve.stdout + serve.stderr
    old = tmp_path / "mover" / ".venv"
    assert f"error: the project's .venv is from another folder, {old}" in serve.stderr
    assert "webkit setup" in serve.stderr

    setup = webkit("setup", cwd=root)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert "Created .venv with Python" in setup.stdout and str(old) in setup.stdout
    assert "Nothing to do" not in setup.stdout
    tests = subprocess.run(
        [str(root / ".venv" / "bin" / "pytest"), "-q", "-p", "no:cacheprovider"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert tests.returncode == 0, tests.stdout[-2000:] + tests.stderr[-2000:]
    again = webkit("setup", cwd=root)
    assert "Nothing to do" in again.stdout, again.stdout + again.stderr


@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_setup_upgrade_keeps_the_dev_tools_out_of_the_runtime_lock(tmp_path, installer):
    """requirements.lock is what the Dockerfile installs: the runtime dependencies only, also
    when `setup --upgrade` rewrites it in a .venv that holds the dev group."""
    made = webkit("new", "upgrader", "--installer", installer, "--no-git", "-y", cwd=tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    root = tmp_path / "upgrader"
    dev_tools = {"pytest", "pytest-cov", "coverage", "ruff", "pluggy", "iniconfig"}

    def names(lock: str) -> set[str]:
        return {pin.split("==")[0].lower() for pin in read_lock(root / lock)}

    assert not names("requirements.lock") & dev_tools
    result = webkit("setup", "--upgrade", "--installer", installer, cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    runtime, everything = names("requirements.lock"), names("requirements-dev.lock")
    assert not runtime & dev_tools, runtime & dev_tools
    assert {"flask", "gunicorn", "sqlalchemy"} <= runtime
    assert dev_tools <= everything and runtime <= everything
    tests = in_venv(root, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert tests.returncode == 0, tests.stdout[-2000:]


@pytest.mark.parametrize("skipped", ["--no-git", "--no-install"])
def test_setup_does_later_what_new_skipped(tmp_path, skipped):
    """README: --no-venv, --no-install, --no-git skip those steps and `webkit setup` does them
    later, git included: the repository, or the lock files a later install writes, committed."""
    made = webkit("new", "later", skipped, "-y", cwd=tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    root = tmp_path / "later"
    setup = webkit("setup", cwd=root)
    assert setup.returncode == 0, setup.stdout + setup.stderr
    done = {"--no-git": "Created the git repository with a first commit"}
    assert done.get(skipped, "Committed requirements.lock and requirements-dev.lock") in (
        setup.stdout
    )

    def git(*args: str) -> str:
        ran = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
        assert ran.returncode == 0, ran.stderr
        return ran.stdout

    tracked = git("ls-files").split()
    assert {"requirements.lock", "requirements-dev.lock", "pyproject.toml"} <= set(tracked)
    assert ".env" not in tracked
    assert git("status", "--porcelain") == ""
    again = webkit("setup", cwd=root)
    assert "Nothing to do" in again.stdout, again.stdout + again.stderr
    assert len(git("log", "--oneline").splitlines()) == (1 if skipped == "--no-git" else 2)
