"""Faults and interrupts: whatever breaks underneath, webkit says so, exits with a code, and
never leaves a half-written project or a running server behind.

- the package index is unreachable: `webkit new` fails fast, naming the network, and keeps the
  rendered project; `webkit setup` finishes it later;
- Ctrl-C (SIGINT) during the render, the creation of .venv and the install: exit 130; nothing
  is left after a render-time interrupt, and `webkit setup` repairs the later ones;
- two `webkit new` of the same name at once: one wins, the other fails clearly, and the project
  is one whole render;
- the disk fills up or refuses a write: a clear message, nothing left;
- `webkit serve` killed with SIGKILL: its servers and workers stop anyway.
"""

from __future__ import annotations

import errno
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, alive, in_venv
from tests.test_hardening import (
    assert_clear_failure,
    need_private_mounts,
    run_with_mount,
    webkit,
)
from webkit_cli import scaffold

CLOSED = "http://127.0.0.1:9/simple"  # the discard port: nothing listens, connections are refused


def offline_env() -> dict[str, str]:
    """An environment in which uv and pip can only reach a closed port on this machine: no
    configuration files, extra indexes, find-links or caches that could answer instead."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("PIP_", "UV_")) and k not in {"SECRET_KEY", "DATABASE_URL"}
    }
    env.update(
        {
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_INDEX_URL": CLOSED,
            "PIP_NO_CACHE_DIR": "1",
            "PIP_DISABLE_PIP_VERSION_CHECK": "1",
            "UV_NO_CONFIG": "1",
            "UV_DEFAULT_INDEX": CLOSED,
            "UV_INDEX_URL": CLOSED,
            "UV_NO_CACHE": "1",
            "NO_COLOR": "1",
            "PYTHONPATH": str(REPO),
        }
    )
    return env


def processes_in(root: Path) -> list[int]:
    from tests.test_e2e_serve import processes_in as found

    return found(root)


def assert_setup_repairs(root: Path) -> None:
    """`webkit setup` (with the real index) finishes the project: .venv, locks, migrations."""
    result = webkit("setup", cwd=root, timeout=900)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "The project is ready" in result.stdout, result.stdout
    assert (root / "requirements-dev.lock").is_file()
    check = in_venv(root, "-m", "flask", "--app", "shop", "db", "current")
    assert check.returncode == 0 and "(head)" in check.stdout, check.stdout + check.stderr
    again = webkit("setup", cwd=root, timeout=300)
    assert again.returncode == 0 and "Nothing to do" in again.stdout, again.stdout


# ---------------------------------------------------------------------------------------------
# The database server is unreachable


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("url", "where"),
    [
        ("mysql://root@db.invalid:3306/shop", "MySQL at db.invalid:3306 does not answer"),
        ("postgresql://db.invalid:5432/shop", "PostgreSQL at db.invalid:5432 does not answer"),
    ],
    ids=["mysql", "postgres"],
)
def test_an_unreachable_database_server_keeps_the_project_for_setup(tmp_path, url, where):
    """A host that does not resolve: the project is whole, the database step says why and how
    to go on, and `webkit setup` says it again until the server is there."""
    started = time.monotonic()
    result = webkit("new", "shop", "--database-url", url, "-y", "--no-git", cwd=tmp_path)
    assert time.monotonic() - started < 60
    output = result.stdout + result.stderr
    assert "Traceback" not in output
    root = tmp_path / "shop"
    assert result.returncode == 1, output
    assert f"error: {where}" in result.stderr
    assert f"the project is kept in {root}" in result.stderr
    assert "then run `webkit setup`" in result.stderr
    assert (root / "requirements-dev.lock").is_file()  # every other step was done
    again = webkit("setup", cwd=root)
    assert again.returncode == 1
    assert f"error: {where}" in again.stderr and "webkit setup" in again.stderr
    assert "Traceback" not in again.stdout + again.stderr


# ---------------------------------------------------------------------------------------------
# The package index is unreachable


@pytest.mark.e2e
@pytest.mark.parametrize("installer", ["uv", "pip"])
def test_unreachable_index_fails_fast_and_setup_finishes_later(tmp_path, installer):
    started = time.monotonic()
    result = subprocess.run(
        [sys.executable, "-m", "webkit_cli", "new", "shop", "--installer", installer, "-y"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        env=offline_env(),
        stdin=subprocess.DEVNULL,
    )
    elapsed = time.monotonic() - started
    assert elapsed < 30, f"took {elapsed:.1f} s"
    assert_clear_failure(
        result, 1, f"{installer} could not reach the package index", "webkit setup"
    )
    root = tmp_path / "shop"
    assert "the project is kept in" in result.stderr
    assert (root / "pyproject.toml").is_file() and (root / ".env").is_file()
    assert not (root / "requirements-dev.lock").exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop"]  # no staging directory left
    assert_setup_repairs(root)


# ---------------------------------------------------------------------------------------------
# Ctrl-C


def _start_new(cwd: Path, *args: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k not in {"SECRET_KEY", "DATABASE_URL"}}
    return subprocess.Popen(
        [sys.executable, "-m", "webkit_cli", "new", "shop", "-y", "--no-git", *args],
        cwd=cwd,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**env, "NO_COLOR": "1", "PYTHONPATH": str(REPO)},
        start_new_session=True,  # its own process group, as a terminal's foreground job
    )


def _wait_for(condition, process: subprocess.Popen, timeout: float = 120) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        if process.poll() is not None:
            return False
        time.sleep(0.002)
    return False


def _interrupt(process: subprocess.Popen, whole_group: bool) -> tuple[int, str, str]:
    """Ctrl-C as a terminal sends it (to the whole foreground group), or to webkit alone."""
    if whole_group:
        os.killpg(process.pid, signal.SIGINT)
    else:
        os.kill(process.pid, signal.SIGINT)
    out, err = process.communicate(timeout=120)
    return process.returncode, out, err


def test_ctrl_c_during_the_render_leaves_nothing(tmp_path):
    for attempt in range(5):
        where = tmp_path / f"attempt-{attempt}"
        where.mkdir()
        process = _start_new(where, "--no-venv")
        staged = _wait_for(
            lambda w=where: any(p.name.startswith(".shop.") for p in w.iterdir()), process
        )
        if not staged:  # rendered before we saw the staging directory: try again
            process.communicate(timeout=60)
            continue
        code, out, err = _interrupt(process, whole_group=False)
        if "Rendered shop/" in out:  # the signal arrived after the render: try again
            continue
        assert code == 130, out + err
        assert "Interrupted." in err
        assert "Traceback" not in out + err
        assert list(where.iterdir()) == []
        return
    pytest.fail("could not interrupt a render in 5 attempts")


def test_ctrl_c_during_the_render_stops_the_resolution_too(tmp_path, monkeypatch):
    """The resolution starts before the render: a Ctrl-C then stops it as well, and removes
    its scratch files."""
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    monkeypatch.setenv("TMPDIR", str(scratch))  # inherited by _start_new's webkit
    for attempt in range(8):
        where = tmp_path / f"attempt-{attempt}"
        where.mkdir()
        process = _start_new(where)
        started = _wait_for(
            lambda w=where: (
                any(p.name.startswith(".shop.") for p in w.iterdir()) and any(scratch.iterdir())
            ),
            process,
        )
        if not started:
            process.communicate(timeout=300)
            continue
        code, out, err = _interrupt(process, whole_group=False)
        if "Rendered shop/" in out:
            continue
        assert code == 130 and "Traceback" not in out + err, out + err
        assert list(where.iterdir()) == []
        assert list(scratch.iterdir()) == []
        compiling = [
            p
            for p in Path("/proc").iterdir()
            if p.name.isdigit() and str(scratch).encode() in _cmdline(p)
        ]
        assert compiling == []
        return
    pytest.fail("could not interrupt a render in 8 attempts")


def _cmdline(proc: Path) -> bytes:
    try:
        return (proc / "cmdline").read_bytes()
    except OSError:
        return b""


def _venv_appeared(root: Path) -> bool:
    return (root / ".venv").exists()


def _packages_appeared(root: Path) -> bool:
    seeded = {"pip", "setuptools", "wheel", "_virtualenv"}
    for site in (root / ".venv" / "lib").glob("python*/site-packages"):
        for entry in site.iterdir():
            name = entry.name.split("-")[0].removesuffix(".py").removesuffix(".pth").lower()
            if name not in seeded and not name.startswith(("_", "distutils")):
                return True
    return False


@pytest.mark.e2e
@pytest.mark.parametrize(
    ("stage", "whole_group"),
    [("venv", True), ("install", True), ("install", False)],
    ids=["venv-terminal", "install-terminal", "install-webkit-only"],
)
def test_ctrl_c_after_the_render_keeps_the_project_and_setup_repairs_it(
    tmp_path, stage, whole_group
):
    root = tmp_path / "shop"
    process = _start_new(tmp_path)
    seen = {"venv": _venv_appeared, "install": _packages_appeared}[stage]
    assert _wait_for(lambda: seen(root), process), process.communicate()
    code, out, err = _interrupt(process, whole_group)
    assert code == 130, out + err
    assert "Traceback" not in out + err
    assert "interrupted; the project is kept in" in err, err
    assert (root / "pyproject.toml").is_file()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["shop"]
    time.sleep(0.5)
    assert processes_in(root) == []  # the installer did not outlive webkit
    steps = {
        "venv": ["Creating .venv"],
        "install": ["Installing the dependencies", "Applying the migrations while the dev tools"],
    }[stage]
    assert any(f"✗ {step}" in out + err for step in steps), out + err  # during that step
    if stage == "venv":
        # a half-made .venv could pass for a healthy one (bin/python without pyvenv.cfg runs
        # as the base interpreter): it is removed
        assert not (root / ".venv").exists()
    elif "✗ Installing the dependencies" in out + err:
        # packages may be half-copied with their metadata in place: the next install knows
        assert (root / ".venv" / ".webkit-install-incomplete").is_file()
    assert_setup_repairs(root)


@pytest.mark.e2e
def test_setup_recreates_a_venv_whose_install_was_torn(tmp_path):
    """What an interrupt can leave, made on purpose so that it does not depend on timing: a
    package whose RECORD was cut mid-line (uv then fails even to reinstall it: "CSV error") and
    a module cut short. serve refuses that .venv; setup recreates it and the project works."""
    root = tmp_path / "shop"
    made = webkit("new", "shop", "-y", "--no-git", cwd=tmp_path)
    assert made.returncode == 0, made.stdout + made.stderr
    site = next((root / ".venv" / "lib").glob("python*/site-packages"))
    record = next(site.glob("flask-*.dist-info")) / "RECORD"
    module = site / "flask" / "app.py"
    torn = record.read_text()[:-40].rsplit(",", 1)[0] + "\n"
    for path, text in ((record, torn), (module, "def half_copied(")):
        path.unlink()  # a new file, as an install writes: uv hard-links its cache into .venv
        path.write_text(text)
    (root / ".venv" / ".webkit-install-incomplete").touch()

    refused = webkit("serve", "--port", "0", cwd=root, timeout=60)
    assert_clear_failure(refused, 1, "did not finish", "webkit setup")
    assert_setup_repairs(root)
    tests = in_venv(root, "-m", "pytest", "-q", "-p", "no:cacheprovider")
    assert tests.returncode == 0, tests.stdout + tests.stderr
    # The new .venv got its bytecode from webkit's cache, even for a module that nothing in a
    # SQLite project imports (`new` compiled all of SQLAlchemy into the cache).
    site = next((root / ".venv" / "lib").glob("python*/site-packages"))
    assert list(site.glob("sqlalchemy/dialects/mysql/__pycache__/base.*.pyc"))


# ---------------------------------------------------------------------------------------------
# Two `webkit new` for the same name at once


def _expected_files() -> list[str]:
    template = scaffold.template_dir("flask")
    values = {"project_name": "shop", "project_slug": "shop", "package_name": "shop"}
    return scaffold.preview(template, values)


@pytest.mark.parametrize("force", [False, True], ids=["new-directory", "empty-directory"])
def test_two_concurrent_new_make_one_whole_project(tmp_path, force):
    expected = _expected_files()
    extra = ["--no-venv", *(["--force"] if force else [])]
    for round_ in range(4):
        where = tmp_path / f"round-{round_}"
        where.mkdir()
        if force:
            (where / "shop").mkdir()
        first, second = _start_new(where, *extra), _start_new(where, *extra)
        results = [(p.wait(timeout=120), *p.communicate()) for p in (first, second)]
        codes = sorted(code for code, _, _ in results)
        assert codes == [0, 2], results
        loser = next(err for code, _, err in results if code == 2)
        assert "Traceback" not in loser
        assert (
            "already exists and is not empty" in loser
            or "appeared while the project was being rendered" in loser
        ), loser
        assert sorted(p.name for p in where.iterdir()) == ["shop"]  # no staging left
        root = where / "shop"
        files = sorted(str(p.relative_to(root)) for p in root.rglob("*") if p.is_file())
        assert files == expected
        keys = [line for line in (root / ".env").read_text().splitlines() if "SECRET_KEY=" in line]
        assert len(keys) == 1


# ---------------------------------------------------------------------------------------------
# Disk errors


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (errno.ENOSPC, "No space left on device"),
        (errno.EACCES, "Permission denied"),
        (errno.EDQUOT, "quota exceeded"),
        (errno.EIO, "Input/output error"),
    ],
)
def test_a_failing_write_during_the_render_leaves_nothing(
    invoke, tmp_path, monkeypatch, error, message
):
    import cookiecutter.generate

    real = cookiecutter.generate.generate_file
    written = []

    def failing(*args, **kwargs):
        if len(written) == 5:  # some files are on disk already
            raise OSError(error, os.strerror(error))
        written.append(args)
        return real(*args, **kwargs)

    monkeypatch.setattr(cookiecutter.generate, "generate_file", failing)
    result = invoke("new", "shop", "--no-venv", "--no-git", "-y", "-o", tmp_path)
    assert result.exit_code == 1, result.output
    assert f"error: writing the project failed: {os.strerror(error)}" in result.stderr
    assert message.lower() in result.stderr.lower()
    assert "hint: free some space or fix permissions" in result.stderr
    assert "Traceback" not in result.output
    assert list(tmp_path.iterdir()) == []


def test_unwritable_temporary_directory_is_a_clear_error(invoke, tmp_path, monkeypatch):
    def denied(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(scaffold.os, "mkdir", denied)  # the staging folder beside the target
    result = invoke("new", "shop", "--no-venv", "--no-git", "-y", "-o", tmp_path)
    assert result.exit_code == 2, result.output
    assert f"error: cannot write in {tmp_path}: Permission denied" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_failing_move_into_place_leaves_nothing(invoke, tmp_path, monkeypatch):
    def failing(source, target):
        raise OSError(errno.EIO, "Input/output error")

    monkeypatch.setattr(scaffold.os, "rename", failing)
    result = invoke("new", "shop", "--no-venv", "--no-git", "-y", "-o", tmp_path)
    assert result.exit_code == 1, result.output
    assert "moving the project into place failed: Input/output error" in result.stderr
    assert list(tmp_path.iterdir()) == []


def test_a_full_disk_during_the_render_leaves_nothing(tmp_path):
    """A real ENOSPC: a 64 KiB filesystem (tmpfs, in a private mount namespace)."""
    need_private_mounts()
    disk = tmp_path / "disk"
    disk.mkdir()
    result, left = run_with_mount(
        disk,
        [["mount", "-t", "tmpfs", "-o", "size=64k", "webkit-test", str(disk)]],
        [sys.executable, "-m", "webkit_cli", "new", "shop", "--no-venv", "--no-git", "-y"],
        cwd=disk,
    )
    assert_clear_failure(
        result, 1, "writing the project failed: No space left on device", "free some space"
    )
    assert left == []


@pytest.mark.e2e
@pytest.mark.parametrize("installer", ["pip", "uv"])
def test_a_full_disk_after_the_render_keeps_the_project_and_no_half_venv(tmp_path, installer):
    """The render fits in 2 MiB, the environment does not: the project is kept. With pip,
    virtualenv's seeding of pip fills the disk, and the half-made .venv is removed (a half-made
    one can look healthy to the next `webkit setup`). With uv, .venv is made without pip and
    uv's install fills the disk: .venv stays, marked as not finished, for `setup` to recreate."""
    from webkit_cli.virtualenvs import INCOMPLETE_MARKER

    need_private_mounts()
    disk = tmp_path / "disk"
    disk.mkdir()
    new = [sys.executable, "-m", "webkit_cli", "new", "shop", "--no-git", "-y"]
    result, left = run_with_mount(
        disk,
        [["mount", "-t", "tmpfs", "-o", "size=2m", "webkit-test", str(disk)]],
        [*new, "--installer", installer],
        cwd=disk,
        walk=True,
    )
    failed = "creating .venv with Python" if installer == "pip" else "uv failed to install"
    assert_clear_failure(result, 1, failed, "webkit setup")
    assert "shop/pyproject.toml" in left and "shop/.env" in left
    venv = [path for path in left if path.startswith("shop/.venv")]
    if installer == "pip":
        assert "No space left on device" in result.stderr
        assert venv == []
    else:
        # uv's own cause, whole: uv wraps a long one onto more lines, and it is not always
        # ENOSPC (a folder that could not be made is "No such file or directory")
        cause = r"uv failed to install the dependencies: (error|cause): \S.{20,}\n"
        assert re.search(cause, result.stderr), result.stderr
        assert f"shop/.venv/{INCOMPLETE_MARKER}" in venv
    assert not [path for path in left if not path.startswith("shop")]


