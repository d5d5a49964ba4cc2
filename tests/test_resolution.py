"""`webkit new` resolves the runtime dependencies while it renders the project and creates
.venv, then installs exactly those versions from uv's cache, going to the index only for what
the cache lacks; and the background child it starts for that never outlives webkit."""

from __future__ import annotations

import os
import re
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import alive, in_venv, webkit
from webkit_cli import installers, interpreters, locks, runner, virtualenvs
from webkit_cli import resolution as resolution_module
from webkit_cli.errors import StepFailed
from webkit_cli.resolution import Resolution

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
# resolution.Resolution, with a stand-in for uv that records what it was asked


def fake_uv(
    tmp_path: Path,
    pins: str,
    status: int = 0,
    *,
    offline: str | None = None,
    offline_status: int = 0,
    gate: bool = False,
) -> Path:
    """A stand-in for uv's `pip compile`: it records its command line and source, writes
    `pins` and exits with `status` (with --offline: `offline` if given, and `offline_status`).
    `gate`: the online one waits for a file named "answer" first, so that a test decides when
    the index has answered."""
    script = tmp_path / "uv"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys, pathlib, time\n"
        f"folder = pathlib.Path({str(tmp_path)!r})\n"
        "mode = 'offline' if '--offline' in sys.argv else 'online'\n"
        "(folder / f'argv.{mode}').write_text('\\n'.join(sys.argv[1:]))\n"
        "source = sys.argv[sys.argv.index('--output-file') - 1]\n"
        "(folder / 'source').write_text(open(source).read())\n"
        f"if mode == 'online' and {gate!r}:\n"
        "    while not (folder / 'answer').exists():\n"
        "        time.sleep(0.01)\n"
        "out = sys.argv[sys.argv.index('--output-file') + 1]\n"
        f"pins = {offline!r} if mode == 'offline' and {offline!r} is not None else {pins!r}\n"
        "pathlib.Path(out).write_text(pins)\n"
        f"sys.exit({status} if mode == 'online' else {offline_status})\n"
    )
    script.chmod(0o755)
    return script


def test_the_resolution_gives_the_pins_uv_compiled_for_the_venvs_interpreter(tmp_path):
    uv = fake_uv(tmp_path, "# a comment\nflask==3.1.3\nwerkzeug==3.1.9\n\n")
    interpreter = interpreters.Interpreter(path="/opt/python3.12", version=(3, 12, 4))
    resolution = Resolution(str(uv), interpreter, {"run": ["flask>=3.1,<4"]}, tmp_path)
    assert resolution.pins("run") == ["flask==3.1.3", "werkzeug==3.1.9"]
    assert resolution.latest("run") == ["flask==3.1.3", "werkzeug==3.1.9"]
    for mode in ("online", "offline"):
        argv = (tmp_path / f"argv.{mode}").read_text().splitlines()
        assert argv[:2] == ["pip", "compile"]
        assert ("--offline" in argv) == (mode == "offline")
        assert argv[argv.index("--python") + 1] == "/opt/python3.12"
    assert (tmp_path / "source").read_text() == "flask>=3.1,<4\n"
    resolution.cancel()
    assert not resolution._folder.exists()  # its scratch files are gone


def test_the_install_takes_uv_s_cached_versions_while_the_index_has_not_answered(tmp_path):
    """Like npm's --prefer-offline: no wait on the index when uv's cache can resolve; what the
    index says later is kept for the caller to catch up with."""
    uv = fake_uv(tmp_path, "flask==3.1.3\n", offline="flask==3.1.2\n", gate=True)
    interpreter = interpreters.Interpreter(path=sys.executable, version=(3, 11, 7))
    resolution = Resolution(str(uv), interpreter, {"run": ["flask"]}, tmp_path)
    try:
        assert resolution.pins("run") == ["flask==3.1.2"]
        assert resolution.from_cache == {"run"}
        (tmp_path / "answer").touch()
        assert resolution.latest("run") == ["flask==3.1.3"]
    finally:
        resolution.cancel()


