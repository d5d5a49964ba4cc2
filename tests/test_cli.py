"""The command line as a user meets it: help, version, errors and exit codes."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, need_tool, pyenv_versions, tree, webkit
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
    assert "no such command 'nwe'" in result.output


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
    versions = pyenv_versions()
    if "2.7" in args and not (versions and list(versions.glob("2.7*"))):
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


def _path_without(*tools: str) -> str:
    """PATH without the folders that hold `tools`."""
    folders = os.environ["PATH"].split(os.pathsep)
    return os.pathsep.join(
        p for p in folders if p and not any(os.path.exists(os.path.join(p, t)) for t in tools)
    )


def test_a_failed_step_exits_1_with_the_project_kept_and_the_hint(tmp_path):
    # No git on PATH: the project is made, the git step fails, and so does `new`.
    result = webkit("new", "shop", "--no-venv", cwd=tmp_path, env={"PATH": _path_without("git")})
    assert result.returncode == 1, result.stdout + result.stderr
    assert "error: git is not installed" in result.stderr
    assert f"hint: the project is kept in {tmp_path / 'shop'}; install git" in result.stderr
    assert "webkit setup" in result.stdout.split("Next steps:")[1]
    assert (tmp_path / "shop" / "pyproject.toml").is_file()
    assert not (tmp_path / "shop" / ".git").exists()


def test_a_step_skipped_on_request_is_no_failure(tmp_path):
    result = webkit(
        "new", "shop", "--no-venv", "--no-git", cwd=tmp_path, env={"PATH": _path_without("git")}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stderr == ""


def test_the_first_commit_says_whose_it_is_when_git_knows_no_user(tmp_path):
    need_tool("git")
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home), "GIT_CONFIG_NOSYSTEM": "1", "XDG_CONFIG_HOME": str(home)}
    env |= {k: "" for k in ("GIT_AUTHOR_EMAIL", "GIT_COMMITTER_EMAIL", "EMAIL")}
    result = webkit("new", "shop", "--no-venv", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "warning: the commit is authored as webkit <webkit@localhost>" in result.stderr
    assert "git commit --amend --reset-author" in result.stderr


def test_commands_are_printed_as_the_user_can_run_them(tmp_path):
    """webkit installed in a venv that is not on PATH: what it suggests names its path."""
    script = Path(sys.executable).parent / "webkit"
    assert script.is_file(), "the README's install puts a webkit script next to python"
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    env |= {"NO_COLOR": "1", "COLUMNS": "200", "PATH": _path_without("webkit")}
    made = subprocess.run(
        [str(script), "new", "shop", "--no-venv", "--no-git"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=env,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    steps = made.stdout.split("Next steps:")[1]
    assert f"{script} setup" in steps and f"{script} serve" in steps
    outside = subprocess.run(
        [str(script), "setup"], cwd=tmp_path, capture_output=True, text=True, env=env
    )
    assert outside.returncode == 2
    assert f"`{script} new NAME`" in outside.stderr
    on_path = webkit("new", "blog", "--no-venv", "--no-git", cwd=tmp_path)
    assert "  webkit serve " in on_path.stdout


def test_django_next_steps_name_the_admin(tmp_path):
    result = webkit("new", "shop", "-f", "django", "--no-venv", "--no-git", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    steps = result.stdout.split("Next steps:")[1]
    assert ".venv/bin/python manage.py createsuperuser" in steps
    assert "/manage/" in steps


def test_a_bad_name_at_the_prompt_is_asked_again(invoke, tmp_path, monkeypatch):
    monkeypatch.setattr("webkit_cli.console.is_interactive", lambda: True)
    result = invoke(
        "new", "--dry-run", "--no-venv", cwd=tmp_path, input="my shop\nshop.io\nblog\nflask\n\n"
    )
    assert result.exit_code == 0, result.output
    assert "Error: project name 'my shop' contains whitespace" in result.output
    assert "Error: project name 'shop.io' contains '.'" in result.output
    assert "Plan for" in result.output and f"{tmp_path / 'blog'}" in result.output


def test_the_time_shown_leaves_out_the_time_spent_answering(invoke, tmp_path, monkeypatch):
    import click

    from webkit_cli.commands import new as new_module

    clock = [1000.0]
    monkeypatch.setattr(new_module.time, "perf_counter", lambda: clock[0])
    monkeypatch.setattr("webkit_cli.console.is_interactive", lambda: True)
    real_prompt = click.prompt

    def slow_user(*args, **kwargs):
        clock[0] += 600  # ten minutes thinking about a name
        return real_prompt(*args, **kwargs)

    monkeypatch.setattr(new_module.click, "prompt", slow_user)
    result = invoke("new", "--no-venv", "--no-git", cwd=tmp_path, input="blog\nflask\n\n")
    assert result.exit_code == 0, result.output
    assert "Created Flask project blog in 0 ms" in result.output


def test_new_in_a_project_folder_itself_says_so(invoke, tmp_path):
    (tmp_path / "pyproject.toml").write_text("[tool.webkit]\nframework = 'flask'\npackage = 'a'\n")
    result = invoke("new", "shop", "--no-venv", cwd=tmp_path)
    assert result.exit_code == 2
    assert f"error: {tmp_path} is a webkit project\n" in result.output
    assert "is inside" not in result.output


def test_a_reader_that_stops_early_is_no_error(tmp_path):
    """`webkit new shop --dry-run | head -1`: the closed pipe ends nothing and fails nothing."""
    env = {k: v for k, v in os.environ.items() if k not in {"DATABASE_URL", "SECRET_KEY"}}
    child = subprocess.Popen(
        [sys.executable, "-m", "webkit_cli", "new", "shop", "--dry-run"],
        cwd=tmp_path,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**env, "NO_COLOR": "1", "PYTHONPATH": str(REPO)},
    )
    # The first line comes before the render that the plan needs: the plan meets a closed pipe.
    assert child.stdout.readline().startswith(b"Framework: flask")
    child.stdout.close()
    stderr = child.stderr.read()
    assert child.wait(timeout=60) == 0
    assert stderr == b""
    assert list(tmp_path.iterdir()) == []


# click's own usage errors, in webkit's form: one line of what went wrong, one of what to do.
CLICK_ERRORS = [
    (
        ["new", "shop", "--db", "oracle"],
        "error: invalid value for '--db': 'oracle' is not one of",
        "`webkit new --help`",
    ),
    (["new", "shop", "--bogus"], "error: no such option", "`webkit new --help`"),
    (["new", "shop", "--frmework", "flask"], "error: no such option", "did you mean --framework?"),
    (["serve", "--port"], "error: option '--port' requires an argument", "`webkit serve --help`"),
    (
        ["serve", "--port", "http"],
        "error: invalid value for '-p' / '--port'",
        "webkit serve --help",
    ),
    (["nwe"], "error: no such command 'nwe'", "`webkit --help`"),
    (["cache", "bogus"], "error: no such command 'bogus'", "`webkit cache --help`"),
    (["--bogus"], "error: no such option", "`webkit --help`"),
]


@pytest.mark.parametrize(("args", "reason", "hint"), CLICK_ERRORS, ids=lambda v: str(v)[:30])
def test_click_usage_errors_look_like_webkits_own(tmp_path, args, reason, hint):
    result = webkit(*args, cwd=tmp_path)
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 2, result.stderr
    assert lines[0].startswith(reason), result.stderr
    assert lines[1].startswith("  hint: ") and hint in lines[1], result.stderr
    assert result.stdout == ""
    assert list(tmp_path.iterdir()) == []


def test_global_options_also_after_the_command_name(invoke, tmp_path):
    quiet = invoke("new", "quiet-app", "--no-venv", "-q", cwd=tmp_path)
    assert quiet.exit_code == 0, quiet.output
    assert quiet.output.strip() == ""
    loud = invoke("new", "loud-app", "--verbose", "--no-venv", cwd=tmp_path)
    assert loud.exit_code == 0, loud.output
    assert "$ " in loud.output and "git init -q" in loud.output
    debug = invoke("setup", "--debug", cwd=tmp_path)
    assert debug.exit_code == 2
    assert "Traceback" in debug.output and "not inside a webkit project" in debug.output
    listed = invoke("cache", "dir", "--no-color", cwd=tmp_path)
    assert listed.exit_code == 0, listed.output
    from webkit_cli import console

    assert console.settings.color is False
