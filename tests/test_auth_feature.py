"""The auth feature as webkit handles it: the options of `new` and `add`, and the record (the
accounts themselves are the projects': test_e2e_auth_*.py and their own tests)."""

from __future__ import annotations

import pytest

from webkit_cli import project, record
from webkit_cli.errors import UsageError


def features(root) -> dict:
    return project.read_pyproject(root / "pyproject.toml")["tool"]["webkit"].get("features", {})


@pytest.mark.parametrize(
    ("args", "verification"),
    [
        (["--auth"], False),
        (["--auth", "--no-email-verification"], False),
        (["--auth", "--email-verification"], True),
    ],
)
def test_new_records_accounts_with_their_setting(invoke, tmp_path, args, verification):
    result = invoke("new", "shop", *args, "--no-venv", "--no-git", "-y", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert features(tmp_path / "shop") == {"auth": {"email_verification": verification}}


def test_auth_and_jobs_are_recorded_together(invoke, tmp_path):
    result = invoke(
        "new", "shop", "--auth", "--jobs", "redis", "--no-venv", "--no-git", "-y", "-o", tmp_path
    )
    assert result.exit_code == 0, result.output
    assert features(tmp_path / "shop") == {
        "auth": {"email_verification": False},
        "jobs": {"backend": "redis"},
    }


def test_email_verification_without_accounts_is_refused_and_writes_nothing(invoke, tmp_path):
    result = invoke("new", "shop", "--email-verification", "--no-venv", "-y", "-o", tmp_path)
    assert result.exit_code == 2, result.output
    assert "accounts are off" in result.output
    assert "--auth" in result.output
    assert list(tmp_path.iterdir()) == []


def test_the_dry_run_shows_the_recorded_setting(invoke, tmp_path):
    result = invoke("new", "shop", "--auth", "--dry-run", "-y", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert "[tool.webkit.features.auth]" in result.output
    assert "email_verification = false" in result.output
    assert list(tmp_path.iterdir()) == []


def _record(settings) -> dict:
    return {
        "tool": {
            "webkit": {
                "framework": "flask",
                "package": "shop",
                "template_version": "4",
                "features": {"auth": settings},
            }
        }
    }


def test_the_record_fills_in_a_missing_setting_with_its_default():
    assert record.from_pyproject(_record({})).features == {"auth": {"email_verification": False}}


def test_the_record_refuses_a_setting_that_is_not_a_boolean():
    with pytest.raises(UsageError) as raised:
        record.from_pyproject(_record({"email_verification": "yes"}))
    assert "email_verification = 'yes' is not a boolean" in raised.value.message
    assert "true or false" in raised.value.hint


def test_the_record_refuses_a_setting_it_does_not_know():
    with pytest.raises(UsageError) as raised:
        record.from_pyproject(_record({"social_login": True}))
    assert "'social_login' is not a setting webkit knows" in raised.value.message
    assert "email_verification" in raised.value.hint


@pytest.fixture
def made(invoke, tmp_path, monkeypatch):
    """A new project (no .venv) at the current release, committed by `new`."""
    monkeypatch.delenv("WEBKIT_TEMPLATES_DIR", raising=False)
    result = invoke("new", "shop", "--no-venv", "-o", tmp_path, "-y")
    assert result.exit_code == 0, result.output
    return tmp_path / "shop"


def test_add_auth_records_the_feature_and_then_is_already_on(invoke, made):
    result = invoke("add", "auth", "--no-install", "--commit", cwd=made)
    assert result.exit_code == 0, result.output
    assert features(made) == {"auth": {"email_verification": False}}
    again = invoke("add", "auth", "--no-install", cwd=made)
    assert again.exit_code == 0 and "auth is already on" in again.output


def test_add_auth_changes_only_the_setting_it_is_given(invoke, made):
    assert invoke("add", "auth", "--no-install", "--commit", cwd=made).exit_code == 0
    on = invoke("add", "auth", "--email-verification", "--no-install", "--commit", cwd=made)
    assert on.exit_code == 0, on.output
    assert features(made) == {"auth": {"email_verification": True}}
    # Without the flag the setting stays as it is.
    again = invoke("add", "auth", "--no-install", cwd=made)
    assert "auth is already on" in again.output
    assert features(made) == {"auth": {"email_verification": True}}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["jobs", "--email-verification"], "--email-verification is for auth, not jobs"),
        (["postgres", "--no-email-verification"], "--no-email-verification is for auth"),
        (["auth", "--backend", "redis"], "--backend is for jobs, not auth"),
    ],
)
def test_a_setting_of_another_feature_is_refused(invoke, made, args, message):
    result = invoke("add", *args, "--no-install", cwd=made)
    assert result.exit_code == 2, result.output
    assert message in result.output
    assert features(made) == {}
