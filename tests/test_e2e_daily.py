"""End to end, on real projects: `webkit doctor` (healthy, broken and repaired by the fix it
names; its reading of the migrations against the framework's own answer on SQLite, PostgreSQL
and MariaDB; the broker on the real Redis), `webkit run` from a subfolder, and the user
defaults reaching a real `webkit new`.

The servers: PostgreSQL (WEBKIT_TEST_POSTGRES_URL, default postgresql://postgres@127.0.0.1:5432),
MariaDB (WEBKIT_TEST_MYSQL_URL, default mysql://root@127.0.0.1:3306) and Redis
(WEBKIT_TEST_REDIS_URL, default redis://127.0.0.1:6379/0). Without one, its tests skip (and fail
under WEBKIT_REQUIRE_TOOLS=1). Databases are named wk_<run>_... and dropped at the end.
"""

from __future__ import annotations

import json
import os
import secrets
import shutil
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import REQUIRE_TOOLS, webkit
from tests.test_doctor import BROKEN, check_broken, snapshot
from tests.test_e2e_new import build
from webkit_cli import interpreters, project_commands, services
from webkit_cli import project as projects
from webkit_cli.installers import uv_binary

pytestmark = pytest.mark.e2e

FRAMEWORKS = ["flask", "django"]
RUN = secrets.token_hex(3)
POSTGRES = os.environ.get("WEBKIT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
MYSQL = os.environ.get("WEBKIT_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306")
REDIS = os.environ.get("WEBKIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

# A second migration, as each framework writes one: a nullable column on the example table.
SECOND_MIGRATION = {
    "flask": (
        "migrations/versions/0002_add_price.py",
        '"""Add price."""\n\nimport sqlalchemy as sa\nfrom alembic import op\n\n'
        'revision = "0002"\ndown_revision = "0001"\nbranch_labels = None\ndepends_on = None\n\n\n'
        "def upgrade() -> None:\n"
        '    with op.batch_alter_table("item") as batch:\n'
        '        batch.add_column(sa.Column("price", sa.Integer(), nullable=True))\n\n\n'
        "def downgrade() -> None:\n"
        '    with op.batch_alter_table("item") as batch:\n'
        '        batch.drop_column("price")\n',
    ),
    "django": (
        "{package}/migrations/0002_item_price.py",
        "from django.db import migrations, models\n\n\n"
        "class Migration(migrations.Migration):\n"
        '    dependencies = [("{package}", "0001_initial")]\n\n'
        "    operations = [\n"
        '        migrations.AddField("item", "price", models.IntegerField(null=True)),\n'
        "    ]\n",
    ),
}


def need_server(url: str, what: str) -> None:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname, parts.port), timeout=3).close()
    except OSError as exc:
        reason = f"{what} at {parts.hostname}:{parts.port} does not answer ({exc})"
        if REQUIRE_TOOLS:
            pytest.fail(f"{reason} (WEBKIT_REQUIRE_TOOLS=1 forbids skipping)")
        pytest.skip(reason)


def doctor(root: Path, env: dict | None = None) -> tuple[int, dict[str, dict]]:
    result = webkit("doctor", "--json", cwd=root, env=env)
    assert result.stderr == "", result.stderr
    checks = json.loads(result.stdout)["checks"]
    return result.returncode, {check["name"]: check for check in checks}


def copy(root: Path, where: Path) -> Path:
    """The project in another folder (its .venv then points at the old one)."""
    target = where / root.name
    shutil.copytree(root, target, symlinks=True)
    return target


def doctor_says_pending(root: Path) -> bool:
    _, checks = doctor(root)
    assert checks["database"]["ok"], checks["database"]
    return not checks["migrations"]["ok"]


def framework_says_pending(root: Path) -> bool:
    return project_commands.migrations_pending(projects.find(root))


def add_second_migration(root: Path) -> None:
    proj = projects.find(root)
    path, text = SECOND_MIGRATION[proj.framework.name]
    (root / path.format(package=proj.package)).write_text(text.replace("{package}", proj.package))


@pytest.fixture(scope="module", params=FRAMEWORKS)
def built(request, tmp_path_factory) -> Path:
    return build(tmp_path_factory, request.param, "uv").root


# -- doctor ----------------------------------------------------------------------------------


def test_doctor_passes_on_a_new_project_and_changes_nothing(built):
    before = snapshot(built)
    code, checks = doctor(built / "tests")
    assert code == 0, {n: c for n, c in checks.items() if not c["ok"]}
    assert snapshot(built) == before
    human = webkit("doctor", cwd=built)
    assert human.returncode == 0
    assert human.stdout.splitlines()[-1] == f"✓ All {len(checks)} checks pass."


