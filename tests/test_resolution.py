"""`webkit new` resolves the runtime dependencies while it renders the project and creates
.venv, then installs exactly those versions from uv's cache, going to the index only for what
the cache lacks; and the background child it starts for that never outlives webkit."""

from __future__ import annotations

import re
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import in_venv, webkit
from webkit_cli import runner, venvs
from webkit_cli.errors import StepFailed

# ---------------------------------------------------------------------------------------------
# runner.Background


def test_a_background_child_reports_its_output_and_status():
    job = runner.Background([sys.executable, "-c", "print('x' * 200000); raise SystemExit(3)"])
    result = job.result(timeout=60)  # more than a pipe holds: a temporary file takes it
    assert result.returncode == 3 and result.output.strip() == "x" * 200000


def test_a_cancelled_or_late_background_child_is_killed_and_reaped():
    job = runner.Background([sys.executable, "-c", "import time; time.sleep(60)"])
    pid = job._child.pid
    assert job._child in runner._LIVE
    job.cancel()
    assert job._child.returncode is not None and job._child not in runner._LIVE
    assert not Path(f"/proc/{pid}").exists()
    started = time.monotonic()
    late = runner.Background([sys.executable, "-c", "import time; time.sleep(60)"])
    result = late.result(timeout=0.5)
    assert not result.ok and "timed out" in result.output
    assert time.monotonic() - started < 10 and late._child.returncode is not None


def test_a_background_command_that_cannot_start_is_a_failure_not_a_crash(tmp_path):
    result = runner.Background([str(tmp_path / "missing")]).result()
    assert not result.ok and "missing" in result.output


# ---------------------------------------------------------------------------------------------
# venvs.Resolution, with a stand-in for uv that records what it was asked


def fake_uv(tmp_path: Path, pins: str, status: int = 0) -> Path:
    script = tmp_path / "uv"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys, pathlib\n"
        f"pathlib.Path({str(tmp_path / 'argv')!r}).write_text('\\n'.join(sys.argv[1:]))\n"
        "source = sys.argv[sys.argv.index('--output-file') - 1]\n"
        f"pathlib.Path({str(tmp_path / 'source')!r}).write_text(open(source).read())\n"
        "out = sys.argv[sys.argv.index('--output-file') + 1]\n"
        f"pathlib.Path(out).write_text({pins!r})\n"
        f"sys.exit({status})\n"
    )
    script.chmod(0o755)
    return script


def test_the_resolution_gives_the_pins_uv_compiled_for_the_venvs_interpreter(tmp_path):
    uv = fake_uv(tmp_path, "# a comment\nflask==3.1.3\nwerkzeug==3.1.9\n\n")
    interpreter = venvs.Interpreter(path="/opt/python3.12", version=(3, 12, 4))
    resolution = venvs.Resolution(str(uv), interpreter, ["flask>=3.1,<4"], tmp_path)
    assert resolution.pins() == ["flask==3.1.3", "werkzeug==3.1.9"]
    argv = (tmp_path / "argv").read_text().splitlines()
    assert argv[:2] == ["pip", "compile"]
    assert argv[argv.index("--python") + 1] == "/opt/python3.12"
    assert (tmp_path / "source").read_text() == "flask>=3.1,<4\n"
    assert not resolution._folder.exists()  # its scratch files are gone


@pytest.mark.parametrize(("pins", "status"), [("flask==3.1.3\n", 1), ("", 0)])
def test_a_failed_or_empty_resolution_gives_no_pins(tmp_path, pins, status):
    uv = fake_uv(tmp_path, pins, status)
    interpreter = venvs.Interpreter(path=sys.executable, version=(3, 11, 7))
    resolution = venvs.Resolution(str(uv), interpreter, ["flask"], tmp_path)
    assert resolution.pins() is None
    assert not resolution._folder.exists()


# ---------------------------------------------------------------------------------------------
# The install: the pins from uv's cache first, the ranges from the index if that fails


@pytest.fixture
def recorded(tmp_path, monkeypatch):
    """runner.run replaced: each call is recorded and answered from `outcomes`."""
    calls: list[list[str]] = []
    outcomes: list[int] = []

    def fake_run(argv, **kwargs):
        calls.append(list(argv))
        return runner.Result(list(argv), outcomes.pop(0), "")

    monkeypatch.setattr(runner, "run", fake_run)
    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    return python, calls, outcomes


