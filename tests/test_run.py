"""`webkit run`: a command in the project with its .venv first on PATH and .env loaded, from
any folder inside it, with its exit status and signals passed through; shortcuts as data."""

from __future__ import annotations

import os
import pty
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, webkit
from webkit_cli import frameworks, shortcuts
from webkit_cli import project as projects


def make_project(root: Path, framework: str = "flask") -> Path:
    """A project as webkit lays it out, with a real (empty) .venv: no packages installed."""
    package = "shop"
    (root / package).mkdir(parents=True)
    (root / package / "__init__.py").write_text("")
    (root / "pyproject.toml").write_text(
        '[project]\nname = "shop"\ndependencies = []\n\n'
        f'[tool.webkit]\nframework = "{framework}"\npackage = "{package}"\n'
        'template_version = "1"\n',
        encoding="utf-8",
    )
    (root / ".env").write_text("FROM_DOTENV=dotenv\nBOTH=dotenv\nSECRET_KEY=k\n")
    (root / ".env").chmod(0o600)
    base = getattr(sys, "_base_executable", sys.executable)
    subprocess.run([base, "-m", "venv", "--without-pip", str(root / ".venv")], check=True)
    return root


@pytest.fixture
def proj(tmp_path) -> Path:
    return make_project(tmp_path / "shop")


SHOW = (
    "import json, os, sys; print(json.dumps({'cwd': os.getcwd(), 'prefix': sys.prefix, "
    "'path0': os.environ['PATH'].split(os.pathsep)[0], 'venv': os.environ.get('VIRTUAL_ENV'), "
    "'from_dotenv': os.environ.get('FROM_DOTENV'), 'both': os.environ.get('BOTH'), "
    "'bytecode': os.environ.get('PYTHONDONTWRITEBYTECODE'), 'pid': os.getpid()}))"
)


def test_from_a_subfolder_the_command_runs_in_the_root_with_venv_and_dotenv(proj):
    import json

    result = webkit("run", "python", "-c", SHOW, cwd=proj / "shop", env={"BOTH": "environment"})
    assert result.returncode == 0, result.stderr
    seen = json.loads(result.stdout)
    venv = str(proj / ".venv")
    assert seen["cwd"] == str(proj)
    assert seen["prefix"] == venv  # the .venv's python, found first on PATH
    assert seen["path0"] == f"{venv}/bin" and seen["venv"] == venv
    assert seen["from_dotenv"] == "dotenv"
    assert seen["both"] == "environment"  # the environment wins over .env, as for serve
    assert seen["bytecode"] == os.environ.get("PYTHONDONTWRITEBYTECODE")  # passed as exported


def test_the_exit_status_is_the_commands(proj):
    result = webkit("run", "python", "-c", "raise SystemExit(7)", cwd=proj)
    assert result.returncode == 7
    assert result.stderr == ""


def test_death_by_a_signal_is_seen_as_such(proj):
    code = "import os, signal; os.kill(os.getpid(), signal.SIGTERM)"
    result = webkit("run", "python", "-c", code, cwd=proj)
    assert result.returncode == -signal.SIGTERM  # as if run directly, not webkit's 1 or 143


def test_signals_sent_to_webkit_reach_the_command(proj):
    code = (
        "import os, signal, sys, time\n"
        "signal.signal(signal.SIGTERM, lambda *_: sys.exit(3))\n"
        "print(os.getpid(), flush=True)\n"
        "time.sleep(60)\n"
    )
    child = subprocess.Popen(
        [sys.executable, "-m", "webkit_cli", "run", "python", "-c", code],
        cwd=proj,
        stdout=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONPATH": str(REPO)},
    )
    try:
        pid = int(child.stdout.readline())
        assert pid == child.pid  # webkit became the command: nothing of it waits in between
        child.send_signal(signal.SIGTERM)
        assert child.wait(timeout=30) == 3
    finally:
        child.kill()
        child.wait()


def test_the_terminal_is_the_commands_own(proj):
    """A password prompt reads from the terminal without echoing, as when typed directly."""
    code = "import getpass; print('got', repr(getpass.getpass('pw: ')))"
    pid, fd = pty.fork()
    if pid == 0:  # the child: webkit on a terminal
        os.environ["PYTHONPATH"] = str(REPO)
        os.chdir(proj)
        argv = [sys.executable, "-m", "webkit_cli", "run", "python", "-c", code]
        os.execv(sys.executable, argv)  # noqa: S606
    output, sent, deadline = b"", False, time.monotonic() + 30
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.1)
        if ready:
            try:
                data = os.read(fd, 1024)
            except OSError:
                break
            if not data:
                break
            output += data
        if not sent and b"pw: " in output:
            os.write(fd, b"hunter2\n")
            sent = True
    _, status = os.waitpid(pid, 0)
    text = output.decode(errors="replace")
    assert os.waitstatus_to_exitcode(status) == 0, text
    assert "got 'hunter2'" in text
    assert text.count("hunter2") == 1  # not echoed


def test_a_command_that_is_not_found(invoke, proj):
    result = invoke("run", "pytset", "-x", cwd=proj / "shop")
    assert result.exit_code == 127  # as a shell says it
    lines = result.output.strip().splitlines()
    assert lines[0] == "error: pytset: command not found in the project's .venv/bin or on PATH"
    assert lines[1].startswith("  hint: ")
    assert len(lines) == 2


