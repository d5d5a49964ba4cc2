"""The command line as a user meets it: help, version, errors and exit codes."""

import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, tree
from webkit_cli import __version__


def test_version(invoke):
    result = invoke("--version")
    assert result.exit_code == 0
    assert result.output.strip() == f"webkit, version {__version__}"


def test_module_entry_point():
    result = subprocess.run(
        [sys.executable, "-m", "webkit_cli", "--version"], capture_output=True, text=True, cwd=REPO
    )
    assert result.returncode == 0
    assert __version__ in result.stdout


def test_help_lists_commands_without_importing_them():
    code = (
        "import sys; from webkit_cli.cli import main\n"
        "try:\n    main(['--help'])\nexcept SystemExit:\n    pass\n"
        "heavy = [m for m in ('rich', 'cookiecutter', 'virtualenv', 'jinja2', "
        "'webkit_cli.commands.new') if m in sys.modules]\n"
        "print('HEAVY', heavy)"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO)
    assert "new" in result.stdout and "setup" in result.stdout
    assert "HEAVY []" in result.stdout


def test_unknown_command_is_a_usage_error(invoke):
    result = invoke("nwe")
    assert result.exit_code == 2
    assert "No such command 'nwe'" in result.output


# (arguments, exit code, text in the error) for `webkit new`; each must leave the tree unchanged.
BAD_NEW = [
    (["2shop"], 2, "starts with a digit"),
    (["class"], 2, "Python keyword"),
    (["json"], 2, "standard-library module"),
    (["flask"], 2, "package the project uses"),
    (["a/b"], 2, "is a path"),
    ([".."], 2, "is a path"),
    (["--", "-shop"], 2, "starts with '-'"),
    (["{{7*7}}"], 2, "contains"),
    (["café"], 2, "non-ASCII"),
    (["x" * 300], 2, "300 characters"),
    (["shop", "--framework", "rails"], 2, "'rails' is not one of"),
    (["shop", "--installer", "conda"], 2, "'conda' is not one of"),
    (["shop", "--python", "3.99"], 2, "Python 3.99 was not found"),
    (["shop", "--python", "/nonexistent/python"], 2, "no such file"),
    (["shop", "--python", "2.7"], 2, "too old"),
    (["shop", "-o", "missing-dir"], 2, "does not exist"),
    (["existing-file"], 2, "is not a directory"),
    (["full"], 2, "is not empty"),
    (["full", "--force"], 2, "is not empty"),
    (["empty"], 2, "pass --force"),
    ([], 2, "missing the project name"),
]


@pytest.fixture
def workdir(tmp_path):
    (tmp_path / "existing-file").write_text("keep me")
    (tmp_path / "full").mkdir()
    (tmp_path / "full" / "notes.txt").write_text("keep me")
    (tmp_path / "empty").mkdir()
    return tmp_path


@pytest.mark.parametrize(("args", "code", "message"), BAD_NEW, ids=lambda v: str(v)[:40])
def test_new_refuses_bad_input_and_leaves_nothing(invoke, workdir, args, code, message):
    if "2.7" in args and not list((Path.home() / ".pyenv" / "versions").glob("2.7*")):
        pytest.skip("no Python 2.7 installed")
    before = tree(workdir)
    result = invoke("new", "--no-git", *args, cwd=workdir)
    assert result.exit_code == code, result.output
    assert message in result.output
    assert "Traceback" not in result.output
    assert tree(workdir) == before


def test_new_inside_another_webkit_project_is_refused(invoke, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.webkit]\nframework = 'flask'\npackage = 'a'\n")
    inner = tmp_path / "sub"
    inner.mkdir()
    before = tree(tmp_path)
    result = invoke("new", "shop", "--no-venv", cwd=inner)
    assert result.exit_code == 2
    assert "is inside the webkit project" in result.output
    assert tree(tmp_path) == before


@pytest.mark.parametrize("command", ["setup"])
def test_project_commands_outside_a_project(invoke, tmp_path, command):
    result = invoke(command, cwd=tmp_path)
    assert result.exit_code == 2
    assert "not inside a webkit project" in result.output
    assert "webkit new NAME" in result.output


def test_on_a_terminal_missing_choices_are_asked(invoke, tmp_path, monkeypatch):
    monkeypatch.setattr("webkit_cli.console.is_interactive", lambda: True)
    result = invoke("new", "--dry-run", "--no-venv", cwd=tmp_path, input="blog\ndjango\nsqlite\n")
    assert result.exit_code == 0, result.output
    assert "Project name [shop]: blog" in result.output
    assert "Framework (flask, django) [flask]: django" in result.output
    assert "Database (sqlite, postgres, mysql) [sqlite]: sqlite" in result.output
    assert "Plan for" in result.output and "(Django, dry run" in result.output
    assert "manage.py" in result.output
    assert list(tmp_path.iterdir()) == []


def test_without_a_terminal_defaults_are_used_and_said(invoke, tmp_path):
    result = invoke("new", "blog", "--dry-run", "--no-venv", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Framework: flask (the default; choose with --framework)" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("db", "url", "message"),
    [
        ("sqlite", "postgresql://x/y", "--database-url is a PostgreSQL URL, but --db sqlite"),
        ("sqlite", "mysql://root@x/y", "--database-url is a MySQL URL, but --db sqlite"),
        ("postgres", "mysql://root@x/y", "--database-url is a MySQL URL, but --db postgres"),
        ("mysql", "postgres://x/y", "--database-url is a PostgreSQL URL, but --db mysql"),
    ],
)
def test_database_url_and_another_db_are_contradictory(invoke, tmp_path, db, url, message):
    result = invoke("new", "blog", "--db", db, "--database-url", url, cwd=tmp_path)
    assert result.exit_code == 2
    assert message in result.output
    assert "drop one of the two options" in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("oracle://localhost/shop", "is not a PostgreSQL or MySQL URL"),
        ("sqlite:///shop.db", "is not a PostgreSQL or MySQL URL"),
        ("postgresql://localhost/", "names no database"),
        ("postgresql://localhost:port/shop", "invalid port"),
        ("mysql://root@127.0.0.1:3306/", "names no database"),
        ("mysql://root@127.0.0.1:port/shop", "invalid port"),
        ("mysql:///shop", "names no host"),
    ],
)
def test_bad_database_urls(invoke, tmp_path, url, message):
    result = invoke("new", "blog", "--database-url", url, "--no-venv", cwd=tmp_path)
    assert result.exit_code == 2
    assert message in result.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("scheme", ["oracle", "mysql", "postgresql"])