def test_a_set_s_pins_may_be_asked_for_again(tmp_path):
    """`new` asks without waiting first (may it install everything at once?), then, installing
    in two steps, again with a wait: the second answer is the index's once it is in."""
    uv = fake_uv(tmp_path, "flask==3.1.3\n", offline="flask==3.1.2\n", gate=True)
    interpreter = interpreters.Interpreter(path=sys.executable, version=(3, 11, 7))
    resolution = Resolution(str(uv), interpreter, {"run": ["flask"]}, tmp_path)
    try:
        assert resolution.pins("run", wait=False) == ["flask==3.1.2"]
        assert resolution.pins("run") == ["flask==3.1.2"]
        (tmp_path / "answer").touch()
        assert resolution.latest("run") == ["flask==3.1.3"]
        assert resolution.pins("run") == ["flask==3.1.3"]
    finally:
        resolution.cancel()


def test_the_index_s_versions_are_taken_when_they_are_in_first(tmp_path):
    uv = fake_uv(tmp_path, "flask==3.1.3\n", offline="flask==3.1.2\n")
    interpreter = interpreters.Interpreter(path=sys.executable, version=(3, 11, 7))
    resolution = Resolution(str(uv), interpreter, {"run": ["flask"]}, tmp_path)
    deadline = time.monotonic() + 30
    while not resolution._jobs["run", "online"][0].finished() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert resolution.pins("run") == ["flask==3.1.3"]
    assert resolution.from_cache == set()
    resolution.cancel()


def test_a_cache_that_cannot_resolve_gives_nothing_at_once_when_asked_not_to_wait(tmp_path):
    uv = fake_uv(tmp_path, "flask==3.1.3\n", offline_status=2, gate=True)
    interpreter = interpreters.Interpreter(path=sys.executable, version=(3, 11, 7))
    resolution = Resolution(str(uv), interpreter, {"run": ["flask"]}, tmp_path)
    try:
        started = time.monotonic()
        assert resolution.pins("run", wait=False) is None
        assert time.monotonic() - started < 5 and resolution.from_cache == set()
        (tmp_path / "answer").touch()
        assert resolution.latest("run") == ["flask==3.1.3"]  # still there for the check
    finally:
        resolution.cancel()


@pytest.mark.parametrize("offline_status", [0, 2])
def test_the_resolution_says_when_uv_s_cache_could_not_resolve(tmp_path, offline_status):
    """Then the install takes the pins from the index at once: uv's cache lacks pages, so the
    wheels too, and an offline attempt would only fail."""
    uv = fake_uv(tmp_path, "flask==3.1.3\n", offline_status=offline_status)
    interpreter = interpreters.Interpreter(path=sys.executable, version=(3, 11, 7))
    resolution = Resolution(str(uv), interpreter, {"run": ["flask"]}, tmp_path)
    try:
        assert resolution.pins("run") == ["flask==3.1.3"]
        assert resolution.cache_missed("run") == bool(offline_status)
    finally:
        resolution.cancel()


def test_a_cache_that_cannot_resolve_waits_for_the_index(tmp_path):
    import threading

    uv = fake_uv(tmp_path, "flask==3.1.3\n", offline_status=2, gate=True)
    interpreter = interpreters.Interpreter(path=sys.executable, version=(3, 11, 7))
    resolution = Resolution(str(uv), interpreter, {"run": ["flask"]}, tmp_path)
    threading.Timer(0.5, (tmp_path / "answer").touch).start()  # after the cache's failure
    assert resolution.pins("run") == ["flask==3.1.3"]
    assert resolution.from_cache == set()
    resolution.cancel()


def stalling_uv(tmp_path: Path, stall: float) -> Path:
    """uv's `pip compile` whose first online run stalls `stall` seconds (as one request does
    now and then behind this machine's proxy); each online run leaves its pid in online.N."""
    script = tmp_path / "uv"
    script.write_text(
        f"#!{sys.executable}\n"
        "import os, sys, pathlib, time\n"
        f"folder = pathlib.Path({str(tmp_path)!r})\n"
        "out = pathlib.Path(sys.argv[sys.argv.index('--output-file') + 1])\n"
        "if '--offline' in sys.argv:\n"
        "    out.write_text('flask==3.1.2\\n')\n"
        "    sys.exit(0)\n"
        "runs = len(list(folder.glob('online.*')))\n"
        "(folder / f'online.{runs}').write_text(str(os.getpid()))\n"
        f"if runs == 0:\n"
        f"    time.sleep({stall})\n"
        "out.write_text(f'flask==3.1.{3 + runs}\\n')\n"
    )
    script.chmod(0o755)
    return script


