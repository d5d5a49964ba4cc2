"""User defaults for `webkit new`: config.toml in the platform's config folder, WEBKIT_*
variables over it, options over both; every bad config is one clear line and nothing written."""

from __future__ import annotations

import os
import re
from pathlib import Path

import pytest

from tests.conftest import tree, webkit
from webkit_cli import features, user_defaults


@pytest.fixture
def config(tmp_path, monkeypatch) -> Path:
    """The config file webkit reads: $XDG_CONFIG_HOME/webkit/config.toml (not written yet)."""
    home = tmp_path / "config-home"
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home))
    path = home / "webkit" / "config.toml"
    path.parent.mkdir(parents=True)
    return path


@pytest.fixture
def workdir(tmp_path) -> Path:
    path = tmp_path / "work"
    path.mkdir()
    return path


def settings(output: str) -> dict[str, tuple[str, str]]:
    """The dry run's "Settings" lines: key -> (value, where it came from)."""
    found = {}
    for line in output.splitlines():
        match = re.match(
            r"^   (framework|database|installer|python|features) +(.+?)  +(\S+)$", line
        )
        if match:
            found[match[1]] = (match[2].strip(), match[3])
    return found


def test_the_config_file_is_in_the_platforms_config_folder(config):
    assert user_defaults.config_path() == config


def test_without_config_the_dry_run_says_everything_is_a_default(invoke, config, workdir):
    result = invoke("new", "blog", "--dry-run", "--no-venv", cwd=workdir)
    assert result.exit_code == 0, result.output
    shown = settings(result.output)
    assert shown["framework"] == ("flask", "default")
    assert shown["database"] == ("sqlite", "default")
    assert shown["features"] == ("none", "default")
    assert list(workdir.iterdir()) == []


def test_option_beats_variable_beats_file_beats_default(invoke, config, workdir, monkeypatch):
    config.write_text(
        '[new]\nframework = "django"\ndatabase = "postgres"\ninstaller = "pip"\n', encoding="utf-8"
    )
    monkeypatch.setenv("WEBKIT_DATABASE", "sqlite")
    monkeypatch.setenv("WEBKIT_INSTALLER", "auto")
    result = invoke("new", "blog", "--dry-run", "--no-venv", "--installer", "pip", cwd=workdir)
    assert result.exit_code == 0, result.output
    shown = settings(result.output)
    where = (
        f"~/{config.relative_to(Path.home())}"
        if config.is_relative_to(Path.home())
        else str(config)
    )
    assert shown["framework"] == ("django", where)  # only the file sets it
    assert shown["database"] == ("sqlite", "WEBKIT_DATABASE")  # the variable beats the file
    assert shown["installer"][1] == "--installer"  # the option beats both
    assert "(Django, dry run" in result.output
    assert list(workdir.iterdir()) == []


def test_defaults_are_used_by_a_real_new(invoke, config, workdir):
    config.write_text('[new]\nframework = "django"\n', encoding="utf-8")
    result = invoke("new", "blog", "--no-venv", "--no-git", cwd=workdir)
    assert result.exit_code == 0, result.output
    assert (workdir / "blog" / "manage.py").is_file()
    assert 'framework = "django"' in (workdir / "blog" / "pyproject.toml").read_text()


def test_a_configured_framework_is_not_asked_on_a_terminal(invoke, config, workdir, monkeypatch):
    config.write_text('[new]\nframework = "django"\n', encoding="utf-8")
    monkeypatch.setattr("webkit_cli.console.is_interactive", lambda: True)
    result = invoke("new", "blog", "--dry-run", "--no-venv", cwd=workdir, input="sqlite\n")
    assert result.exit_code == 0, result.output
    assert "Framework (" not in result.output
    assert settings(result.output)["database"] == ("sqlite", "asked")


def test_an_empty_variable_counts_as_unset(invoke, config, workdir, monkeypatch):
    config.write_text('[new]\nframework = "django"\n', encoding="utf-8")
    monkeypatch.setenv("WEBKIT_FRAMEWORK", "")
    result = invoke("new", "blog", "--dry-run", "--no-venv", cwd=workdir)
    assert result.exit_code == 0, result.output
    assert settings(result.output)["framework"][0] == "django"


def test_database_url_wins_over_a_configured_database(invoke, config, workdir):
    config.write_text('[new]\ndatabase = "sqlite"\n', encoding="utf-8")
    result = invoke(
        "new",
        "blog",
        "--dry-run",
        "--no-venv",
        "--database-url",
        "postgresql://h/blog",
        cwd=workdir,
    )
    assert result.exit_code == 0, result.output
    assert settings(result.output)["database"] == ("postgres", "--database-url")


def test_a_feature_becomes_valid_once_the_feature_list_names_it(
    invoke, config, workdir, monkeypatch
):
    config.write_text('[new]\nfeatures = ["payments"]\n', encoding="utf-8")
    refused = invoke("new", "blog", "--dry-run", "--no-venv", cwd=workdir)
    assert refused.exit_code == 2
    assert "unknown feature 'payments'" in refused.output
    from webkit_cli import record

    monkeypatch.setattr(features, "NAMES", ("payments", "jobs"))
    monkeypatch.setitem(record.FEATURES, "payments", {})
    monkeypatch.setitem(record.FEATURES, "jobs", {"backend": "database"})
    accepted = invoke("new", "blog", "--dry-run", "--no-venv", cwd=workdir)
    assert accepted.exit_code == 0, accepted.output
    assert settings(accepted.output)["features"][0] == "payments"
    monkeypatch.setenv("WEBKIT_FEATURES", "jobs, payments")
    both = invoke("new", "blog", "--dry-run", "--no-venv", cwd=workdir)
    assert settings(both.output)["features"] == ("jobs, payments", "WEBKIT_FEATURES")


