"""`webkit update` and `webkit add` end to end: real projects with .venv, real installs, real
migrations and database servers, and a project made by the webkit of before the record.

tests/test_update.py has the merge scenarios on projects without .venv; here the steps after
the merge run for real: the lock files follow a dependency change, a migration the template
adds beside the project's own is merged by the framework's tool and applied, `webkit add
postgres|mysql` gives a project whose own tests pass on the real server.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, in_venv, webkit
from tests.test_update import FLASK_PKG, commit, edit, git, newer_templates
from webkit_cli import template_store

pytestmark = pytest.mark.e2e

# The last commit whose webkit made projects without the record (template_version "1").
RELEASE_1_WEBKIT = "da5fe5f"
RUN = secrets.token_hex(3)


def new(where: Path, *args: str, env: dict | None = None) -> Path:
    result = webkit("new", "shop", "-y", *args, cwd=where, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    return where / "shop"


def test_a_dependency_change_installs_it_and_writes_the_lock_files_again(tmp_path):
    root = new(tmp_path)
    lock_before = (root / "requirements.lock").read_text()

    def add_dependency(t: Path) -> None:
        edit(
            t / "{{cookiecutter.project_slug}}/pyproject.toml",
            '    "python-dotenv>=1.0,<2",\n',
            '    "python-dotenv>=1.0,<2",\n    "six>=1.16,<2",\n',
        )

    templates = newer_templates(tmp_path / "newer", "flask", add_dependency)
    result = webkit("update", "--commit", cwd=root, env={"WEBKIT_TEMPLATES_DIR": str(templates)})
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Installed the new dependencies" in result.stdout
    assert git(root, "status", "--porcelain") == ""
    lock = (root / "requirements.lock").read_text()
    assert "six==" not in lock_before
    assert re.search(r"(?m)^six==", lock), lock
    assert re.search(r"(?m)^six==", (root / "requirements-dev.lock").read_text())
    # requirements.lock holds the runtime dependencies only, never the dev tools
    for dev_tool in ("pytest", "ruff", "mypy"):
        assert not re.search(rf"(?m)^{dev_tool}==", lock), lock
    unchanged = [
        pin for pin in lock_before.splitlines() if pin.startswith(("flask==", "sqlalchemy=="))
    ]
    assert all(pin in lock for pin in unchanged)  # the locked versions are kept
    check = in_venv(root, "-c", "import six")
    assert check.returncode == 0, check.stderr
    changed = git(root, "show", "--name-only", "--format=", "HEAD").split()
    assert {"pyproject.toml", "requirements.lock", "requirements-dev.lock"} <= set(changed)


@pytest.mark.parametrize("framework", ["flask", "django"])
def test_a_template_migration_beside_the_projects_own_is_merged_and_applied(tmp_path, framework):
    root = new(tmp_path, "-f", framework)
    # The project's own migration: a new column on the example model.
    if framework == "flask":
        edit(
            root / "shop/models.py",
            "    description:",
            "    sku: Mapped[str | None] = mapped_column(String(40))\n    description:",
        )
        made = in_venv(
            root, "-m", "flask", "--app", "shop", "db", "migrate", "-m", "sku", "--rev-id", "0002"
        )
    else:
        edit(
            root / "shop/models.py",
            "    description = ",
            "    sku = models.CharField(max_length=40, blank=True)\n    description = ",
        )
        made = in_venv(root, "manage.py", "makemigrations", "shop", "-n", "sku")
    assert made.returncode == 0, made.stdout + made.stderr
    commit(root)

    def template_migration(t: Path) -> None:
        if framework == "flask":
            source = t / "{{cookiecutter.project_slug}}/migrations/versions"
            (source / "0002_template_index.py").write_text(
                '"""The template\'s own second migration."""\n\n'
                'revision = "0002t"\ndown_revision = "0001"\nbranch_labels = None\n'
                "depends_on = None\n\n\ndef upgrade() -> None:\n    pass\n\n\n"
                "def downgrade() -> None:\n    pass\n"
            )
        else:
            source = t / f"{FLASK_PKG}/migrations"
            (source / "0002_template_noop.py").write_text(
                "from django.db import migrations\n\n\n"
                "class Migration(migrations.Migration):\n"
                '    dependencies = [("{{ cookiecutter.package_name }}", "0001_initial")]\n'
                "    operations: list[migrations.operations.base.Operation] = []\n"
            )

    templates = newer_templates(tmp_path / "newer", framework, template_migration)
    result = webkit("update", cwd=root, env={"WEBKIT_TEMPLATES_DIR": str(templates)})
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "and merged the template's with yours" in output
    pending = {
        "flask": ("-m", "flask", "--app", "shop", "db", "current"),
        "django": ("manage.py", "migrate", "--check"),
    }[framework]
    check = in_venv(root, *pending)
    assert check.returncode == 0, check.stdout + check.stderr
    if framework == "flask":
        assert "(head)" in check.stdout
    tests = in_venv(root, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider")
    assert tests.returncode == 0, tests.stdout[-3000:]


def test_a_project_of_the_webkit_before_the_record_is_updated_keeping_its_edits(tmp_path):
    """Made by the webkit of release 1 (that commit, run from git), edited, then updated by
    this one: the record gains its answers, the template's changes arrive, the edits stay."""
    old = tmp_path / "old-webkit"
    archive = subprocess.run(
        ["git", "-C", str(REPO), "archive", "--format=tar", RELEASE_1_WEBKIT],
        capture_output=True,
        check=False,
    )
    if archive.returncode != 0:
        pytest.skip(f"this checkout lacks commit {RELEASE_1_WEBKIT} (a shallow clone?)")
    old.mkdir()
    subprocess.run(["tar", "-x", "-C", str(old)], input=archive.stdout, check=True)
    made = subprocess.run(
        [sys.executable, "-m", "webkit_cli", "new", "shop", "-y"],
        cwd=tmp_path,
        env={**os.environ, "PYTHONPATH": str(old), "NO_COLOR": "1"},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    root = tmp_path / "shop"
    assert 'template_version = "1"' in (root / "pyproject.toml").read_text()
    edit(root / "README.md", "# shop\n", "# shop\n\nOur shop, our words.\n")
    (root / "shop/orders.py").write_text('"""Ours."""\n')
    commit(root)

    result = webkit("update", "--commit", cwd=root)
    assert result.returncode == 0, result.stdout + result.stderr
    current = template_store.current_version("flask")
    pyproject = (root / "pyproject.toml").read_text()
    assert f'template_version = "{current}"' in pyproject
    assert 'project_slug = "shop"' in pyproject and 'database = "sqlite"' in pyproject
    assert "Our shop, our words." in (root / "README.md").read_text()
    assert (root / "shop/orders.py").read_text() == '"""Ours."""\n'
    assert (root / "shop/api/items.py").is_file()  # the template's new API arrived
    tests = in_venv(root, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert tests.returncode == 0, tests.stdout[-3000:]
    again = webkit("update", cwd=root)
    assert again.returncode == 0 and "Nothing to update" in again.stdout


SERVERS = {
    "postgres": ("postgresql://postgres@127.0.0.1:5432/wk_{run}_{fw}", "Created database"),
    "mysql": ("mysql://root@127.0.0.1:3306/wk_{run}_{fw}", "Created database"),
}


@pytest.mark.parametrize("server", ["postgres", "mysql"])
@pytest.mark.parametrize("framework", ["flask", "django"])
def test_add_a_database_server_gives_a_project_that_passes_its_tests_there(
    tmp_path, framework, server
):
    root = new(tmp_path, "-f", framework)
    edit(root / "README.md", "# shop\n", "# shop\n\nmine\n")
    commit(root)
    url = SERVERS[server][0].format(run=RUN, fw=framework)
    result = webkit("add", server, "--database-url", url, "--commit", cwd=root)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "Moving the data is yours to do" in output
    assert git(root, "status", "--porcelain") == ""
    assert f'database = "{server}"' in (root / "pyproject.toml").read_text()
    assert "mine" in (root / "README.md").read_text()
    try:
        tests = in_venv(root, "-m", "pytest", "-q", "-p", "no:cacheprovider")
        assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-2000:]
        setup = webkit("setup", cwd=root)
        assert setup.returncode == 0 and "Nothing to do" in setup.stdout, setup.stdout
    finally:
        drop(server, url)


def drop(server: str, url: str) -> None:
    name = url.rsplit("/", 1)[1]
    if server == "postgres":
        argv = [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-c",
            f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        ]
    else:
        argv = [
            "mariadb",
            "-h",
            "127.0.0.1",
            "-u",
            "root",
            "-e",
            f"DROP DATABASE IF EXISTS `{name}`",
        ]
    if shutil.which(argv[0]):
        subprocess.run(argv, capture_output=True, check=False)