def test_database_url_password_is_never_printed(invoke, tmp_path, scheme):
    url = f"{scheme}://u:hunter2@h:port/db"  # refused: an unknown scheme or a bad port
    result = invoke("new", "blog", "--database-url", url, "--no-venv", cwd=tmp_path)
    assert result.exit_code == 2
    assert "hunter2" not in result.output
    assert "u:***@h" in result.output


@pytest.mark.parametrize(
    ("framework", "url", "written"),
    [
        (
            "flask",
            "mysql://app:s3cr3tpw@db.internal:3307/blog",
            "mysql+pymysql://app:s3cr3tpw@db.internal:3307/blog",
        ),
        (
            "django",
            "mysql://app:s3cr3tpw@db.internal:3307/blog",
            "mysql://app:s3cr3tpw@db.internal:3307/blog",
        ),
        ("flask", "postgres://db.internal/blog", "postgresql+psycopg://db.internal/blog"),
        ("django", "postgresql://db.internal/blog", "postgres://db.internal/blog"),
    ],
)
def test_the_database_url_goes_to_env_in_the_frameworks_scheme_and_nowhere_else(
    invoke, tmp_path, framework, url, written
):
    result = invoke(
        "new",
        "blog",
        "-f",
        framework,
        "--database-url",
        url,
        "--no-venv",
        "--no-git",
        cwd=tmp_path,
    )
    assert result.exit_code == 0, result.output
    root = tmp_path / "blog"
    assert f"DATABASE_URL={written}\n" in (root / ".env").read_text()
    leaked = [
        p
        for p in root.rglob("*")
        if p.is_file() and p.name != ".env" and b"s3cr3tpw" in p.read_bytes()
    ]
    assert leaked == []
    kind = "mysql" if url.startswith("mysql") else "postgres"
    assert f'database = "{kind}"' in (root / "pyproject.toml").read_text()


def test_dry_run_shows_what_the_project_would_record(invoke, tmp_path):
    result = invoke("new", "blog", "--db", "mysql", "--dry-run", "--no-venv", cwd=tmp_path)
    assert result.exit_code == 0, result.output
    shown = result.output[result.output.index("Recorded in pyproject.toml") :]
    for line in (
        'framework = "flask"',
        'package = "blog"',
        'database = "mysql"',
        "template_version",
    ):
        assert line in shown
    assert "secret" not in shown.lower().replace("no secrets", "")
    assert list(tmp_path.iterdir()) == []


def test_debug_shows_the_traceback_that_is_otherwise_hidden(invoke, tmp_path):
    plain = invoke("setup", cwd=tmp_path)
    assert plain.exit_code == 2 and "Traceback" not in plain.output
    debug = invoke("--debug", "setup", cwd=tmp_path)
    assert debug.exit_code == 2
    assert "Traceback" in debug.output and "UsageError" in debug.output
    assert "not inside a webkit project" in debug.output


def test_quiet_prints_nothing_but_verbose_shows_the_commands(invoke, tmp_path):
    quiet = invoke("-q", "new", "quiet-app", "--no-venv", cwd=tmp_path)
    assert quiet.exit_code == 0, quiet.output
    assert quiet.output.strip() == ""
    assert (tmp_path / "quiet-app" / "pyproject.toml").is_file()
    loud = invoke("-v", "new", "loud-app", "--no-venv", cwd=tmp_path)
    assert loud.exit_code == 0, loud.output
    assert "$ " in loud.output and "git init -q" in loud.output


def test_no_color_and_NO_COLOR_give_plain_output(invoke, tmp_path, monkeypatch):
    from webkit_cli import console

    monkeypatch.delenv("NO_COLOR", raising=False)
    invoke("--no-color", "new", "a-app", "--no-venv", "--no-git", cwd=tmp_path)
    assert console.settings.color is False
    invoke("new", "b-app", "--no-venv", "--no-git", cwd=tmp_path)
    assert console.settings.color is True
    monkeypatch.setenv("NO_COLOR", "1")
    invoke("new", "c-app", "--no-venv", "--no-git", cwd=tmp_path)
    assert console.settings.color is False


def test_a_quiet_step_prints_no_line_unless_it_fails(capsys, monkeypatch):
    from webkit_cli import console

    monkeypatch.setattr(console, "_out", None)
    monkeypatch.setattr(console, "_err", None)
    monkeypatch.setattr(console.settings, "verbosity", console.VERBOSITY_NORMAL)
    monkeypatch.setattr(console.settings, "color", False)
    with console.step("Checking for news") as step:
        step.quiet = True
    with console.step("Saying something", "Said something"):
        pass
    with pytest.raises(KeyboardInterrupt), console.step("Checking again") as step:
        step.quiet = True
        raise KeyboardInterrupt
    out, err = capsys.readouterr()
    assert "Checking for news" not in out + err and "✓ Said something" in out
    assert "✗ Checking again" in err