def test_a_close_name_is_suggested(invoke, proj):
    result = invoke("run", "pyhton", cwd=proj)
    assert result.exit_code == 127
    assert "did you mean python" in result.output


def test_no_command_is_a_usage_error(invoke, proj):
    result = invoke("run", cwd=proj)
    assert result.exit_code == 2
    assert "missing the command to run" in result.output
    assert "shortcuts: tests, lint, shell, migrate, makemigrations" in result.output


def test_outside_a_project(invoke, tmp_path):
    result = invoke("run", "python", "-V", cwd=tmp_path)
    assert result.exit_code == 2
    assert "not inside a webkit project" in result.output


@pytest.mark.parametrize("damage", ["missing", "no pyvenv.cfg"])
def test_without_a_usable_venv_setup_is_the_way_out(invoke, proj, damage):
    import shutil

    if damage == "missing":
        shutil.rmtree(proj / ".venv")
    else:
        (proj / ".venv" / "pyvenv.cfg").unlink()
    result = invoke("run", "python", "-V", cwd=proj)
    assert result.exit_code == 1
    assert "the project's .venv is" in result.output
    assert "webkit setup" in result.output


def test_help_names_every_shortcut_of_every_framework(invoke):
    result = invoke("run", "--help")
    assert result.exit_code == 0
    for name in frameworks.NAMES:
        for shortcut in frameworks.get(name).all_shortcuts():
            assert f"  {shortcut} " in result.output


def test_arguments_after_the_command_are_the_commands_own(proj):
    result = webkit("run", "python", "--help", cwd=proj)
    assert result.returncode == 0
    assert "usage:" in result.stdout.lower() and "webkit" not in result.stdout


# -- shortcuts ----------------------------------------------------------------------------------


def test_shortcuts_run_with_the_projects_python(proj):
    project = projects.find(proj)
    python = str(project.python)
    assert shortcuts.expand(project, "tests", ["-k", "api"]) == [
        [python, "-m", "pytest", "-k", "api"]
    ]
    assert shortcuts.expand(project, "lint", ["shop"]) == [
        [python, "-m", "ruff", "check", "shop"],
        [python, "-m", "ruff", "format", "--check", "shop"],
    ]
    assert shortcuts.expand(project, "shell", []) == [
        [python, "-m", "flask", "--app", "shop", "shell"]
    ]
    assert shortcuts.expand(project, "pytest", []) is None  # not a shortcut: a command


def test_flask_migrations_are_numbered_after_the_highest(proj):
    versions = proj / "migrations" / "versions"
    versions.mkdir(parents=True)
    project = projects.find(proj)
    steps = shortcuts.expand(project, "makemigrations", ["-m", "add price"])
    assert steps[0][-4:] == ["--rev-id", "0001", "-m", "add price"]
    for number, down in (("0001", "None"), ("0009", '"0001"')):
        (versions / f"{number}_x.py").write_text(f'revision = "{number}"\ndown_revision = {down}\n')
    steps = shortcuts.expand(project, "makemigrations", [])
    assert steps[0][-2:] == ["--rev-id", "0010"]
    # the user's own --rev-id wins, and webkit's is left out
    steps = shortcuts.expand(project, "makemigrations", ["--rev-id", "abc"])
    assert steps[0].count("--rev-id") == 1 and steps[0][-1] == "abc"


def test_django_makemigrations_formats_what_it_wrote(tmp_path):
    root = make_project(tmp_path / "shop", "django")
    project = projects.find(root)
    python = str(project.python)
    assert shortcuts.expand(project, "makemigrations", ["shop"]) == [
        [python, "manage.py", "makemigrations", "shop"],
        [python, "-m", "ruff", "format", "."],
    ]


@pytest.fixture
def fake_ruff(tmp_path) -> dict[str, str]:
    """A `ruff` module that says how it was called and exits with $FAKE_RUFF_<command>."""
    folder = tmp_path / "fake"
    (folder / "ruff").mkdir(parents=True)
    (folder / "ruff" / "__init__.py").write_text("")
    (folder / "ruff" / "__main__.py").write_text(
        "import os, sys\nprint('ruff', *sys.argv[1:], flush=True)\n"
        "sys.exit(int(os.environ.get('FAKE_RUFF_' + sys.argv[1], '0')))\n"
    )
    return {"PYTHONPATH": f"{REPO}{os.pathsep}{folder}"}


def test_a_failing_first_step_stops_the_shortcut_with_its_status(proj, fake_ruff):
    both = webkit("run", "lint", cwd=proj, env=fake_ruff)
    assert both.returncode == 0, both.stderr
    assert both.stdout.splitlines() == ["ruff check", "ruff format --check"]
    failed = webkit("run", "lint", cwd=proj, env={**fake_ruff, "FAKE_RUFF_check": "4"})
    assert failed.returncode == 4
    assert failed.stdout.splitlines() == ["ruff check"]
    last = webkit("run", "lint", cwd=proj, env={**fake_ruff, "FAKE_RUFF_format": "5"})
    assert last.returncode == 5