def test_doctor_reads_migrations_as_the_framework_does(built, tmp_path):
    """Applied, a migration file added later, applied again, the database gone: doctor's
    reading of the files and the table gives the framework's own answer each time."""
    root = copy(built, tmp_path)
    assert doctor_says_pending(root) is False
    assert framework_says_pending(root) is False
    add_second_migration(root)
    assert doctor_says_pending(root) is True
    assert framework_says_pending(root) is True
    # The copy's .venv is the original's (webkit run would refuse it): migrate with its Python.
    project_commands.migrate(projects.find(root))
    assert doctor_says_pending(root) is False
    assert framework_says_pending(root) is False
    proj = projects.find(root)
    database = (
        root
        / proj.framework.sqlite_folder
        / services.sqlite_path(proj.setting("DATABASE_URL"), Path())
    )
    database.unlink()
    _, checks = doctor(root)
    assert not checks["database"]["ok"] and not checks["migrations"]["ok"]
    assert framework_says_pending(root) is True


def test_a_moved_project_is_found_and_its_fix_fixes_it(built, tmp_path):
    root = copy(built, tmp_path)
    code, checks = doctor(root)
    assert code == 1
    assert [name for name, check in checks.items() if not check["ok"]] == ["venv"]
    assert checks["venv"]["fix"] == "webkit setup --recreate"
    repaired = webkit("setup", "--recreate", cwd=root)
    assert repaired.returncode == 0, repaired.stdout + repaired.stderr
    assert doctor(root)[0] == 0
    pytest_run = webkit("run", "pytest", "-q", "-x", "--no-cov", cwd=root / "tests")
    assert pytest_run.returncode == 0, pytest_run.stdout[-2000:]

    # Each fix doctor names, run as it says, makes its check pass again.
    (root / ".env").chmod(0o644)
    fix = doctor(root)[1]["env-file"]["fix"]
    assert fix == "chmod 600 .env"
    subprocess.run(fix.split(), cwd=root, check=True)
    assert doctor(root)[0] == 0

    uv = uv_binary()
    subprocess.run(
        [uv, "pip", "install", "-q", "--python", str(root / ".venv/bin/python"), "six"], check=True
    )
    fix = doctor(root)[1]["packages"]["fix"]
    command = fix.split(" (or ")[0]
    assert command == "webkit run python -m pip uninstall -y six"
    assert webkit(*command.split()[1:], cwd=root).returncode == 0
    assert doctor(root)[0] == 0

    shutil.rmtree(root / ".venv")
    assert doctor(root)[1]["venv"]["fix"] == "webkit setup"
    assert webkit("setup", cwd=root).returncode == 0
    assert doctor(root)[0] == 0


@pytest.fixture(scope="module")
def pristine(tmp_path_factory) -> tuple[Path, Path]:
    """A real Flask project, and a copy of it to restore it from after each broken state."""
    where = tmp_path_factory.mktemp("broken")
    result = webkit("new", "my-shop", "--framework", "flask", "-y", cwd=where)
    assert result.returncode == 0, result.stdout + result.stderr
    root = where / "my-shop"
    saved = tmp_path_factory.mktemp("pristine") / "my-shop"
    shutil.copytree(root, saved, symlinks=True)
    return root, saved


@pytest.fixture
def real_project(pristine) -> Iterator[Path]:
    root, saved = pristine
    yield root
    shutil.rmtree(root)
    shutil.rmtree(root.parent / f"{root.name}-moved", ignore_errors=True)
    shutil.copytree(saved, root, symlinks=True)  # in the same place: .venv is not "moved"


@pytest.mark.parametrize(
    ("breaks", "failed", "detail", "fix"),
    [case[1:] for case in BROKEN],
    ids=[case[0] for case in BROKEN],
)
def test_each_broken_state_of_a_real_project(real_project, breaks, failed, detail, fix):
    assert doctor(real_project)[0] == 0  # restored: healthy before each break
    check_broken(real_project, breaks, failed, detail, fix)


def test_lock_files_outside_the_ranges_are_fixed_by_setup_upgrade(tmp_path_factory, tmp_path):
    root = copy(build(tmp_path_factory, "flask", "uv").root, tmp_path)
    assert webkit("setup", "--recreate", cwd=root).returncode == 0
    pyproject = root / "pyproject.toml"
    locked = next(
        line.split("==")[1]
        for line in (root / "requirements.lock").read_text().splitlines()
        if line.lower().startswith("flask==")
    )
    # a range that the locked Flask is outside of
    pyproject.write_text(
        pyproject.read_text().replace('"flask>=3.1,<4"', f'"flask>=3.1,<{locked}"')
    )
    checks = doctor(root)[1]
    assert f"requirements.lock has flask {locked}, outside" in checks["locks"]["detail"]
    assert checks["locks"]["fix"] == "webkit setup --upgrade"
    upgraded = webkit("setup", "--upgrade", cwd=root)
    assert upgraded.returncode == 0, upgraded.stdout + upgraded.stderr
    code, checks = doctor(root)
    assert code == 0, {n: c for n, c in checks.items() if not c["ok"]}