def test_a_python_that_is_not_found_names_where_it_was_asked_for(invoke, config, workdir):
    config.write_text('[new]\npython = "3.99"\n', encoding="utf-8")
    result = invoke("new", "blog", cwd=workdir)
    assert result.exit_code == 2
    assert "Python 3.99 was not found" in result.output
    assert f'new.python = "3.99" in {config}' in result.output.replace("\n", "")
    assert list(workdir.iterdir()) == []


# (config.toml content, what the one error line says after the file's path); key named
BAD_FILES = [
    ("[new\nframework = 'django'\n", "is not valid TOML"),
    ("[new]\nframework = 'django'\nframework = 'flask'\n", "is not valid TOML"),
    ("framework = 'django'\n", "framework is outside the [new] table"),
    ("[serve]\nport = 8000\n", "unknown key 'serve'"),
    ("new = 3\n", "new must be a table"),
    ("[new]\nframwork = 'django'\n", "unknown key new.framwork"),
    ("[new]\nframework = 'rails'\n", 'new.framework = "rails" is not a framework webkit knows'),
    ("[new]\nframework = 3\n", "new.framework = 3 is a number, not a string"),
    ("[new]\ndatabase = 'oracle'\n", 'new.database = "oracle" is not a database webkit knows'),
    ("[new]\ninstaller = 'conda'\n", 'new.installer = "conda" is not an installer webkit knows'),
    ("[new]\npython = 3.12\n", "new.python = 3.12 is a number, not a string"),
    ("[new]\npython = 'three'\n", 'new.python = "three" is neither a version nor a path'),
    ("[new]\npython = '/no/such/python'\n", 'new.python = "/no/such/python" names no file'),
    ("[new]\nfeatures = [1]\n", "new.features = [1] is not a list of feature names"),
    ("[new]\nfeatures = ['payments']\n", "names the unknown feature 'payments'"),
]


@pytest.mark.parametrize(("content", "message"), BAD_FILES, ids=[m for _, m in BAD_FILES])
def test_a_bad_config_file_is_one_line_exit_2_and_nothing_written(
    invoke, config, workdir, content, message
):
    config.write_text(content, encoding="utf-8")
    before = tree(config.parent.parent), tree(workdir)
    result = invoke("new", "blog", "--framework", "flask", cwd=workdir)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 2, result.output
    assert lines[0].startswith(f"error: {config}")
    assert message in lines[0]
    assert lines[1].startswith("  hint: ")
    assert (tree(config.parent.parent), tree(workdir)) == before


def test_a_config_that_is_not_utf8_or_not_a_file(invoke, config, workdir):
    config.write_bytes(b"[new]\nframework = '\xff'\n")
    result = invoke("new", "blog", cwd=workdir)
    assert result.exit_code == 2
    assert f"{config} is not UTF-8 text" in result.output
    config.unlink()
    config.mkdir()
    result = invoke("new", "blog", cwd=workdir)
    assert result.exit_code == 2
    assert f"{config} is a directory" in result.output
    assert list(workdir.iterdir()) == []


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads a file whatever its mode")
def test_an_unreadable_config(invoke, config, workdir):
    config.write_text("[new]\n", encoding="utf-8")
    config.chmod(0)
    result = invoke("new", "blog", cwd=workdir)
    assert result.exit_code == 2
    assert f"cannot read {config}" in result.output


BAD_VARIABLES = [
    ("WEBKIT_FRAMEWORK", "rails", "WEBKIT_FRAMEWORK=rails is not a framework webkit knows"),
    ("WEBKIT_DATABASE", "oracle", "WEBKIT_DATABASE=oracle is not a database webkit knows"),
    ("WEBKIT_INSTALLER", "conda", "WEBKIT_INSTALLER=conda is not an installer webkit knows"),
    ("WEBKIT_PYTHON", "three", "WEBKIT_PYTHON=three is neither a version nor a path"),
    (
        "WEBKIT_FEATURES",
        "payments",
        "WEBKIT_FEATURES=payments names the unknown feature 'payments'",
    ),
]


@pytest.mark.parametrize(
    ("name", "value", "message"), BAD_VARIABLES, ids=[v[0] for v in BAD_VARIABLES]
)
def test_a_bad_variable_is_one_line_exit_2_and_nothing_written(
    invoke, config, workdir, monkeypatch, name, value, message
):
    monkeypatch.setenv(name, value)
    result = invoke("new", "blog", cwd=workdir)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert lines[0] == f"error: {message}"
    assert lines[1].startswith("  hint: ")
    assert list(workdir.iterdir()) == []


def test_a_bad_config_through_the_real_command(config, workdir):
    config.write_text("[new]\nframework = 'rails'\n", encoding="utf-8")
    result = webkit("new", "blog", cwd=workdir, env={"XDG_CONFIG_HOME": str(config.parent.parent)})
    assert result.returncode == 2
    assert result.stdout == ""
    assert result.stderr.splitlines() == [
        f'error: {config}: new.framework = "rails" is not a framework webkit knows',
        "  hint: choose one of: flask, django",
    ]
    assert list(workdir.iterdir()) == []