def test_an_index_that_stalls_is_asked_again_and_the_first_answer_wins(tmp_path):
    uv = stalling_uv(tmp_path, stall=120)
    interpreter = interpreters.Interpreter(path=sys.executable, version=(3, 11, 7))
    resolution = Resolution(str(uv), interpreter, {"run": ["flask"]}, tmp_path)
    try:
        assert resolution.pins("run") == ["flask==3.1.2"]  # uv's cache, no wait
        started = time.monotonic()
        assert resolution.latest("run") == ["flask==3.1.4"]  # the second attempt's answer
        assert time.monotonic() - started < 30
        stalled = int((tmp_path / "online.0").read_text())
        assert not alive(stalled)  # the first attempt is stopped, not left behind
    finally:
        resolution.cancel()


def test_an_index_that_answers_in_time_is_asked_once(tmp_path):
    uv = stalling_uv(tmp_path, stall=0)
    interpreter = interpreters.Interpreter(path=sys.executable, version=(3, 11, 7))
    resolution = Resolution(str(uv), interpreter, {"run": ["flask"]}, tmp_path)
    try:
        assert resolution.latest("run") == ["flask==3.1.3"]
        time.sleep(Resolution.HEDGE_AFTER + 0.3)
        assert resolution.latest("run") == ["flask==3.1.3"]
        assert sorted(p.name for p in tmp_path.glob("online.*")) == ["online.0"]
    finally:
        resolution.cancel()


def refreshing_uv(tmp_path: Path, *, after: str, refresh_status: int = 0) -> Path:
    """uv's `pip compile` as it behaves with a cache: offline, the cached versions (flask 3.1.2)
    until an online run has brought the cache up to date, then `after`; online, flask 3.1.3 and
    werkzeug; with --no-deps (the refresh), `refresh_status`. Each run appends its kind and
    source to calls."""
    script = tmp_path / "uv"
    script.write_text(
        f"#!{sys.executable}\n"
        "import sys, pathlib\n"
        f"folder = pathlib.Path({str(tmp_path)!r})\n"
        "args = sys.argv[1:]\n"
        "kind = 'offline' if '--offline' in args else 'refresh' if '--no-deps' in args else 'online'\n"
        "source = open(args[args.index('--output-file') - 1]).read().split()\n"
        "with open(folder / 'calls', 'a') as calls:\n"
        "    calls.write(kind + ' ' + ','.join(source) + '\\n')\n"
        "out = pathlib.Path(args[args.index('--output-file') + 1])\n"
        "fresh = folder / 'fresh'\n"
        "if kind == 'offline':\n"
        f"    out.write_text({after!r} if fresh.exists() else 'flask==3.1.2\\nwerkzeug==3.1.8\\n')\n"
        "    sys.exit(0)\n"
        f"if kind == 'refresh' and {refresh_status}:\n"
        f"    sys.exit({refresh_status})\n"
        "fresh.touch()\n"
        "out.write_text('flask==3.1.3\\nwerkzeug==3.1.9\\n')\n"
    )
    script.chmod(0o755)
    return script


def _calls(tmp_path: Path) -> list[str]:
    lines = (tmp_path / "calls").read_text().splitlines()
    (tmp_path / "calls").unlink()
    return [line.split()[0] for line in lines]


def _resolve_twice(tmp_path: Path, uv: Path) -> Resolution:
    """One resolution of {run, all} without hints (its names are kept), then a second one."""
    interpreter = interpreters.Interpreter(path=sys.executable, version=(3, 11, 7))
    sets = {"run": ["flask"], "all": ["flask", "pytest"]}
    first = Resolution(str(uv), interpreter, sets, tmp_path)
    try:
        assert first.latest("all") == ["flask==3.1.3", "werkzeug==3.1.9"]
    finally:
        first.cancel()
    calls = _calls(tmp_path)  # (an offline one may not have started before the cancel)
    assert "online" in calls and "refresh" not in calls
    (tmp_path / "fresh").unlink()  # the cache is behind the index again
    return Resolution(str(uv), interpreter, sets, tmp_path)