def test_the_pins_install_from_the_cache_alone_when_it_has_them(recorded, tmp_path):
    python, calls, outcomes = recorded
    outcomes[:] = [0]
    uv = venvs.UvInstaller("uv")
    uv.install(python, ["flask>=3.1,<4"], tmp_path, offline_first=["flask==3.1.3"])
    assert calls == [["uv", "pip", "install", "--python", str(python), "--offline", "flask==3.1.3"]]
    assert not (python.parent.parent / venvs.INCOMPLETE_MARKER).exists()


def test_a_cache_miss_installs_the_ranges_from_the_index(recorded, tmp_path):
    python, calls, outcomes = recorded
    outcomes[:] = [2, 0]
    venvs.UvInstaller("uv").install(
        python, ["flask>=3.1,<4"], tmp_path, offline_first=["flask==3.1.3"]
    )
    assert calls[1] == ["uv", "pip", "install", "--python", str(python), "flask>=3.1,<4"]
    assert not (python.parent.parent / venvs.INCOMPLETE_MARKER).exists()
    outcomes[:] = [2, 2]
    with pytest.raises(StepFailed, match="uv failed to install"):
        venvs.UvInstaller("uv").install(python, ["flask"], tmp_path, offline_first=["flask==1"])
    assert (python.parent.parent / venvs.INCOMPLETE_MARKER).exists()


def test_pip_has_no_offline_attempt(recorded, tmp_path):
    python, calls, outcomes = recorded
    outcomes[:] = [0]
    venvs.PipInstaller().install(python, ["flask"], tmp_path, offline_first=["flask==3.1.3"])
    assert len(calls) == 1 and "--offline" not in calls[0] and "flask" in calls[0]
    assert venvs.PipInstaller().start_resolution(None, ["flask"], tmp_path) is None


# ---------------------------------------------------------------------------------------------
# End to end, with the real uv and the real index


def _uv_installs(output: str) -> list[str]:
    return [line for line in output.splitlines() if re.search(r"uv pip install --python", line)]


@pytest.mark.e2e
def test_new_installs_the_resolved_versions_from_a_cold_cache_and_then_from_the_warm_one(
    tmp_path,
):
    env = {"UV_CACHE_DIR": str(tmp_path / "uv-cache"), "TMPDIR": str(tmp_path / "tmp")}
    (tmp_path / "tmp").mkdir()
    cold = webkit("--verbose", "new", "cold", "-y", "--no-git", cwd=tmp_path, env=env)
    assert cold.returncode == 0, cold.stdout + cold.stderr
    installs = _uv_installs(cold.stdout)
    # the cache had none of the wheels: the pins were tried offline, then the index served
    assert "--offline" in installs[0] and "flask==" in installs[0], installs
    assert "--offline" not in installs[1] and "flask>=3.1,<4" in installs[1], installs

    warm = webkit("--verbose", "new", "warm", "-y", "--no-git", cwd=tmp_path, env=env)
    assert warm.returncode == 0, warm.stdout + warm.stderr
    installs = _uv_installs(warm.stdout)
    assert "--offline" in installs[0] and "flask==" in installs[0], installs
    assert not any("flask>=3.1,<4" in line for line in installs), installs  # no second try
    assert "pip compile" in warm.stdout

    # uv, not virtualenv, put pip into .venv (with the pins, from its cache), and no lock lists it
    assert re.search(r" pip==[0-9]", installs[0]), installs
    for name in ("cold", "warm"):
        site = next((tmp_path / name / ".venv" / "lib").glob("python3.*/site-packages"))
        (record,) = site.glob("pip-*.dist-info")
        assert (record / "INSTALLER").read_text().strip() == "uv"
        assert in_venv(tmp_path / name, "-m", "pip", "--version").returncode == 0
        assert (tmp_path / name / ".venv" / "bin" / "pip").is_file()

    # the same versions, and working projects
    lock = [line for line in (tmp_path / "cold" / "requirements.lock").read_text().splitlines()]
    assert lock == (tmp_path / "warm" / "requirements.lock").read_text().splitlines()
    assert not [line for line in lock if line.lower().startswith("pip==")]
    check = in_venv(tmp_path / "warm", "-m", "flask", "--app", "warm", "db", "current")
    assert check.returncode == 0 and "(head)" in check.stdout, check.stdout + check.stderr
    assert list((tmp_path / "tmp").iterdir()) == []  # no scratch file left behind