# ---------------------------------------------------------------------------------------------
# A killed `webkit serve`


def test_sigkill_of_webkit_stops_the_server_and_its_children(tmp_path):
    """No handler of webkit's runs on SIGKILL; its watcher stops the server's process group."""
    from tests.test_serve import start_fake_server

    wrapper, server, grandchild = start_fake_server(tmp_path)
    wrapper.kill()
    assert wrapper.wait(timeout=20) == -signal.SIGKILL
    deadline = time.monotonic() + 15  # grace 1 s, then SIGKILL
    while (alive(server) or alive(grandchild)) and time.monotonic() < deadline:
        time.sleep(0.05)
    try:
        assert not alive(server)
        assert not alive(grandchild)  # it ignores SIGTERM: only the watcher's SIGKILL stops it
    finally:
        for pid in (server, grandchild):
            if alive(pid):
                os.kill(pid, signal.SIGKILL)


@pytest.mark.e2e
@pytest.mark.parametrize("mode", ["dev", "prod"])
def test_sigkill_of_webkit_serve_leaves_no_server_running(tmp_path_factory, mode):
    from tests.test_e2e_new import build
    from tests.test_e2e_serve import Server

    project = build(tmp_path_factory, "flask", "uv")
    server = Server(project.root, *(["--prod"] if mode == "prod" else []))
    try:
        server.wait_ready()
        assert len(processes_in(project.root)) >= 2
        server.process.kill()
        server.process.wait(timeout=30)
        deadline = time.monotonic() + 20
        while processes_in(project.root) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = processes_in(project.root)
        for pid in left:
            os.kill(pid, signal.SIGKILL)
        assert left == [], server.output()
    finally:
        server.handle.close()


