"""`webkit update` and `webkit add`: real projects, real edits, real newer templates.

Each scenario makes a project with `webkit new`, commits edits of the kind users make, builds a
newer release of the template (a copy of templates/ with a change, kept as webkit keeps its
releases: tools/bump_template.py's way), and runs `webkit update` against it. Every scenario
checks that nothing the user wrote is lost. Most run without .venv (`--no-install`: the merge is
what they test); those that install and migrate are marked e2e.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import REPO
from webkit_cli import template_store

FLASK_PKG = "{{cookiecutter.project_slug}}/{{cookiecutter.package_name}}"
# The release projects get today, and the one each test's newer template is.
NOW = template_store.current_version("flask")
NEXT = str(int(NOW) + 1)
DJANGO_PKG = FLASK_PKG


def _bump_tool():
    spec = importlib.util.spec_from_file_location("bump_template", REPO / "tools/bump_template.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def newer_templates(
    where: Path, framework: str, change: Callable[[Path], None], source: Path | None = None
) -> Path:
    """A copy of webkit's templates with `change` made to `framework`'s template as a new
    release: the one before is kept as its differences, the version goes up by one."""
    root = where / "templates"
    if not root.exists():
        shutil.copytree(source or template_store.templates_root(), root)
    template = root / framework
    old = where / f"old-{framework}"
    shutil.rmtree(old, ignore_errors=True)
    shutil.copytree(template, old)
    change(template)
    tool = _bump_tool()
    version = template_store.version_of(template)
    new_version = str(int(version) + 1)
    tool.keep_release(root, framework, version, old, template)
    tool.set_version(template, version, new_version)
    versions = root / template_store.RELEASES / template_store.VERSIONS_FILE
    recorded = json.loads(versions.read_text())
    recorded[framework][new_version] = template_store.digest(template)
    versions.write_text(json.dumps(recorded, indent=2))
    return root


def edit(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert old in text, f"{old!r} is not in {path}"
    path.write_text(text.replace(old, new, 1))


def git(root: Path, *args: str) -> str:
    done = subprocess.run(["git", *args], cwd=root, capture_output=True, text=True)
    assert done.returncode == 0, done.stderr
    return done.stdout


def commit(root: Path, message: str = "my changes") -> None:
    git(root, "add", "-A")
    git(root, "-c", "user.name=me", "-c", "user.email=me@example.com", "commit", "-qm", message)


def snapshot(root: Path) -> dict[str, str]:
    """Every file outside .git with its content and mode, HEAD, and the index."""
    state = {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest() + oct(p.stat().st_mode)
        for p in sorted(root.rglob("*"))
        if p.is_file() and ".git" not in p.relative_to(root).parts
    }
    state["<HEAD>"] = git(root, "rev-parse", "HEAD")
    state["<index>"] = git(root, "ls-files", "--stage")
    return state


@pytest.fixture
def make(invoke, tmp_path, monkeypatch):
    """`make(framework)`: a new project (no .venv) at the current release, committed."""
    monkeypatch.delenv("WEBKIT_TEMPLATES_DIR", raising=False)

    def build(framework: str = "flask") -> Path:
        result = invoke("new", "shop", "-f", framework, "--no-venv", "-o", tmp_path, "-y")
        assert result.exit_code == 0, result.output
        return tmp_path / "shop"

    return build


@pytest.fixture
def release(tmp_path, monkeypatch):
    """`release(framework, change)`: webkit carries a newer template from now on."""

    def publish(framework: str, change: Callable[[Path], None]) -> Path:
        root = newer_templates(tmp_path / "newer", framework, change)
        monkeypatch.setenv("WEBKIT_TEMPLATES_DIR", str(root))
        return root

    return publish


def update(invoke, root: Path, *args: str):
    return invoke("update", "--no-install", *args, cwd=root)


CONFIG = f"{FLASK_PKG}/config.py"
LOG_LINE = '        self.LOG_LEVEL = environ.get("LOG_LEVEL", "INFO").upper()\n'


def test_an_up_to_date_project_has_nothing_to_update(invoke, make):
    root = make()
    before = snapshot(root)
    assert invoke("update", "--check", cwd=root).exit_code == 0
    result = invoke("update", cwd=root)
    assert result.exit_code == 0, result.output
    assert "Nothing to update" in result.output
    assert snapshot(root) == before


def test_check_says_an_update_exists_with_exit_2_and_changes_nothing(invoke, make, release):
    root = make()
    release("flask", lambda t: edit(t / f"{FLASK_PKG}/health.py", '"""', '"""Health. '))
    before = snapshot(root)
    result = invoke("update", "--check", cwd=root)
    assert result.exit_code == 2
    assert f"release {NOW}, webkit carries {NEXT}" in result.output
    assert snapshot(root) == before


def test_a_template_change_to_a_file_the_user_left_alone_arrives_staged(invoke, make, release):
    root = make()
    edit(root / "README.md", "# shop\n", "# shop\n\nMy shop, my words.\n")
    commit(root)
    release(
        "flask",
        lambda t: edit(
            t / CONFIG,
            "ONE_YEAR = 365 * 24 * 60 * 60\n",
            "ONE_YEAR = 365 * 24 * 60 * 60\nONE_DAY = 86400\n",
        ),
    )
    result = update(invoke, root)
    assert result.exit_code == 0, result.output
    assert "updated   shop/config.py" in result.output
    assert "ONE_DAY = 86400" in (root / "shop/config.py").read_text()
    assert "My shop, my words." in (root / "README.md").read_text()
    staged = git(root, "diff", "--cached", "--name-only").split()
    assert "shop/config.py" in staged and "pyproject.toml" in staged
    assert f'template_version = "{NEXT}"' in (root / "pyproject.toml").read_text()


def test_edits_and_template_changes_in_one_file_combine(invoke, make, release):
    root = make()
    edit(
        root / "shop/config.py",
        "ONE_YEAR = 365 * 24 * 60 * 60\n",
        "ONE_YEAR = 365 * 24 * 60 * 60  # mine\n",
    )
    commit(root)
    release(
        "flask",
        lambda t: edit(
            t / CONFIG,
            LOG_LINE,
            LOG_LINE + '        self.LOG_FORMAT = environ.get("LOG_FORMAT", "text")\n',
        ),
    )
    result = update(invoke, root)
    assert result.exit_code == 0, result.output
    text = (root / "shop/config.py").read_text()
    assert "ONE_YEAR = 365 * 24 * 60 * 60  # mine" in text
    assert 'self.LOG_FORMAT = environ.get("LOG_FORMAT", "text")' in text


def _conflicting(make, release) -> Path:
    root = make()
    edit(root / "shop/config.py", LOG_LINE, LOG_LINE.replace('"INFO"', '"DEBUG"'))
    commit(root)
    release("flask", lambda t: edit(t / CONFIG, LOG_LINE, LOG_LINE.replace('"INFO"', '"WARNING"')))
    return root


def test_both_sides_changing_one_line_is_a_git_conflict_that_abort_undoes(invoke, make, release):
    root = _conflicting(make, release)
    before = snapshot(root)
    result = update(invoke, root)
    assert result.exit_code == 1
    assert f"between your changes and flask template release {NEXT}: shop/config.py" in (
        result.output
    )
    assert "webkit update --continue" in result.output and "webkit update --abort" in result.output
    text = (root / "shop/config.py").read_text()
    assert "<<<<<<< your project\n" in text
    assert f">>>>>>> flask template release {NEXT}\n" in text
    assert '"DEBUG"' in text and '"WARNING"' in text
    stages = {
        line.split()[2] for line in git(root, "ls-files", "-u", "shop/config.py").splitlines()
    }
    assert stages == {"1", "2", "3"}
    assert "UU shop/config.py" in git(root, "status", "--porcelain")
    # an update cannot start over it
    again = invoke("update", cwd=root)
    assert again.exit_code == 2 and "not committed yet" in again.output
    undo = invoke("update", "--abort", cwd=root)
    assert undo.exit_code == 0, undo.output
    assert snapshot(root) == before


def test_a_resolved_conflict_finishes_with_continue_and_commit(invoke, make, release):
    root = _conflicting(make, release)
    assert update(invoke, root).exit_code == 1
    early = invoke("update", "--continue", "--no-install", cwd=root)
    assert early.exit_code == 2 and "still have conflicts: shop/config.py" in early.output
    path = root / "shop/config.py"
    lines = path.read_text().splitlines(keepends=True)
    start = next(i for i, line in enumerate(lines) if line.startswith("<<<<<<<"))
    end = next(i for i, line in enumerate(lines) if line.startswith(">>>>>>>"))
    lines[start : end + 1] = [LOG_LINE.replace('"INFO"', '"DEBUG"')]
    path.write_text("".join(lines))
    git(root, "add", "shop/config.py")
    done = invoke("update", "--continue", "--no-install", "--commit", cwd=root)
    assert done.exit_code == 0, done.output
    assert git(root, "status", "--porcelain") == ""
    assert f"Apply flask template release {NEXT}" in git(root, "log", "-1", "--format=%s")
    assert '"DEBUG"' in path.read_text() and "<<<<<<<" not in path.read_text()
    second = invoke("update", cwd=root)  # a second update is a no-op
    assert second.exit_code == 0 and "Nothing to update" in second.output


def test_a_file_the_user_deleted_stays_deleted(invoke, make, release):
    root = make()
    (root / "shop/health.py").unlink()
    (root / "shop/logconfig.py").unlink()
    commit(root)
    release("flask", lambda t: edit(t / f"{FLASK_PKG}/health.py", '"""', '"""Health. '))
    result = update(invoke, root)
    assert result.exit_code == 0, result.output
    assert not (root / "shop/health.py").exists() and not (root / "shop/logconfig.py").exists()
    assert "kept deleted shop/health.py" in result.output
    assert "logconfig" not in result.output  # unchanged by the template: nothing to say


def test_files_the_user_added_are_untouched(invoke, make, release):
    root = make()
    (root / "shop/orders.py").write_text("ORDERS = []\n")
    (root / "notes.txt").write_text("untracked, mine\n")
    git(root, "add", "shop/orders.py")
    commit(root)
    (root / "notes.txt").write_text("untracked, mine\n")
    release(
        "flask",
        lambda t: (t / "{{cookiecutter.project_slug}}/CHANGELOG.md").write_text("# Changes\n"),
    )
    result = update(invoke, root)
    assert result.exit_code == 0, result.output
    assert (root / "shop/orders.py").read_text() == "ORDERS = []\n"
    assert (root / "notes.txt").read_text() == "untracked, mine\n"
    assert "added     CHANGELOG.md" in result.output
    assert (root / "CHANGELOG.md").read_text() == "# Changes\n"


def test_a_file_the_template_removed_goes_unless_the_user_changed_it(invoke, make, release):
    root = make()
    edit(root / ".editorconfig", "root = true", "root = true\n# mine")
    commit(root)

    def remove(t: Path) -> None:
        (t / "{{cookiecutter.project_slug}}/.editorconfig").unlink()
        (t / "{{cookiecutter.project_slug}}/.pre-commit-config.yaml").unlink()

    release("flask", remove)
    result = update(invoke, root)
    assert result.exit_code == 0, result.output
    assert not (root / ".pre-commit-config.yaml").exists()
    assert "removed   .pre-commit-config.yaml" in result.output
    assert "# mine" in (root / ".editorconfig").read_text()
    assert "kept       .editorconfig (the template removed it; you changed it)" in result.output


def test_a_renamed_setting_arrives_beside_the_users_own(invoke, make, release):
    root = make()
    edit(
        root / "shop/config.py",
        "ONE_YEAR = 365 * 24 * 60 * 60\n",
        "ONE_YEAR = 365 * 24 * 60 * 60\nMY_SETTING = 1\n",
    )
    commit(root)

    def rename(t: Path) -> None:
        edit(t / CONFIG, 'environ.get("LOG_LEVEL", "INFO")', 'environ.get("APP_LOG_LEVEL", "INFO")')
        edit(
            t / "{{cookiecutter.project_slug}}/.env.example", "LOG_LEVEL=INFO", "APP_LOG_LEVEL=INFO"
        )
        edit(t / "{{cookiecutter.project_slug}}/.env", "LOG_LEVEL=INFO", "APP_LOG_LEVEL=INFO")

    release("flask", rename)
    env_before = (root / ".env").read_text()
    result = update(invoke, root)
    assert result.exit_code == 0, result.output
    text = (root / "shop/config.py").read_text()
    assert 'environ.get("APP_LOG_LEVEL", "INFO")' in text and "MY_SETTING = 1" in text
    env = (root / ".env").read_text()
    assert env.startswith(env_before) and env.endswith("APP_LOG_LEVEL=INFO\n")  # added, kept
    assert "added     APP_LOG_LEVEL to .env" in result.output


def test_a_migration_the_project_has_is_never_changed(invoke, make, release):
    root = make()
    migration = "migrations/versions/0001_create_item_table.py"
    mine = (root / migration).read_text()
    release(
        "flask",
        lambda t: edit(t / f"{{{{cookiecutter.project_slug}}}}/{migration}", '"""', '"""Changed. '),
    )
    result = update(invoke, root)
    assert result.exit_code == 0, result.output
    assert (root / migration).read_text() == mine
    assert f"kept       {migration} (a migration the project has" in result.output


def test_dry_run_prints_the_diff_and_changes_nothing(invoke, make, release):
    root = _conflicting(make, release)
    before = snapshot(root)
    result = update(invoke, root, "--dry-run")
    assert result.exit_code == 0, result.output
    assert "+<<<<<<< your project" in result.output
    assert "would conflict: shop/config.py" in result.output
    assert snapshot(root) == before


@pytest.mark.parametrize("state", ["dirty", "staged", "merge", "no-git", "unknown-version"])
def test_update_refuses_a_repository_it_cannot_undo_and_changes_nothing(
    invoke, make, release, state
):
    root = make()
    release("flask", lambda t: edit(t / f"{FLASK_PKG}/health.py", '"""', '"""Health. '))
    expected = {
        "dirty": "has uncommitted changes (README.md)",
        "staged": "has uncommitted changes (README.md)",
        "merge": "a merge is in progress",
        "no-git": "is not the top of a git repository",
        "unknown-version": "template_version '99' of the flask template is not one",
    }[state]
    if state in ("dirty", "staged"):
        (root / "README.md").write_text("edited, not committed\n")
        if state == "staged":
            git(root, "add", "README.md")
    elif state == "merge":
        (root / ".git/MERGE_HEAD").write_text(git(root, "rev-parse", "HEAD"))
    elif state == "no-git":
        shutil.rmtree(root / ".git")
    else:
        edit(root / "pyproject.toml", f'template_version = "{NOW}"', 'template_version = "99"')
        commit(root)
    before = {p: v for p, v in snapshot_files(root).items()}
    result = update(invoke, root)
    assert result.exit_code == 2, result.output
    assert expected in result.output
    assert "Traceback" not in result.output
    assert snapshot_files(root) == before


def snapshot_files(root: Path) -> dict[str, str]:
    return {
        str(p.relative_to(root)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(root.rglob("*"))
        if p.is_file()
    }


def test_ctrl_c_while_the_update_is_written_leaves_the_repository_as_it_was(
    invoke, make, release, monkeypatch
):
    from webkit_cli import updating

    root = make()
    edit(root / "README.md", "# shop\n", "# shop\n\nmine\n")
    commit(root)

    def change(t: Path) -> None:
        edit(
            t / CONFIG, "ONE_YEAR = 365 * 24 * 60 * 60\n", "ONE_YEAR = 365 * 24 * 60 * 60\nX = 1\n"
        )
        (t / "{{cookiecutter.project_slug}}/NEW.md").write_text("new\n")
        edit(
            t / "{{cookiecutter.project_slug}}/.env", "LOG_LEVEL=INFO", "LOG_LEVEL=INFO\nNEW_KEY=1"
        )

    release("flask", change)
    before = snapshot(root)
    real = updating._copy
    copied = []

    def interrupted(source, destination):
        if copied:
            raise KeyboardInterrupt
        copied.append(destination)
        real(source, destination)

    monkeypatch.setattr(updating, "_copy", interrupted)
    result = update(invoke, root)
    assert result.exit_code == 130
    assert copied  # it was interrupted after writing a file
    assert snapshot(root) == before
    assert not (root / ".git/webkit/update.json").exists()


def test_add_a_database_switches_the_project_and_abort_undoes_it(invoke, make):
    root = make()
    before = snapshot(root)
    result = invoke("add", "mysql", "--no-install", cwd=root)
    assert result.exit_code == 0, result.output
    assert 'database = "mysql"' in (root / "pyproject.toml").read_text()
    assert "pymysql" in (root / "pyproject.toml").read_text()
    env = (root / ".env").read_text()
    assert "DATABASE_URL=mysql+pymysql://root@127.0.0.1:3306/shop\n" in env
    assert "# Before mysql (webkit add): DATABASE_URL=sqlite:///shop.db" in env
    assert "Moving the data is yours to do" in result.output
    again = invoke("add", "mysql", cwd=root)
    assert again.exit_code == 2 and "not committed yet" in again.output
    assert invoke("update", "--abort", cwd=root).exit_code == 0
    assert snapshot(root) == before
    same = invoke("add", "sqlite", cwd=root)
    assert same.exit_code == 0 and "already uses SQLite" in same.output
    assert snapshot(root) == before


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("oracle",), "'oracle' is not a feature webkit can add"),
        (("sqlite", "--database-url", "postgresql://h/db"), "--database-url is for postgres"),
        (
            ("mysql", "--database-url", "postgresql://h/db"),
            "is a PostgreSQL URL, not one for mysql",
        ),
        (("mysql", "--database-url", "mysql://h:port/db"), "has an invalid port"),
    ],
)
def test_add_refuses_bad_input_and_changes_nothing(invoke, make, args, message):
    root = make()
    before = snapshot(root)
    result = invoke("add", *args, cwd=root)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert snapshot(root) == before


@pytest.mark.parametrize("where", ["merge", "install"])
def test_ctrl_c_before_or_after_the_files_are_written_leaves_the_repository_as_it_was(
    invoke, make, release, monkeypatch, where
):
    """Ctrl-C while the merge runs (in scratch) or while the steps after it run (the install,
    the migration): the project is as it was, and no update is left pending."""
    from webkit_cli import environment, updating

    root = make()
    release("flask", lambda t: edit(t / CONFIG, LOG_LINE, LOG_LINE + "        self.X = 1\n"))
    before = snapshot(root)

    def interrupt(*args, **kwargs):
        raise KeyboardInterrupt

    if where == "merge":
        monkeypatch.setattr(updating, "_settle", interrupt)
        result = invoke("update", cwd=root)
    else:
        monkeypatch.setattr(environment, "dependency_sets", lambda proj: ([], []))
        monkeypatch.setattr("webkit_cli.commands._record_change._install_and_migrate", interrupt)
        monkeypatch.setattr("webkit_cli.virtualenvs.venv_problem", lambda python: None)
        result = invoke("update", cwd=root)
        assert "the update is undone" in result.output
    assert result.exit_code == 130
    assert snapshot(root) == before
    assert not (root / ".git/webkit/update.json").exists()


def test_an_untracked_file_where_the_template_adds_one_is_never_overwritten(invoke, make, release):
    root = make()
    (root / "CHANGELOG.md").write_text("my own notes, not committed\n")
    release(
        "flask",
        lambda t: (t / "{{cookiecutter.project_slug}}/CHANGELOG.md").write_text("# Changes\n"),
    )
    before = snapshot(root)
    result = update(invoke, root)
    assert result.exit_code == 2, result.output
    assert "the template adds CHANGELOG.md, and the project has an untracked file there" in (
        result.output
    )
    assert snapshot(root) == before
    assert (root / "CHANGELOG.md").read_text() == "my own notes, not committed\n"


def test_a_project_without_env_gets_no_env_from_an_update(invoke, make, release):
    """A fresh clone has no .env (it holds secrets): an update that adds a setting must not
    create one with placeholder values."""
    root = make()
    (root / ".env").unlink()
    release(
        "flask",
        lambda t: edit(
            t / "{{cookiecutter.project_slug}}/.env", "LOG_LEVEL=INFO", "LOG_LEVEL=INFO\nNEW_KEY=1"
        ),
    )
    result = update(invoke, root)
    assert result.exit_code == 0, result.output
    assert not (root / ".env").exists()
