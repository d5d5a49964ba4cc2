"""`webkit doctor` on projects laid out as webkit makes them (a real .venv, no packages
installed: their .dist-info folders stand for them), healthy and in each broken state it checks;
outside a project; as JSON. It changes nothing. End-to-end runs on real projects are in
test_e2e_daily.py."""

from __future__ import annotations

import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import webkit
from webkit_cli import virtualenvs

PROJECT_CHECKS = [
    "python",
    "venv",
    "packages",
    "locks",
    "env-file",
    "secret-key",
    "database",
    "migrations",
    "git",
    "deploy",
    "template",
]
MACHINE_CHECKS = ["python", "git", "uv", "pythons"]
KEY = "k" * 20 + "-Q9x!z" * 6
PYTHON = "{}.{}".format(*sys.version_info[:2])
MIGRATION = 'revision = "{rev}"\ndown_revision = {down}\n\n\ndef upgrade():\n    pass\n'


def git(root: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
        cwd=root,
        check=True,
        capture_output=True,
    )


def dist_info(venv: Path, name: str, version: str) -> Path:
    site = virtualenvs.site_packages(venv)
    folder = site / f"{name}-{version}.dist-info"
    folder.mkdir()
    (folder / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n")
    return folder


def sqlite_db(path: Path, statements: list[str]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(path) as connection:
        for statement in statements:
            connection.execute(statement)
    connection.close()


def healthy_project(root: Path, framework: str = "flask") -> Path:
    """Everything a check looks at, as `webkit new` leaves it."""
    package = "shop"
    (root / package).mkdir(parents=True)
    (root / package / "__init__.py").write_text("")
    template = json.loads(
        (Path(__file__).parent.parent / "templates" / framework / "cookiecutter.json").read_text()
    )["template_version"]
    (root / "pyproject.toml").write_text(
        '[project]\nname = "shop"\nrequires-python = ">=3.10"\n'
        'dependencies = ["flask>=3.1,<4", "tomli>=2; python_version < \'3.11\'"]\n\n'
        '[dependency-groups]\ndev = ["pytest>=8.3,<10"]\n\n'
        f'[tool.webkit]\nframework = "{framework}"\npackage = "{package}"\n'
        f'template_version = "{template}"\n\n'
        f'[tool.webkit.answers]\nproject_name = "shop"\ndatabase = "sqlite"\n'
        f'python_version = "{PYTHON}"\n',
        encoding="utf-8",
    )
    (root / "requirements.lock").write_text("# header\nflask==3.1.0\n")
    (root / "requirements-dev.lock").write_text("# header\nflask==3.1.0\npytest==8.3.3\n")
    (root / ".env").write_text(f"SECRET_KEY={KEY}\n")
    (root / ".env").chmod(0o600)
    (root / ".env.example").write_text("SECRET_KEY=\nDATABASE_URL=sqlite:///shop.db\n")
    (root / ".gitignore").write_text(".env\n.venv/\ninstance/\n*.sqlite3\n")
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    dist_info(root / ".venv", "flask", "3.1.0")
    dist_info(root / ".venv", "pytest", "8.3.3")
    if framework == "flask":
        versions = root / "migrations" / "versions"
        versions.mkdir(parents=True)
        (versions / "0001_items.py").write_text(MIGRATION.format(rev="0001", down="None"))
        sqlite_db(
            root / "instance" / "shop.db",
            [
                "CREATE TABLE alembic_version (version_num VARCHAR(32) PRIMARY KEY)",
                "INSERT INTO alembic_version VALUES ('0001')",
            ],
        )
    else:
        (root / "config").mkdir()
        (root / "config" / "settings.py").write_text('INSTALLED_APPS = [\n    "shop",\n]\n')
        (root / package / "migrations").mkdir()
        (root / package / "migrations" / "__init__.py").write_text("")
        (root / package / "migrations" / "0001_initial.py").write_text(
            "class Migration:\n    pass\n"
        )
        sqlite_db(
            root / "db.sqlite3",
            [
                "CREATE TABLE django_migrations (id INTEGER PRIMARY KEY, app TEXT, name TEXT,"
                " applied TEXT)",
                "INSERT INTO django_migrations (app, name) VALUES ('shop', '0001_initial')",
            ],
        )
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "first")
    return root


@pytest.fixture(params=["flask", "django"])
def proj(request, tmp_path) -> Path:
    return healthy_project(tmp_path / "shop", request.param)


@pytest.fixture
def flask_proj(tmp_path) -> Path:
    return healthy_project(tmp_path / "shop", "flask")


def doctor(root: Path, *args: str, env: dict | None = None) -> tuple[int, list[dict]]:
    result = webkit("doctor", "--json", *args, cwd=root, env=env)
    assert result.stderr == "", result.stderr
    return result.returncode, json.loads(result.stdout)["checks"]


def failing(checks: list[dict]) -> dict[str, dict]:
    return {check["name"]: check for check in checks if not check["ok"]}


def snapshot(root: Path) -> dict[str, tuple]:
    """Every path below root with its mode, size and modification time."""
    found = {}
    for path in sorted(root.rglob("*")):
        stat = path.lstat()
        found[str(path.relative_to(root))] = (stat.st_mode, stat.st_size, stat.st_mtime_ns)
    return found


def test_a_healthy_project_passes_every_check_and_changes_nothing(proj):
    before = snapshot(proj)
    code, checks = doctor(proj / "shop")  # from a subfolder
    assert code == 0, failing(checks)
    assert [check["name"] for check in checks] == PROJECT_CHECKS
    assert all(check["fix"] is None and check["detail"] for check in checks)
    assert snapshot(proj) == before


def test_json_is_exactly_the_documented_shape(flask_proj):
    result = webkit("doctor", "--json", cwd=flask_proj)
    data = json.loads(result.stdout)
    assert list(data) == ["checks"]
    for check in data["checks"]:
        assert list(check) == ["name", "ok", "detail", "fix"]
        assert isinstance(check["ok"], bool) and isinstance(check["detail"], str)
        assert check["fix"] is None or isinstance(check["fix"], str)


def test_the_human_report_gives_each_problem_its_fix(flask_proj):
    (flask_proj / ".env").chmod(0o644)
    result = webkit("doctor", cwd=flask_proj)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == f"shop (Flask) at {flask_proj}"
    problem = next(i for i, line in enumerate(lines) if line.startswith("✗ env-file"))
    assert "mode 644" in lines[problem]
    assert lines[problem + 1].split() == ["fix:", "chmod", "600", ".env"]
    assert lines[-1] == "1 of 11 checks found a problem."
    quiet = webkit("-q", "doctor", cwd=flask_proj)
    assert [line.split()[1] for line in quiet.stdout.splitlines() if line.startswith("✗")] == [
        "env-file"
    ]
    assert "✓" not in quiet.stdout


# Each breaker works on a project as `webkit new` makes it and on the stand-ins above (the
# end-to-end tests run the same list on a real project).


def _sub(path: str, pattern: str, replacement: str) -> Callable[[Path], None]:
    """Replace a line (a regular expression, multi-line) in one of the project's files."""

    def edit(root: Path) -> None:
        target = root / path
        text, count = re.subn(pattern, replacement, target.read_text(), flags=re.MULTILINE)
        assert count, f"{pattern!r} is not in {target}"
        target.write_text(text)

    return edit


def _append(path: str, text: str) -> Callable[[Path], None]:
    def add(root: Path) -> None:
        with (root / path).open("a") as handle:
            handle.write(text)

    return add


def _one(root: Path, pattern: str) -> Path:
    found = sorted(root.glob(pattern))
    assert len(found) == 1, (pattern, found)
    return found[0]


def _site(root: Path) -> Path:
    return virtualenvs.site_packages(root / ".venv")


def _move(root: Path) -> Path:
    moved = root.parent / f"{root.name}-moved"
    shutil.copytree(root, moved, symlinks=True)
    return moved


def _commit_env(root: Path) -> None:
    git(root, "add", "-f", ".env")
    git(root, "commit", "-q", "-m", "oops")


def _sql(statement: str) -> Callable[[Path], None]:
    return lambda root: sqlite_db(_one(root, "instance/*.db"), [statement])


def _secret(value: str) -> Callable[[Path], None]:
    return _sub(".env", r"^SECRET_KEY=.*$", f"SECRET_KEY={value}")


def _example_key(root: Path) -> None:
    _sub(".env.example", r"^SECRET_KEY=.*$", "SECRET_KEY=from-the-example-1234")(root)
    _secret("from-the-example-1234")(root)


def _recorded_python_gone(root: Path) -> None:
    shutil.rmtree(root / ".venv")
    _sub("pyproject.toml", r'^python_version = ".*"$', 'python_version = "3.99"')(root)


def _flask_version(root: Path) -> None:
    old = _one(_site(root), "flask-*.dist-info")
    old.rename(old.with_name("flask-0.0.1.dist-info"))


BROKEN: list[tuple[str, Callable, set[str], str, str]] = [
    (
        "venv missing",
        lambda r: shutil.rmtree(r / ".venv"),
        {"venv", "packages"},
        ".venv is missing",
        "webkit setup",
    ),
    (
        "venv half-installed",
        lambda r: (r / ".venv" / virtualenvs.INCOMPLETE_MARKER).touch(),
        {"venv", "packages"},
        "half-installed",
        "webkit setup",
    ),
    (
        "venv without pyvenv.cfg",
        lambda r: (r / ".venv" / "pyvenv.cfg").unlink(),
        {"venv", "packages"},
        ".venv is broken",
        "webkit setup",
    ),
    ("project moved", _move, {"venv"}, "was made in", "webkit setup --recreate"),
    (
        "python outside requires-python",
        _sub("pyproject.toml", r'^requires-python = ".*"$', 'requires-python = ">=3.99"'),
        {"python"},
        "the project needs >=3.99",
        "webkit setup --recreate --python",
    ),
    (
        "recorded python not installed",
        _recorded_python_gone,
        {"python", "venv", "packages"},
        "Python 3.99, which the project was made with, is not installed",
        "uv python install 3.99",
    ),
    (
        "package version differs",
        _flask_version,
        {"packages"},
        "flask 0.0.1 installed",
        "webkit setup",
    ),
    (
        "package missing",
        lambda r: shutil.rmtree(_one(_site(r), "pytest-*.dist-info")),
        {"packages"},
        " is not installed",
        "webkit setup",
    ),
    (
        "package not locked",
        lambda r: dist_info(r / ".venv", "six", "1.16.0"),
        {"packages"},
        "in no lock file: six",
        "pip uninstall -y six",
    ),
    (
        "lock outside the range",
        _sub("pyproject.toml", '"flask>=3.1,<4"', '"flask>=99"'),
        {"locks"},
        "outside >=99",
        "webkit setup --upgrade",
    ),
    (
        "lock lacks a requirement",
        _sub("pyproject.toml", r'"pytest>=([^"]*)"', r'"pytest>=\1", "six"'),
        {"locks"},
        "requirements-dev.lock lacks six",
        "webkit setup --upgrade",
    ),
    (
        "locks disagree",
        _sub("requirements.lock", r"^flask==(.*)$", r"flask==\1.post1"),
        {"locks"},
        "requirements.lock has flask",
        "webkit setup --upgrade",
    ),
    (
        "dev lock missing",
        lambda r: (r / "requirements-dev.lock").unlink(),
        {"packages", "locks"},
        "requirements-dev.lock is missing",
        "webkit setup",
    ),
    (
        "runtime lock missing",
        lambda r: (r / "requirements.lock").unlink(),
        {"locks"},
        "requirements.lock is missing",
        "webkit setup --upgrade",
    ),
    (
        ".env missing",
        lambda r: (r / ".env").unlink(),
        {"env-file", "secret-key"},
        ".env is missing",
        "cp .env.example .env && chmod 600 .env",
    ),
    (
        ".env readable by others",
        lambda r: (r / ".env").chmod(0o644),
        {"env-file"},
        "mode 644",
        "chmod 600 .env",
    ),
    (
        "no SECRET_KEY",
        _secret(""),
        {"secret-key"},
        "SECRET_KEY is not set",
        "secrets.token_urlsafe",
    ),
    (
        "placeholder SECRET_KEY",
        _secret("change-me"),
        {"secret-key"},
        "a placeholder",
        "secrets.token_urlsafe",
    ),
    (
        "the example's SECRET_KEY",
        _example_key,
        {"secret-key"},
        ".env.example's",
        "secrets.token_urlsafe",
    ),
    (
        "a migration not applied",
        lambda r: (r / "migrations/versions/0002_price.py").write_text(
            MIGRATION.format(rev="0002", down='"0001"')
        ),
        {"migrations"},
        "1 not applied: 0002",
        "webkit run migrate",
    ),
    (
        "no database yet",
        lambda r: _one(r, "instance/*.db").unlink(),
        {"database", "migrations"},
        ".db does not exist",
        "webkit setup",
    ),
    (
        "database at an unknown revision",
        _sql("UPDATE alembic_version SET version_num = 'zzz'"),
        {"migrations"},
        "revision zzz, which no file in migrations/versions defines",
        "git log",
    ),
    (
        "database not migrated at all",
        _sql("DROP TABLE alembic_version"),
        {"migrations"},
        "1 not applied: 0001",
        "webkit run migrate",
    ),
    (
        "postgres without its driver",
        _append(".env", "\nDATABASE_URL=postgresql://127.0.0.1:1/shop\n"),
        {"database", "migrations"},
        "PostgreSQL database shop at 127.0.0.1:1 cannot be reached without",
        "webkit setup",
    ),
    (".env tracked by git", _commit_env, {"git"}, ".env is tracked by git", "git rm --cached .env"),
    (
        ".env not ignored",
        _sub(".gitignore", r"^\.env\n", ""),
        {"git"},
        ".env is not git-ignored",
        "echo .env >> .gitignore",
    ),
    (
        "no git repository",
        lambda r: shutil.rmtree(r / ".git"),
        {"git"},
        "not in a git repository",
        "git init",
    ),
    (
        "template behind",
        _sub("pyproject.toml", r'^template_version = "', 'template_version = "0.'),
        {"template"},
        "webkit carries",
        "webkit update",
    ),
    (
        "template ahead",
        _sub("pyproject.toml", r'^template_version = "', 'template_version = "99'),
        {"template"},
        "newer than this webkit's",
        "pip install --upgrade webkit-cli",
    ),
]


def check_broken(root: Path, breaks, failed: set[str], detail: str, fix: str) -> None:
    """Break the project at `root`; doctor finds exactly that, names the fix, changes nothing."""
    moved = breaks(root)
    root = moved if isinstance(moved, Path) else root
    before = snapshot(root)
    code, checks = doctor(root)
    problems = failing(checks)
    assert code == 1
    assert set(problems) == failed, problems
    first = problems[next(c["name"] for c in checks if c["name"] in failed)]
    assert detail in first["detail"], first
    assert fix in first["fix"], first
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("breaks", "failed", "detail", "fix"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_each_broken_state_is_found_with_its_fix(flask_proj, breaks, failed, detail, fix):
    check_broken(flask_proj, breaks, failed, detail, fix)


def test_django_migrations_not_applied(tmp_path):
    root = healthy_project(tmp_path / "shop", "django")
    (root / "shop" / "migrations" / "0002_price.py").write_text("class Migration:\n    pass\n")
    code, checks = doctor(root)
    assert code == 1
    assert failing(checks)["migrations"]["detail"] == "1 not applied: shop.0002_price"


def test_a_write_ahead_log_is_read_and_nothing_is_written(flask_proj):
    """While a server holds the database open, the newest revision may be only in its
    write-ahead log: doctor reads it there, and leaves the log files as they were."""
    (flask_proj / "migrations" / "versions" / "0002_price.py").write_text(
        MIGRATION.format(rev="0002", down='"0001"')
    )
    server = sqlite3.connect(flask_proj / "instance" / "shop.db")
    try:
        server.execute("PRAGMA journal_mode=WAL")
        server.execute("PRAGMA wal_autocheckpoint=0")
        server.execute("UPDATE alembic_version SET version_num = '0002'")
        server.commit()
        before = snapshot(flask_proj)
        code, checks = doctor(flask_proj)
        assert code == 0, failing(checks)
        after = snapshot(flask_proj)
        # Every reader marks its place in the log's shared-memory index (-shm): the one file
        # a reader writes, as the server's own readers do.
        shm = "instance/shop.db-shm"
        assert before.pop(shm)[:2] == after.pop(shm)[:2]
        assert after == before
    finally:
        server.close()


def test_a_closed_database_file_leaves_no_journal_behind(flask_proj):
    sqlite_db(flask_proj / "instance" / "shop.db", ["PRAGMA journal_mode=WAL"])
    assert sorted(os.listdir(flask_proj / "instance")) == ["shop.db"]
    doctor(flask_proj)
    assert sorted(os.listdir(flask_proj / "instance")) == ["shop.db"]


def test_deploy_files_against_their_manifest(invoke, flask_proj, local_index):
    result = invoke("deploy-config", "--domain", "shop.example.com", cwd=flask_proj)
    assert result.exit_code == 0, result.output
    code, checks = doctor(flask_proj)
    assert code == 0, failing(checks)
    deploy = next(check for check in checks if check["name"] == "deploy")
    assert "deploy files, as webkit deploy-config wrote them" in deploy["detail"]

    nginx = next((flask_proj / "deploy").rglob("*.conf"))
    nginx.write_text(nginx.read_text() + "# mine\n")
    (flask_proj / "Procfile").unlink()
    problem = failing(doctor(flask_proj)[1])["deploy"]
    assert "Procfile is missing" in problem["detail"]
    assert "was edited since webkit wrote it" in problem["detail"]
    assert "--diff" in problem["fix"] and "--force" in problem["fix"]

    assert invoke("deploy-config", "--force", cwd=flask_proj).exit_code == 0
    assert doctor(flask_proj)[0] == 0
    # the project changed (another database): the files webkit wrote are now behind
    _sub("pyproject.toml", '^database = "sqlite"', 'database = "postgres"')(flask_proj)
    problem = failing(doctor(flask_proj)[1])["deploy"]
    assert "is behind what webkit would write now" in problem["detail"]
    assert problem["fix"] == "webkit deploy-config"


def test_the_images_hashed_lock_is_checked_without_uv_or_the_network(
    invoke, flask_proj, local_index, monkeypatch
):
    """doctor tells whether requirements-hashed.lock is current from the lock file alone: on
    a clone with no cache of webkit's and no index to ask, a current one passes and one that
    the lock has moved past is behind."""
    from webkit_cli.deploy import hashes

    result = invoke("deploy-config", "--domain", "shop.example.com", cwd=flask_proj)
    assert result.exit_code == 0, result.output

    def unreachable(*args):
        raise AssertionError("doctor asked uv for the hashes")

    monkeypatch.setattr(hashes, "_compile", unreachable)
    monkeypatch.setattr(hashes, "_cache_file", lambda key: None)
    code, checks = doctor(flask_proj)
    assert code == 0, failing(checks)
    lock = flask_proj / "requirements.lock"
    pinned = next(line for line in lock.read_text().splitlines() if "==" in line)
    lock.write_text(lock.read_text().replace(pinned, pinned + ".post9"))
    problem = failing(doctor(flask_proj)[1])["deploy"]
    assert "requirements-hashed.lock is behind what webkit would write now" in problem["detail"]


def _with_jobs(root: Path, backend: str, monkeypatch, invoke) -> list[dict]:
    """doctor on a project whose record has the jobs feature (registered here: the feature
    itself comes with issue 21)."""
    from webkit_cli import record

    monkeypatch.setitem(record.FEATURES, "jobs", {"backend": "database"})
    with (root / "pyproject.toml").open("a") as handle:
        handle.write(f'\n[tool.webkit.features.jobs]\nbackend = "{backend}"\n')
    result = invoke("doctor", "--json", cwd=root)
    return json.loads(result.stdout)["checks"]


def test_a_broker_is_checked_when_jobs_need_one(flask_proj, monkeypatch, invoke):
    names = [check["name"] for check in doctor(flask_proj)[1]]
    assert "broker" not in names
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    checks = _with_jobs(flask_proj, "redis", monkeypatch, invoke)
    problem = failing(checks)["broker"]
    assert problem["detail"].startswith("Redis at 127.0.0.1:1 does not answer")
    assert "REDIS_URL" in problem["fix"]
    assert [check["name"] for check in checks].index("broker") == PROJECT_CHECKS.index("git")


def test_database_jobs_need_no_broker(flask_proj, monkeypatch, invoke):
    checks = _with_jobs(flask_proj, "database", monkeypatch, invoke)
    assert "broker" not in [check["name"] for check in checks]


def test_outside_a_project_the_machine_is_checked(tmp_path):
    code, checks = doctor(tmp_path)
    assert [check["name"] for check in checks] == MACHINE_CHECKS
    assert code == (0 if all(c["ok"] for c in checks) else 1)
    pythons = checks[-1]
    assert f"{PYTHON} (" in pythons["detail"]
    assert list(tmp_path.iterdir()) == []


def test_a_project_that_cannot_be_read_is_one_failed_check(tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.webkit]\nframework = 'rails'\n")
    code, checks = doctor(tmp_path)
    assert code == 1
    assert [check["name"] for check in checks] == ["project", *MACHINE_CHECKS]
    assert "framework = 'rails' is not one webkit knows" in checks[0]["detail"]
    assert checks[0]["fix"] == "set it to one of: flask, django"


def test_a_check_that_cannot_run_fails_alone_with_its_reason(flask_proj):
    (flask_proj / "requirements-dev.lock").write_bytes(b"flask==3.1.0\n\xff\xfe\n")
    code, checks = doctor(flask_proj)
    problems = failing(checks)
    assert code == 1
    assert set(problems) == {"packages", "locks"}
    assert problems["packages"]["detail"].startswith("could not be checked: UnicodeDecodeError")
    assert [check["name"] for check in checks] == PROJECT_CHECKS  # the others still ran
    _sub("pyproject.toml", r"^dev = \[", 'dev = [{include-group = "dev"}, ')(flask_proj)
    (flask_proj / "requirements-dev.lock").write_text("flask==3.1.0\npytest==8.3.3\n")
    problems = failing(doctor(flask_proj)[1])
    assert problems["locks"]["detail"] == (
        "could not be checked: pyproject.toml: dependency group 'dev' includes itself"
    )