def test_an_unfinished_install_marks_the_venv_until_setup_recreates_it(tmp_path, monkeypatch):
    """uv and pip count a package whose metadata is in place as installed, even when an
    interrupted install left its files half-copied, and a half-written RECORD breaks even a
    reinstall. So an install that did not finish marks the .venv: serve calls it broken, a
    further install refuses, and only a recreated .venv is trusted again."""
    from webkit_cli import installers, runner, virtualenvs

    python = tmp_path / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    marker = tmp_path / ".venv" / virtualenvs.INCOMPLETE_MARKER
    calls, outcomes = [], []

    def fake_run(argv, **kwargs):
        calls.append(argv)
        return runner.Result(list(argv), 0 if outcomes.pop(0) == "ok" else -2, "")

    monkeypatch.setattr(runner, "run", fake_run)
    monkeypatch.setattr(virtualenvs, "probe", lambda path: object())
    (tmp_path / ".venv" / "pyvenv.cfg").write_text("home = /usr/bin\n")
    python.touch()
    for installer in (installers.UvInstaller("uv"), installers.PipInstaller()):
        calls.clear()
        outcomes[:] = ["ok", "interrupted"]
        installer.install(python, ["flask"], tmp_path)
        assert not marker.exists() and virtualenvs.venv_problem(python) is None
        with pytest.raises(installers.StepFailed):
            installer.install(python, ["pytest"], tmp_path)
        assert marker.exists()
        assert "did not finish" in virtualenvs.venv_problem(python)
        with pytest.raises(installers.StepFailed, match="cannot be trusted"):
            installer.install(python, ["flask"], tmp_path)
        assert len(calls) == 2  # the refused install ran nothing
        marker.unlink()