def test_no_room_for_the_resolution_leaves_the_install_to_resolve(tmp_path, monkeypatch):
    from webkit_cli import frameworks, names, scaffold
    from webkit_cli.commands import new

    def no_temporary_folder(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(venvs, "Resolution", no_temporary_folder)
    plan = new.Plan(
        names=names.validate("shop"),
        framework=frameworks.get("flask"),
        target=tmp_path / "shop",
        interpreter=venvs.Interpreter(path=sys.executable, version=(3, 11, 7)),
        installer=venvs.UvInstaller("uv"),
        git=False,
        context={"project_name": "shop", "project_slug": "shop", "package_name": "shop"},
    )
    assert new._start_resolution(plan, scaffold.template_dir("flask")) is None
    monkeypatch.undo()
    started = new._start_resolution(plan, scaffold.template_dir("flask"))
    assert isinstance(started, venvs.Resolution)  # the same plan, with room: it starts
    source = (started._folder / "requirements.in").read_text().splitlines()
    assert source[-1] == "pip" and any(line.startswith("flask") for line in source)
    started.cancel()


@pytest.mark.parametrize("pip", [True, False])
def test_a_venv_gets_pip_from_virtualenv_unless_the_installer_brings_it(tmp_path, pip):
    interpreter = venvs.Interpreter(path=sys.executable, version=tuple(sys.version_info[:3]))
    python = venvs.create_venv(interpreter, tmp_path / ".venv", pip=pip)
    assert python.is_file() and (tmp_path / ".venv" / "pyvenv.cfg").is_file()
    assert (tmp_path / ".venv" / "bin" / "pip").exists() == pip
    found = list((tmp_path / ".venv" / "lib").glob("python3.*/site-packages/pip"))
    assert bool(found) == pip


# ---------------------------------------------------------------------------------------------
# Whether uv runs: checked in the background while `new` renders


def uv_stand_in(tmp_path: Path, status: int) -> Path:
    script = tmp_path / "uv"
    script.write_text(f"#!/bin/sh\necho 'uv 0.0.0'\nexit {status}\n")
    script.chmod(0o755)
    return script


def test_auto_takes_uv_and_checks_it_runs_in_the_background(tmp_path, monkeypatch):
    monkeypatch.setattr(venvs, "uv_binary", lambda: str(uv_stand_in(tmp_path, 0)))
    chosen = venvs.select_installer("auto")
    assert isinstance(chosen, venvs.UvInstaller) and chosen._check is not None
    assert chosen.usable() is chosen and chosen._check is None


@pytest.mark.parametrize("failure", ["exits-with-an-error", "cannot-be-executed"])
def test_auto_falls_back_to_pip_when_uv_turns_out_not_to_run(
    tmp_path, monkeypatch, capsys, failure
):
    uv = uv_stand_in(tmp_path, 1)
    if failure == "cannot-be-executed":
        uv.write_bytes(b"\x7fELF-not-for-this-machine")  # exec(2) refuses it
    monkeypatch.setattr(venvs, "uv_binary", lambda: str(uv))
    chosen = venvs.select_installer("auto").usable()
    assert isinstance(chosen, venvs.PipInstaller)
    assert "uv does not run here" in capsys.readouterr().err


def test_asking_for_uv_that_does_not_run_fails_before_anything_is_written(tmp_path, monkeypatch):
    from webkit_cli.errors import UsageError

    monkeypatch.setattr(venvs, "uv_binary", lambda: str(uv_stand_in(tmp_path, 1)))
    with pytest.raises(UsageError, match="uv was requested but its binary"):
        venvs.select_installer("uv")


def test_a_failure_is_reported_by_its_last_message_with_the_lines_uv_wrapped():
    uv = (
        "warning: Failed to hardlink files; falling back to full copy.\n"
        "         If the cache and target directories are on different filesystems, ...\n"
        "error: Failed to install: gunicorn-27.0.1-py3-none-any.whl (gunicorn==27.0.1)\n"
        "  cause: Failed to copy to `/p/site-packages/gunicorn/util.py`\n"
        "  cause: failed to copy file to /p/site-packages/gunicorn/.tmpf: No space left on"
        " device (os\n"
        "         error 28)\n"
    )
    result = runner.Result(["uv"], 2, uv)
    assert result.tail() == (
        "cause: failed to copy file to /p/site-packages/gunicorn/.tmpf: "
        "No space left on device (os error 28)"
    )
    assert result.tail(2).startswith("cause: Failed to copy to `/p/site-packages/gunicorn/util")
    traceback = 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: boom\n'
    assert runner.Result(["python"], 1, traceback).tail() == "ValueError: boom"
    pip = "ERROR: Could not find a version\nERROR: No matching distribution found for nope\n"
    assert runner.Result(["pip"], 1, pip).tail() == "ERROR: No matching distribution found for nope"
    assert runner.Result(["x"], 3, "\n  \n").tail() == "exit status 3"