# -- servers ---------------------------------------------------------------------------------


def _python(root: Path) -> str:
    return str(root / ".venv" / "bin" / "python")


@pytest.fixture(scope="module")
def postgres_project(tmp_path_factory) -> Iterator[Path]:
    need_server(POSTGRES, "PostgreSQL")
    where = tmp_path_factory.mktemp("pg")
    name = f"wk_{RUN}_doctor"
    result = webkit(
        "new", "pgshop", "-f", "flask", "--database-url", f"{POSTGRES}/{name}", "-y", cwd=where
    )
    assert result.returncode == 0, result.stdout + result.stderr
    root = where / "pgshop"
    yield root
    drop = (
        "import psycopg, sys\n"
        "with psycopg.connect(sys.argv[1], autocommit=True) as c:\n"
        "    c.execute(f'DROP DATABASE IF EXISTS \"{sys.argv[2]}\" WITH (FORCE)')\n"
    )
    subprocess.run([_python(root), "-c", drop, f"{POSTGRES}/postgres", name], check=True)


def test_postgresql_reachable_and_migrations_as_the_framework_says(postgres_project, tmp_path):
    root = postgres_project
    code, checks = doctor(root)
    assert code == 0, {n: c for n, c in checks.items() if not c["ok"]}
    assert checks["database"]["detail"].startswith("PostgreSQL database wk_")
    add_second_migration(root)
    try:
        assert doctor_says_pending(root) is framework_says_pending(root) is True
        project_commands.migrate(projects.find(root))  # a copy: webkit run would refuse its .venv
        assert doctor_says_pending(root) is framework_says_pending(root) is False
    finally:
        (root / SECOND_MIGRATION["flask"][0]).unlink()
    parts = urlsplit(POSTGRES)
    elsewhere = f"postgresql://{parts.username}@{parts.hostname}:1/x"
    _, checks = doctor(root, env={"DATABASE_URL": elsewhere})
    assert "does not answer" in checks["database"]["detail"]
    assert checks["database"]["fix"].startswith("start the server")


@pytest.fixture(scope="module")
def mysql_project(tmp_path_factory) -> Iterator[tuple[Path, str]]:
    """A Flask project on MariaDB: PyMySQL in its .venv and DATABASE_URL in .env."""
    need_server(MYSQL, "MariaDB")
    root = copy(build(tmp_path_factory, "flask", "uv").root, tmp_path_factory.mktemp("mysql"))
    subprocess.run(
        [uv_binary(), "pip", "install", "-q", "--python", _python(root), "pymysql"], check=True
    )
    parts = urlsplit(MYSQL)
    name = f"wk_{RUN}_doctor"
    server = (
        "import pymysql, sys\n"
        "c = pymysql.connect(host=sys.argv[1], port=int(sys.argv[2]), user=sys.argv[3], "
        "password=sys.argv[4])\n"
        "c.cursor().execute(sys.argv[5])\n"
    )
    admin = [parts.hostname, str(parts.port), parts.username or "root", parts.password or ""]

    def sql(statement: str) -> None:
        subprocess.run([_python(root), "-c", server, *admin, statement], check=True)

    sql(f"CREATE DATABASE {name} CHARACTER SET utf8mb4")
    credentials = parts.netloc
    url = f"mysql+pymysql://{credentials}/{name}"
    env_file = root / ".env"
    env_file.write_text(
        env_file.read_text().replace("DATABASE_URL=", "# DATABASE_URL=") + f"DATABASE_URL={url}\n"
    )
    yield root, url
    sql(f"DROP DATABASE IF EXISTS {name}")


def test_mariadb_reachable_and_migrations_as_the_framework_says(mysql_project):
    root, url = mysql_project
    assert doctor_says_pending(root) is framework_says_pending(root) is True
    project_commands.migrate(projects.find(root))  # a copy: webkit run would refuse its .venv
    assert doctor_says_pending(root) is framework_says_pending(root) is False
    add_second_migration(root)
    assert doctor_says_pending(root) is framework_says_pending(root) is True
    checks = doctor(root)[1]
    assert checks["database"]["detail"].startswith("MySQL database wk_")
    assert checks["migrations"]["detail"] == "1 not applied: 0002"
    # Django's scheme for the same server reads the same
    plain = url.replace("mysql+pymysql://", "mysql://")
    assert doctor(root, env={"DATABASE_URL": plain})[1]["database"]["ok"]
    parts = urlsplit(url)
    wrong = [
        (url.replace(parts.path, "/wk_none_here"), "does not exist", "webkit setup"),
        (
            f"mysql://nobody-{RUN}@{parts.hostname}:{parts.port}{parts.path}",
            "refused the credentials",
            "user name and password",
        ),
        (f"mysql://root@{parts.hostname}:1{parts.path}", "does not answer", "start the server"),
    ]
    for bad, detail, fix in wrong:
        checks = doctor(root, env={"DATABASE_URL": bad})[1]
        assert detail in checks["database"]["detail"], checks["database"]
        assert fix in checks["database"]["fix"]