def test_a_second_resolution_asks_the_index_about_last_time_s_names_at_once(tmp_path):
    uv = refreshing_uv(tmp_path, after="flask==3.1.3\nWerkzeug==3.1.9\n")
    second = _resolve_twice(tmp_path, uv)
    try:
        assert second.latest("all") == ["flask==3.1.3", "Werkzeug==3.1.9"]
        assert second.latest("run") == ["flask==3.1.3", "Werkzeug==3.1.9"]
    finally:
        second.cancel()
    calls = (tmp_path / "calls").read_text().splitlines()
    assert "refresh flask,werkzeug" in calls  # every name in one request each, no resolution
    assert "online" not in _calls(tmp_path)


@pytest.mark.parametrize(
    ("after", "refresh_status"),
    [("flask==3.1.3\nwerkzeug==3.1.9\nnew-dependency==1.0\n", 0), ("flask==3.1.3\n", 1)],
    ids=["a-package-not-refreshed", "the-refresh-failed"],
)
def test_a_refresh_that_cannot_vouch_for_the_answer_gives_way_to_a_resolution(
    tmp_path, after, refresh_status
):
    uv = refreshing_uv(tmp_path, after=after, refresh_status=refresh_status)
    second = _resolve_twice(tmp_path, uv)
    try:
        assert second.latest("all") == ["flask==3.1.3", "werkzeug==3.1.9"]  # the online one
    finally:
        second.cancel()
    assert "online" in _calls(tmp_path)


def test_the_names_are_kept_for_the_same_uv_cache_only(tmp_path, monkeypatch):
    uv = refreshing_uv(tmp_path, after="flask==3.1.3\nwerkzeug==3.1.9\n")
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "one"))
    second = _resolve_twice(tmp_path, uv)
    try:
        assert second.latest("all") == ["flask==3.1.3", "werkzeug==3.1.9"]
    finally:
        second.cancel()
    assert "refresh" in _calls(tmp_path)
    monkeypatch.setenv("UV_CACHE_DIR", str(tmp_path / "two"))
    interpreter = interpreters.Interpreter(path=sys.executable, version=(3, 11, 7))
    other = Resolution(str(uv), interpreter, {"run": ["flask"]}, tmp_path)
    try:
        assert other.latest("run") == ["flask==3.1.3", "werkzeug==3.1.9"]
    finally:
        other.cancel()
    assert "refresh" not in _calls(tmp_path)


@pytest.mark.parametrize(("pins", "status"), [("flask==3.1.3\n", 1), ("", 0)])
def test_a_failed_or_empty_resolution_gives_no_pins(tmp_path, pins, status):
    uv = fake_uv(tmp_path, pins, status)
    interpreter = interpreters.Interpreter(path=sys.executable, version=(3, 11, 7))
    resolution = Resolution(str(uv), interpreter, {"run": ["flask"]}, tmp_path)
    if status:  # the cache resolved, the index failed: the cache's pins, then no latest
        assert resolution.pins("run") == ["flask==3.1.3"]
    else:
        assert resolution.pins("run") is None
    assert resolution.latest("run") is None
    resolution.cancel()
    assert not resolution._folder.exists()


def test_behind_lists_what_the_index_has_newer_than_a_lock(tmp_path):
    from webkit_cli import environment

    lock = tmp_path / "requirements.lock"
    locks.write_lock(lock, ["Flask==3.1.2", "itsdangerous==2.2.0", "old-thing==1"], "uv", "x")
    latest = ["flask==3.1.2", "itsdangerous==2.2.1", "new_thing==2", "pip==26.3"]
    assert environment.behind(lock, latest) == [
        ("itsdangerous", "2.2.0", "2.2.1"),
        ("new-thing", "none", "2"),
        ("old-thing", "1", "none"),
    ]  # names compared as PEP 503 normalises them; pip is in no lock file
    assert environment.behind(lock, ["flask==3.1.2", "itsdangerous==2.2.0", "old-thing==1"]) == []


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
    uv = installers.UvInstaller("uv")
    uv.install(python, ["flask>=3.1,<4"], tmp_path, offline_first=["flask==3.1.3"])
    assert calls == [["uv", "pip", "install", "--python", str(python), "--offline", "flask==3.1.3"]]
    assert not (python.parent.parent / virtualenvs.INCOMPLETE_MARKER).exists()


