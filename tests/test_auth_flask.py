"""The Flask template's accounts (`--auth`) as webkit renders them: the render path (pristine,
`add auth`), and where the feature's files and migration go. The accounts themselves are
tested by the project's own suite (test_e2e_auth_flask.py runs it)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from tests.test_pristine import committed, rendered_again
from tests.test_update import commit, git, project_table
from webkit_cli import project

MIGRATION = "migrations/versions/auth0001_create_user_account_and_api_token_tables.py"


def new(invoke, where: Path, *options: str, git_init: bool = True) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    flags = [] if git_init else ["--no-git"]
    result = invoke("new", "shop", "-f", "flask", *options, "--no-venv", *flags, "-y", "-o", where)
    assert result.exit_code == 0, result.output
    return where / "shop"


def down_revision(root: Path) -> str | None:
    tree = ast.parse((root / MIGRATION).read_text())
    values = {
        node.targets[0].id: ast.literal_eval(node.value)
        for node in tree.body
        if isinstance(node, ast.Assign) and isinstance(node.targets[0], ast.Name)
    }
    assert values["revision"] == "auth0001"
    return values["down_revision"]


@pytest.mark.parametrize(
    "options",
    [
        ["--auth"],
        ["--auth", "--email-verification"],
        ["--auth", "--jobs", "redis", "--db", "postgres"],
    ],
)
def test_a_new_auth_project_renders_again_to_what_new_wrote(invoke, tmp_path, options):
    root = new(invoke, tmp_path / "p", *options)
    again = rendered_again(root, tmp_path)
    assert again == committed(root, again)
    assert "shop/accounts/models.py" in again
    assert MIGRATION in again


def test_the_accounts_files_and_settings(invoke, tmp_path):
    root = new(invoke, tmp_path, "--auth", git_init=False)
    package = root / "shop"
    for path in ("accounts/views.py", "accounts/access.py", "templates/accounts/login.html"):
        assert (package / path).is_file(), path
    pyproject = (root / "pyproject.toml").read_text()
    for dependency in ("argon2-cffi", "flask-limiter", "flask-login", "flask-mailman"):
        assert f'"{dependency}>=' in pyproject
    assert "EMAIL_URL=console://" in (root / ".env").read_text()
    example = (root / ".env.example").read_text()
    assert "EMAIL_URL=" in example and "RATELIMIT_STORAGE_URI=" in example
    assert "self.EMAIL_VERIFICATION = False" in (package / "config.py").read_text()
    assert "@bp.auth_required(api_auth)" in (package / "api/items.py").read_text()
    assert "@login_required" in (package / "pages.py").read_text()
    assert 'aria-label="Account"' in (package / "templates/base.html").read_text()
    assert "## Accounts" in (root / "README.md").read_text()


def test_a_project_without_accounts_has_none_of_it(invoke, tmp_path):
    root = new(invoke, tmp_path, git_init=False)
    assert not (root / "shop/accounts").exists()
    assert not (root / MIGRATION).exists()
    assert "auth_required" not in (root / "shop/api/items.py").read_text()
    assert "csrf-token" not in (root / "shop/templates/base.html").read_text()
    assert "EMAIL_URL" not in (root / ".env.example").read_text()


@pytest.mark.parametrize(("options", "after"), [([], "0001"), (["--jobs"], "jobs0001")])
def test_the_migration_comes_after_the_last_one_of_the_template(invoke, tmp_path, options, after):
    root = new(invoke, tmp_path, "--auth", *options, git_init=False)
    assert down_revision(root) == after


def test_email_verification_is_the_setting_of_the_record(invoke, tmp_path):
    root = new(invoke, tmp_path, "--auth", "--email-verification", git_init=False)
    assert "self.EMAIL_VERIFICATION = True" in (root / "shop/config.py").read_text()


@pytest.mark.parametrize("options", [[], ["--jobs"]])
def test_add_auth_brings_the_feature_as_new_would_have_made_it(invoke, tmp_path, options):
    """`webkit add auth` on a committed project the user changed: the user's change stays, and
    every file (the migration too) is the one `webkit new --auth` writes."""
    root = new(invoke, tmp_path / "p", *options)
    readme = root / "README.md"
    readme.write_text(readme.read_text() + "\nOur own notes.\n")
    commit(root)
    result = invoke("add", "auth", "--no-install", "--commit", cwd=root)
    assert result.exit_code == 0, result.output
    assert "Our own notes." in readme.read_text()
    assert project_table(root)["features"]["auth"] == {"email_verification": False}
    fresh = new(invoke, tmp_path / "fresh", "--auth", *options, git_init=False)
    for path in fresh.rglob("*"):
        relative = path.relative_to(fresh)
        if path.is_file() and relative.name not in (".env", "README.md"):
            assert (root / relative).read_bytes() == path.read_bytes(), relative
    assert git(root, "status", "--porcelain") == ""
    again = invoke("add", "auth", cwd=root)
    assert again.exit_code == 0 and "auth is already on" in again.output


def test_add_auth_then_email_verification_changes_the_setting_only(invoke, tmp_path):
    root = new(invoke, tmp_path, "--auth")
    result = invoke("add", "auth", "--email-verification", "--no-install", "--commit", cwd=root)
    assert result.exit_code == 0, result.output
    changed = set(git(root, "show", "--name-only", "--format=", "HEAD").split())
    expected = {"pyproject.toml", "README.md", "shop/config.py", "tests/test_email_verification.py"}
    assert changed == expected
    assert project.load(root).record.features["auth"] == {"email_verification": True}