def test_ctrl_c_while_the_bytecode_is_restored_starts_no_migration(tmp_path, monkeypatch):
    """`new` restores the cached bytecode before it starts the migration: a Ctrl-C (or a failed
    dev install) meanwhile stops the restore, and neither the migration nor the compilation
    starts after it."""
    import threading

    from webkit_cli import bytecode, environment, first_migration, frameworks, installers, runner
    from webkit_cli.project import Project

    restoring, killed, started = threading.Event(), threading.Event(), []
    project = Project(root=tmp_path, framework=frameworks.get("flask"), package="shop")

    def restore(python):
        restoring.set()
        assert killed.wait(timeout=30), "the restore was never stopped"

    def install_dev(proj, installer, **options):
        assert restoring.wait(timeout=30)
        raise KeyboardInterrupt

    monkeypatch.setattr(bytecode, "restore_bytecode", restore)
    monkeypatch.setattr(bytecode, "compile_bytecode", lambda *args: started.append("compile"))
    monkeypatch.setattr(bytecode, "start_saving_bytecode", lambda *args: started.append("save"))
    monkeypatch.setattr(first_migration, "migrate", lambda proj: started.append("migrate"))
    monkeypatch.setattr(environment, "install_dev", install_dev)

    def stop_children():
        killed.set()
        time.sleep(0.3)  # the restore ends while webkit is still stopping the rest

    monkeypatch.setattr(runner, "stop_children", stop_children)
    with pytest.raises(KeyboardInterrupt):
        first_migration.install_dev_while_migrating(
            project, installers.UvInstaller("uv"), unfinished=[]
        )
    assert started == []