def test_a_cache_miss_installs_the_ranges_from_the_index(recorded, tmp_path):
    python, calls, outcomes = recorded
    outcomes[:] = [2, 0]
    installers.UvInstaller("uv").install(
        python, ["flask>=3.1,<4"], tmp_path, offline_first=["flask==3.1.3"]
    )
    assert calls[1] == ["uv", "pip", "install", "--python", str(python), "flask>=3.1,<4"]
    assert not (python.parent.parent / virtualenvs.INCOMPLETE_MARKER).exists()
    outcomes[:] = [2, 2]
    with pytest.raises(StepFailed, match="uv failed to install"):
        installers.UvInstaller("uv").install(
            python, ["flask"], tmp_path, offline_first=["flask==1"]
        )
    assert (python.parent.parent / virtualenvs.INCOMPLETE_MARKER).exists()


def test_pins_the_cache_lacks_come_from_the_index_and_the_ranges_if_that_fails(recorded, tmp_path):
    """A cold cache: no offline attempt. An index that lists a release to the resolution and,
    moments later, not to the install (seen on CI) still gets the ranges tried."""
    python, calls, outcomes = recorded
    outcomes[:] = [0]
    uv = installers.UvInstaller("uv")
    uv.install(
        python, ["flask>=3.1,<4"], tmp_path, offline_first=["flask==3.1.3"], cache_lacks=True
    )
    assert calls == [["uv", "pip", "install", "--python", str(python), "flask==3.1.3"]]
    calls.clear()
    outcomes[:] = [1, 0]
    uv.install(
        python, ["flask>=3.1,<4"], tmp_path, offline_first=["flask==3.1.3"], cache_lacks=True
    )
    assert calls[1] == ["uv", "pip", "install", "--python", str(python), "flask>=3.1,<4"]
    assert not (python.parent.parent / virtualenvs.INCOMPLETE_MARKER).exists()


def test_pip_has_no_offline_attempt(recorded, tmp_path):
    python, calls, outcomes = recorded
    outcomes[:] = [0]
    installers.PipInstaller().install(python, ["flask"], tmp_path, offline_first=["flask==3.1.3"])
    assert len(calls) == 1 and "--offline" not in calls[0] and "flask" in calls[0]
    assert installers.PipInstaller().start_resolution(None, {"run": ["flask"]}, tmp_path) is None


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
    # the cache could not even resolve (so it had none of the wheels): the resolved pins came
    # from the index at once, with no offline attempt and no resolution of the ranges again
    assert len(installs) == 2 and not any("--offline" in line for line in installs), installs
    assert all("flask==" in line and "flask>=" not in line for line in installs), installs
    assert "pytest==" in installs[1], installs

    warm = webkit("--verbose", "new", "warm", "-y", "--no-git", cwd=tmp_path, env=env)
    assert warm.returncode == 0, warm.stdout + warm.stderr
    installs = _uv_installs(warm.stdout)
    assert "--offline" in installs[0] and "flask==" in installs[0], installs
    assert not any("flask>=3.1,<4" in line for line in installs), installs  # no second try
    assert "pip compile" in warm.stdout
    # the warm one asked the index about the cold one's packages at once (a refresh), and its
    # versions, resolved from the pages that gave, are those of the cold one's resolution
    assert "--no-deps" not in cold.stdout and "--no-deps" in warm.stdout

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
    from webkit_cli.commands._new_plan import Plan
    from webkit_cli.commands._new_resolution import start_resolution

    def no_temporary_folder(*args, **kwargs):
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(resolution_module, "Resolution", no_temporary_folder)
    plan = Plan(
        names=names.validate("shop"),
        framework=frameworks.get("flask"),
        target=tmp_path / "shop",
        interpreter=interpreters.Interpreter(path=sys.executable, version=(3, 11, 7)),
        installer=installers.UvInstaller("uv"),
        git=False,
        context={"project_name": "shop", "project_slug": "shop", "package_name": "shop"},
    )
    assert start_resolution(plan, scaffold.template_dir("flask")) is None
    monkeypatch.undo()
    started = start_resolution(plan, scaffold.template_dir("flask"))
    assert isinstance(started, Resolution)  # the same plan, with room: it starts
    runtime = (started._folder / "runtime.in").read_text().splitlines()
    assert runtime[-1] == "pip" and any(line.startswith("flask") for line in runtime)
    everything = (started._folder / "everything.in").read_text().splitlines()
    assert everything[: len(runtime)] == runtime and any(x.startswith("pytest") for x in everything)
    started.cancel()


