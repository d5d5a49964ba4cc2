"""Django's accounts (--auth) as webkit renders them: the record renders again to what `new`
wrote, `add auth` gives the files `new --auth` writes, and the framework's step before the
merge (the accounts' tests are the project's own: test_e2e_auth_django.py runs them)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.test_pristine import committed, rendered_again
from tests.test_update import commit, git, project_table
from webkit_cli import frameworks, project
from webkit_cli.errors import UsageError
from webkit_cli.frameworks import django_auth


def new(invoke, where: Path, *options: str) -> Path:
    where.mkdir(parents=True, exist_ok=True)
    result = invoke("new", "shop", "-f", "django", *options, "--no-venv", "-y", "-o", where)
    assert result.exit_code == 0, result.output
    return where / "shop"


@pytest.mark.parametrize(
    "options",
    [
        ["--auth"],
        ["--auth", "--email-verification"],
        ["--auth", "--jobs", "redis", "--db", "postgres"],
        ["--auth", "--db", "mysql"],
    ],
)
def test_the_record_of_accounts_renders_again_to_the_committed_files(invoke, tmp_path, options):
    root = new(invoke, tmp_path / "p", *options)
    again = rendered_again(root, tmp_path)
    files = committed(root, again)

    assert again == files
    assert "accounts/models.py" in files
    assert "accounts/migrations/0001_initial.py" in files


def test_new_auth_writes_the_accounts_app_and_its_settings(invoke, tmp_path):
    root = new(invoke, tmp_path, "--auth", "--email-verification")
    settings = (root / "config" / "settings.py").read_text()

    assert '"accounts",' in settings and '"axes",' in settings
    assert 'AUTH_USER_MODEL = "accounts.User"' in settings
    assert "default=True)" in settings.split("ACCOUNTS_VERIFY_EMAIL = ")[1].splitlines()[0]
    hashers = settings.split("PASSWORD_HASHERS = [")[1]
    assert hashers.split('"')[1] == "django.contrib.auth.hashers.Argon2PasswordHasher"
    assert "CommonPasswordValidator" in settings
    assert 'AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]' in settings
    assert "AXES_HTTP_RESPONSE_CODE = 429" in settings
    assert settings.index('"axes.middleware.AxesMiddleware"') > settings.index("XFrameOptions")
    pyproject = (root / "pyproject.toml").read_text()
    assert '"argon2-cffi>=' in pyproject and '"django-axes>=' in pyproject
    assert 'source = ["config", "shop", "accounts"]' in pyproject
    assert "EMAIL_URL=consolemail://" in (root / ".env").read_text()
    assert "EMAIL_URL=" in (root / ".env.example").read_text()
    assert 'path("accounts/", include("accounts.urls"))' in (root / "config/urls.py").read_text()
    assert "auth=WRITE_AUTH" in (root / "shop" / "api" / "items.py").read_text()
    assert (root / "accounts" / "migrations" / "0001_initial.py").is_file()


def test_without_auth_nothing_of_accounts_is_rendered(invoke, tmp_path):
    root = new(invoke, tmp_path)

    assert not (root / "accounts").exists()
    for path in ["config/settings.py", "shop/api/items.py", "shop/views.py", "pyproject.toml"]:
        text = (root / path).read_text()
        assert "accounts" not in text and "WRITE_AUTH" not in text, path


def test_add_auth_brings_the_accounts_as_new_would_have_made_them(invoke, tmp_path, monkeypatch):
    monkeypatch.delenv("WEBKIT_TEMPLATES_DIR", raising=False)
    root = new(invoke, tmp_path / "old")
    readme = root / "README.md"
    readme.write_text(readme.read_text() + "\nOur own notes.\n")
    commit(root)

    result = invoke("add", "auth", "--no-install", "--commit", cwd=root)

    assert result.exit_code == 0, result.output
    # No .venv, so no database to look at: said, not silently skipped.
    assert "was not looked at" in result.output
    assert "Our own notes." in readme.read_text()
    assert project_table(root)["features"] == {"auth": {"email_verification": False}}
    fresh = new(invoke, tmp_path / "fresh", "--auth")
    for path in fresh.rglob("*"):
        relative = path.relative_to(fresh)
        if (
            path.is_file()
            and ".git" not in relative.parts
            and relative.name
            not in (
                ".env",
                "README.md",
            )
        ):
            assert (root / relative).read_bytes() == path.read_bytes(), relative
    assert "accounts/migrations/0001_initial.py" in git(root, "ls-files")
    again = invoke("add", "auth", cwd=root)
    assert again.exit_code == 0 and "auth is already on" in again.output


def test_the_dry_run_of_add_auth_touches_no_database(invoke, tmp_path, monkeypatch):
    root = new(invoke, tmp_path)
    called = []
    monkeypatch.setattr(django_auth, "before_add", lambda proj: called.append(proj) or [])

    result = invoke("add", "auth", "--dry-run", cwd=root)

    assert result.exit_code == 0, result.output
    assert called == []
    assert "AUTH_USER_MODEL" in result.output


def test_only_django_auth_has_a_step_before_the_merge():
    django = frameworks.get("django")

    assert django.before_adding("auth") is django_auth.before_add
    assert django.before_adding("jobs") is None
    assert frameworks.get("flask").before_adding("auth") is None


@pytest.fixture
def inspected(monkeypatch, tmp_path):
    """`inspected(state)`: the project's database as django_auth.inspect would find it; the
    manage.py commands run are recorded."""
    ran: list[tuple[str, ...]] = []

    class Done:
        ok = True

        @staticmethod
        def tail() -> str:
            return ""

    def given(state: dict) -> list[tuple[str, ...]]:
        monkeypatch.setattr(django_auth, "inspect", lambda proj: state)
        monkeypatch.setattr(django_auth, "_manage", lambda proj, *args: ran.append(args) or Done)
        return ran

    return given


def test_a_database_with_users_is_refused_and_left_alone(inspected, tmp_path):
    ran = inspected({"model": "auth.User", "users": 2, "apps": ["admin"]})

    with pytest.raises(UsageError) as refused:
        django_auth.before_add(project.Project.__new__(project.Project))

    assert "2 user(s)" in refused.value.message
    assert "nothing was changed" in refused.value.message
    assert "webkit add auth" in refused.value.hint
    assert ran == []


def test_without_users_the_migrations_on_the_user_model_are_undone(inspected):
    ran = inspected({"model": "auth.User", "users": 0, "apps": ["admin", "reviews"]})

    done = django_auth.before_add(project.Project.__new__(project.Project))

    assert done == ["admin", "reviews"]
    assert ran == [
        ("migrate", "admin", "zero", "--noinput"),
        ("migrate", "reviews", "zero", "--noinput"),
    ]


def test_a_user_model_of_its_own_is_left_as_it_is(inspected):
    ran = inspected({"model": "accounts.User", "users": 5, "apps": ["admin"]})

    assert django_auth.before_add(project.Project.__new__(project.Project)) == []
    assert ran == []