@pytest.mark.parametrize("failure", ["migration", "install", "ctrl-c"])
def test_the_migration_and_the_dev_install_stop_together(tmp_path, monkeypatch, failure):
    """`webkit new` migrates while the dev group installs: a failure of either, or Ctrl-C,
    stops what still runs (no process outlives webkit) and is what the user sees."""
    import threading

    from webkit_cli import environment, first_migration, frameworks, installers, runner
    from webkit_cli.errors import StepFailed
    from webkit_cli.project import Project

    stopped = threading.Event()
    project = Project(root=tmp_path, framework=frameworks.get("flask"), package="shop")

    def migrate(proj):
        if failure == "migration":
            raise StepFailed("applying the migrations failed: boom")
        assert stopped.wait(timeout=30), "the migration was never stopped"
        raise StepFailed("applying the migrations failed: killed")

    def install_dev(proj, installer, **options):
        if failure == "install":
            raise StepFailed("uv failed to install the dependencies: no")
        if failure == "ctrl-c":
            raise KeyboardInterrupt
        return 27

    monkeypatch.setattr(first_migration, "migrate", migrate)
    monkeypatch.setattr(environment, "install_dev", install_dev)
    monkeypatch.setattr(runner, "stop_children", stopped.set)
    expected = {"migration": StepFailed, "install": StepFailed, "ctrl-c": KeyboardInterrupt}
    started = time.monotonic()
    with pytest.raises(expected[failure]) as raised:
        first_migration.install_dev_while_migrating(
            project, installers.UvInstaller("uv"), unfinished=[]
        )
    assert time.monotonic() - started < 10
    if failure == "migration":
        assert "boom" in str(raised.value.message)
    if failure == "install":
        assert "no" in raised.value.message and stopped.is_set()
    if failure == "ctrl-c":
        assert stopped.is_set()