@pytest.mark.parametrize("pip", [True, False])
def test_a_venv_gets_pip_from_virtualenv_unless_the_installer_brings_it(tmp_path, pip):
    interpreter = interpreters.Interpreter(path=sys.executable, version=tuple(sys.version_info[:3]))
    python = virtualenvs.create_venv(interpreter, tmp_path / ".venv", pip=pip)
    assert python.is_file() and (tmp_path / ".venv" / "pyvenv.cfg").is_file()
    assert (tmp_path / ".venv" / "bin" / "pip").exists() == pip
    found = list((tmp_path / ".venv" / "lib").glob("python3.*/site-packages/pip"))
    assert bool(found) == pip


# ---------------------------------------------------------------------------------------------
# virtualenvs.VenvAhead: virtualenv made ready in a child process while `new` renders


def _here() -> interpreters.Interpreter:
    return interpreters.Interpreter(path=sys.executable, version=tuple(sys.version_info[:3]))


@pytest.mark.parametrize("pip", [True, False])
def test_a_venv_made_ready_ahead_is_the_venv_create_venv_makes(tmp_path, pip):
    ahead = virtualenvs.VenvAhead(_here(), tmp_path / "ahead" / ".venv", pip=pip)
    assert not (tmp_path / "ahead").exists()  # nothing is written before `create`
    (tmp_path / "ahead").mkdir()
    python = ahead.create()
    assert ahead._child is None and not [
        c for c in runner._LIVE if c.args[:2] == [sys.executable, "-c"]
    ]
    here = virtualenvs.create_venv(_here(), tmp_path / "here" / ".venv", pip=pip)
    assert python == tmp_path / "ahead" / ".venv" / "bin" / "python"
    assert in_venv(tmp_path / "ahead", "-c", "import sys; print(sys.prefix)").stdout.strip() == str(
        tmp_path / "ahead" / ".venv"
    )
    listing = sorted(p.relative_to(python.parent.parent) for p in python.parent.parent.rglob("*"))
    assert listing == sorted(
        p.relative_to(here.parent.parent) for p in here.parent.parent.rglob("*")
    )
    activate = (python.parent / "activate").read_text()
    assert str(tmp_path / "ahead" / ".venv") in activate  # the scripts name the real place


def test_a_venv_not_needed_after_all_is_never_created(tmp_path):
    ahead = virtualenvs.VenvAhead(_here(), tmp_path / ".venv", pip=False)
    child = ahead._child
    ahead.cancel()
    assert child.returncode == 0 and child not in runner._LIVE
    assert not (tmp_path / ".venv").exists()


def test_a_failure_ahead_is_reported_as_create_venv_reports_it(tmp_path):
    missing = interpreters.Interpreter(path=str(tmp_path / "no-python"), version=(3, 12, 0))
    with pytest.raises(StepFailed) as ahead:
        virtualenvs.VenvAhead(missing, tmp_path / ".venv", pip=False).create()
    with pytest.raises(StepFailed) as here:
        virtualenvs.create_venv(missing, tmp_path / ".venv", pip=False)
    assert ahead.value.message == here.value.message
    assert ahead.value.message.startswith("creating .venv with Python 3.12 failed: ")
    assert ahead.value.hint == here.value.hint and not (tmp_path / ".venv").exists()


def test_a_child_that_cannot_run_only_costs_the_head_start(tmp_path, monkeypatch):
    here = _here()
    monkeypatch.setattr(sys, "executable", str(tmp_path / "missing-python"))
    ahead = virtualenvs.VenvAhead(here, tmp_path / ".venv", pip=False)
    assert ahead._child is None
    monkeypatch.undo()
    assert ahead.create().is_file()
    # and one that dies before it answers
    dying = virtualenvs.VenvAhead(_here(), tmp_path / "again" / ".venv", pip=False)
    dying._child.kill()
    assert dying.create().is_file()


# ---------------------------------------------------------------------------------------------
# Whether uv runs: checked in the background while `new` renders


def uv_stand_in(tmp_path: Path, status: int) -> Path:
    script = tmp_path / "uv"
    script.write_text(f"#!/bin/sh\necho 'uv 0.0.0'\nexit {status}\n")
    script.chmod(0o755)
    return script


def test_auto_takes_uv_and_checks_it_runs_in_the_background(tmp_path, monkeypatch):
    monkeypatch.setattr(installers, "uv_binary", lambda: str(uv_stand_in(tmp_path, 0)))
    chosen = installers.select_installer("auto")
    assert isinstance(chosen, installers.UvInstaller) and chosen._check is not None
    assert chosen.usable() is chosen and chosen._check is None