def test_the_broker_of_background_jobs_on_the_real_redis(
    tmp_path_factory, tmp_path, invoke, monkeypatch
):
    from webkit_cli import record

    need_server(REDIS, "Redis")
    root = copy(build(tmp_path_factory, "flask", "uv").root, tmp_path)
    # The jobs feature arrives with issue 21: registered here, as its record will say.
    monkeypatch.setitem(record.FEATURES, "jobs", {"backend": "database"})
    with (root / "pyproject.toml").open("a") as handle:
        handle.write('\n[tool.webkit.features.jobs]\nbackend = "redis"\n')

    def broker(url: str) -> dict:
        monkeypatch.setenv("REDIS_URL", url)
        checks = json.loads(invoke("doctor", "--json", cwd=root).stdout)["checks"]
        return {check["name"]: check for check in checks}["broker"]

    found = broker(REDIS)
    assert found["ok"], found
    assert found["detail"].startswith("Redis at ")
    assert "does not answer" in broker("redis://127.0.0.1:1/0")["detail"]
    parts = urlsplit(REDIS)
    if parts.password is None:  # a server without a password refuses one
        refused = broker(f"redis://:not-the-password@{parts.hostname}:{parts.port}/0")
        assert not refused["ok"] and "***" not in refused["detail"]


# -- run -------------------------------------------------------------------------------------


def test_run_from_a_subfolder_passes_the_exit_status(built):
    tests = built / "tests"
    suite = webkit("run", "tests", "-q", "-x", "-p", "no:cacheprovider", cwd=tests)
    assert suite.returncode == 0, suite.stdout[-3000:]
    assert " passed" in suite.stdout
    none = webkit(
        "run",
        "pytest",
        "-q",
        "-k",
        "no_such_test_at_all",
        "--no-cov",
        "-p",
        "no:cacheprovider",
        cwd=tests,
    )
    assert none.returncode == 5  # pytest's own "no tests ran"
    lint = webkit("run", "lint", cwd=tests)
    assert lint.returncode == 0, lint.stdout + lint.stderr


def test_run_the_frameworks_own_commands(built):
    proj = projects.find(built)
    if proj.framework.name == "flask":
        routes = webkit("run", "flask", "routes", cwd=built / proj.package)
        assert routes.returncode == 0 and "/api/items" in routes.stdout
    else:
        check = webkit("run", "python", "manage.py", "check", cwd=built / proj.package)
        assert check.returncode == 0 and "no issues" in check.stdout
    shell = subprocess.run(
        [*webkit_argv(), "run", "shell"],
        cwd=built,
        input="print('answer', 40 + 2)\n",
        capture_output=True,
        text=True,
        timeout=120,
        env=webkit_env(),
    )
    assert shell.returncode == 0, shell.stderr
    assert "answer 42" in shell.stdout


def webkit_argv() -> list[str]:
    import sys

    return [sys.executable, "-m", "webkit_cli"]


def webkit_env() -> dict[str, str]:
    from tests.conftest import REPO

    return {**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO)}


# -- user defaults ---------------------------------------------------------------------------


def test_user_defaults_choose_what_a_real_new_builds(tmp_path):
    other = next(
        (v for v in ("3.12", "3.13", "3.10") if _found(v)),
        None,
    )
    if other is None:
        pytest.skip("no second Python to choose")
    config = tmp_path / "config" / "webkit" / "config.toml"
    config.parent.mkdir(parents=True)
    config.write_text(f'[new]\nframework = "django"\npython = "{other}"\n')
    work = tmp_path / "work"
    work.mkdir()
    result = webkit(
        "new", "shop", "-y", cwd=work, env={"XDG_CONFIG_HOME": str(config.parent.parent)}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    root = work / "shop"
    assert (root / "manage.py").is_file()
    version = subprocess.run(
        [_python(root), "-c", "import sys; print('%d.%d' % sys.version_info[:2])"],
        capture_output=True,
        text=True,
    ).stdout.strip()
    assert version == other
    assert doctor(root)[0] == 0


def _found(version: str) -> bool:
    try:
        interpreters.find_python(version, (3, 10))
    except Exception:
        return False
    return True