@pytest.mark.parametrize("outcome", ["done", "failed", "ctrl-c"])
def test_what_new_leaves_running_in_the_background_ends_with_it(monkeypatch, outcome):
    """`webkit new` caches the migration's bytecode in the background while git runs: it is
    collected when the steps are done, and killed when they fail or are interrupted."""
    from webkit_cli import runner
    from webkit_cli.commands import new
    from webkit_cli.errors import StepFailed

    jobs = []

    def steps(plan, target, resolution, unfinished):
        code = "import time; time.sleep(0.2 if __import__('sys').argv[1] == 'done' else 60)"
        jobs.append(runner.Background([sys.executable, "-c", code, outcome]))
        unfinished.extend(jobs)
        if outcome == "failed":
            raise StepFailed("initialising git failed: no")
        if outcome == "ctrl-c":
            raise KeyboardInterrupt

    monkeypatch.setattr(new, "_steps", steps)
    started = time.monotonic()
    if outcome == "done":
        new._finish(None, Path("."))
    else:
        with pytest.raises((StepFailed, KeyboardInterrupt)):
            new._finish(None, Path("."))
    child = jobs[0]._child
    assert child.returncode is not None and child not in runner._LIVE
    assert (child.returncode == 0) == (outcome == "done")
    assert time.monotonic() - started < 10