@pytest.mark.parametrize("failure", ["exits-with-an-error", "cannot-be-executed"])
def test_auto_falls_back_to_pip_when_uv_turns_out_not_to_run(
    tmp_path, monkeypatch, capsys, failure
):
    uv = uv_stand_in(tmp_path, 1)
    if failure == "cannot-be-executed":
        uv.write_bytes(b"\x7fELF-not-for-this-machine")  # exec(2) refuses it
    monkeypatch.setattr(installers, "uv_binary", lambda: str(uv))
    chosen = installers.select_installer("auto").usable()
    assert isinstance(chosen, installers.PipInstaller)
    assert "uv does not run here" in capsys.readouterr().err


def test_asking_for_uv_that_does_not_run_fails_before_anything_is_written(tmp_path, monkeypatch):
    from webkit_cli.errors import UsageError

    monkeypatch.setattr(installers, "uv_binary", lambda: str(uv_stand_in(tmp_path, 1)))
    with pytest.raises(UsageError, match="uv was requested but its binary"):
        installers.select_installer("uv")


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
    # advice after the cause is not the cause (seen when a full disk failed a download)
    hinted = uv + "hint: `markupsafe` (v3.0.4) was included because `flask` (v3.1.3) depends on\n"
    assert runner.Result(["uv"], 2, hinted).tail() == result.tail()
    assert runner.Result(["uv"], 2, "hint: only advice\n").tail() == "hint: only advice"
    traceback = 'Traceback (most recent call last):\n  File "x.py", line 1\nValueError: boom\n'
    assert runner.Result(["python"], 1, traceback).tail() == "ValueError: boom"
    pip = "ERROR: Could not find a version\nERROR: No matching distribution found for nope\n"
    assert runner.Result(["pip"], 1, pip).tail() == "ERROR: No matching distribution found for nope"
    assert runner.Result(["x"], 3, "\n  \n").tail() == "exit status 3"


def wrapped_uv(monkeypatch, path: Path, body: str) -> None:
    """Make webkit run, as uv, a script that wraps the real uv: `body` decides what to change,
    with `real`, `args` and compile_giving_markupsafe() at hand."""
    prelude = f"""#!{sys.executable}
import os, re, subprocess, sys

real, args = {installers.uv_binary()!r}, sys.argv[1:]


def compile_giving_markupsafe(version):
    status = subprocess.run([real, *args]).returncode
    output = args[args.index("--output-file") + 1]
    if status == 0:
        text = open(output).read()
        open(output, "w").write(re.sub(r"(?m)^markupsafe==.*$", "markupsafe==" + version, text))
    sys.exit(status)


"""
    path.write_text(prelude + body)
    path.chmod(0o755)
    monkeypatch.setattr(installers, "uv_binary", lambda: str(path))


# uv, with a cache that is behind the index: until an online resolution has brought it up to
# date, its offline resolution has markupsafe 3.0.2 as the newest release (and so does its
# offline install, which the index serves here).
STALE_UV = """
answered = os.path.join(os.path.dirname(os.path.abspath(__file__)), "index-answered")
compiling = args[:2] == ["pip", "compile"]
if compiling and "--offline" not in args:
    status = subprocess.run([real, *args]).returncode
    if status == 0:  # the cache now holds what the index said
        open(answered, "w").close()
    sys.exit(status)
if compiling and not os.path.exists(answered):
    compile_giving_markupsafe("3.0.2")
if args[:2] == ["pip", "install"] and "markupsafe==3.0.2" in args:
    args.remove("--offline")
os.execv(real, [real, *args])
"""


@pytest.fixture(scope="module")
def warm_uv_cache(tmp_path_factory) -> tuple[Path, list[str]]:
    """A uv cache of the tests' own, warmed by one `webkit new`; and that project's lock."""
    folder = tmp_path_factory.mktemp("warm-uv-cache")
    env = {**os.environ, "UV_CACHE_DIR": str(folder / "uv-cache")}
    primed = webkit("new", "primed", "-y", "--no-git", cwd=folder, env=env)
    assert primed.returncode == 0, primed.stdout + primed.stderr
    return folder / "uv-cache", locks.read_lock(folder / "primed" / "requirements.lock")


@pytest.mark.e2e
def test_a_cache_behind_the_index_is_caught_up_with_after_the_migration(
    tmp_path, monkeypatch, invoke, warm_uv_cache
):
    """The install does not wait for the index when uv's cache can resolve; when the index then
    reports a newer release than the cache had, `new` moves to it: the project ends with the
    versions a fresh resolution gives, in .venv and in both lock files."""
    cache, latest = warm_uv_cache
    monkeypatch.setenv("UV_CACHE_DIR", str(cache))
    assert "markupsafe==3.0.2" not in latest  # else this test proves nothing

    wrapped_uv(monkeypatch, tmp_path / "stale-uv", STALE_UV)
    result = invoke("new", "shop", "-y", "--no-git", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    newest = next(pin for pin in latest if pin.startswith("markupsafe=="))
    assert f"markupsafe 3.0.2 → {newest.split('==')[1]}" in result.output
    shop = tmp_path / "shop"
    assert locks.read_lock(shop / "requirements.lock") == latest
    assert newest in locks.read_lock(shop / "requirements-dev.lock")
    installed = in_venv(
        shop, "-c", "import importlib.metadata as m; print(m.version('markupsafe'))"
    )
    assert installed.stdout.strip() == newest.split("==")[1]
    check = in_venv(shop, "-m", "flask", "--app", "shop", "db", "current")
    assert check.returncode == 0 and "(head)" in check.stdout, check.stdout + check.stderr


@pytest.mark.e2e
def test_with_a_warm_cache_and_no_network_new_finishes_and_says_what_it_could_not_check(
    tmp_path, warm_uv_cache
):
    cache, latest = warm_uv_cache
    closed = "http://127.0.0.1:9"  # the discard port: nothing listens, connections are refused
    env = {
        **os.environ,
        "UV_CACHE_DIR": str(cache),
        "UV_HTTP_RETRIES": "0",  # else uv retries for seconds before it gives up
        **{name: closed for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")},
        **{name.lower(): closed for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY")},
    }
    env.pop("NO_PROXY", None), env.pop("no_proxy", None)
    result = webkit("new", "shop", "-y", cwd=tmp_path, env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "could not ask the package index for newer releases" in result.stderr
    assert "webkit setup --upgrade" in result.stderr
    shop = tmp_path / "shop"
    assert locks.read_lock(shop / "requirements.lock") == latest
    assert any(
        pin.startswith("pytest==") for pin in locks.read_lock(shop / "requirements-dev.lock")
    )
    check = in_venv(shop, "-m", "flask", "--app", "shop", "db", "current")
    assert check.returncode == 0 and "(head)" in check.stdout, check.stdout + check.stderr


# uv, with an index that lists to `uv pip compile` a release of markupsafe that the install is
# then told does not exist (seen on CI with pyrate-limiter).
PHANTOM_UV = """
if args[:2] == ["pip", "compile"] and "--offline" not in args:
    compile_giving_markupsafe("99.0.0")
os.execv(real, [real, *args])
"""


@pytest.mark.e2e
def test_a_newer_release_that_will_not_install_leaves_the_project_whole_with_a_warning(
    tmp_path, monkeypatch, invoke, warm_uv_cache
):
    cache, latest = warm_uv_cache
    monkeypatch.setenv("UV_CACHE_DIR", str(cache))
    wrapped_uv(monkeypatch, tmp_path / "phantom-uv", PHANTOM_UV)
    result = invoke("new", "shop", "-y", "--no-git", "-o", tmp_path)
    assert result.exit_code == 0, result.output
    assert "could not move to the newer releases the index reported" in result.output
    assert "markupsafe==99.0.0" in result.output and "webkit setup --upgrade" in result.output
    shop = tmp_path / "shop"
    assert locks.read_lock(shop / "requirements.lock") == latest
    frozen = in_venv(shop, "-m", "pip", "freeze", "--exclude-editable")
    dev_lock = locks.pin_versions(locks.read_lock(shop / "requirements-dev.lock"))
    assert locks.pin_versions(frozen.stdout.splitlines()) == dev_lock
    assert not (shop / ".venv" / ".webkit-install-incomplete").exists()
    check = in_venv(shop, "-m", "flask", "--app", "shop", "db", "current")
    assert check.returncode == 0 and "(head)" in check.stdout, check.stdout + check.stderr
