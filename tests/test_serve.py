"""`webkit serve` without a generated project: ports, environment, signals and no orphans."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, alive
from webkit_cli.commands import serve
from webkit_cli.errors import UsageError
from webkit_cli.project import load

PYPROJECT = "[tool.webkit]\nframework = '{}'\npackage = 'shop'\n"


def test_serve_outside_a_project(invoke, tmp_path):
    result = invoke("serve", cwd=tmp_path)
    assert result.exit_code == 2
    assert "not inside a webkit project" in result.output


def test_serve_with_missing_venv_says_how_to_fix(invoke, tmp_path):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format("flask"))
    result = invoke("serve", cwd=tmp_path)
    assert result.exit_code == 1
    assert "the project's .venv is missing" in result.output
    assert "webkit setup" in result.output and "--setup" in result.output


@pytest.mark.parametrize("port", ["-1", "65536", "http"])
def test_port_out_of_range_is_a_usage_error(invoke, tmp_path, port):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format("flask"))
    result = invoke("serve", "--port", port, cwd=tmp_path)
    assert result.exit_code == 2
    assert "--port" in result.output


def test_taken_port_is_named_with_a_free_one_to_try():
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        with pytest.raises(UsageError) as excinfo:
            serve.choose_port("127.0.0.1", port)
    assert f"port {port} on 127.0.0.1 is already in use" == excinfo.value.message
    suggested = int(excinfo.value.hint.split("--port ")[1].split()[0])
    assert suggested != port and serve._port_free("127.0.0.1", suggested)


def test_port_zero_picks_a_free_port():
    port = serve.choose_port("127.0.0.1", 0)
    assert 0 < port < 65536
    assert serve._port_free("127.0.0.1", port)


def test_unknown_host_is_a_usage_error():
    with pytest.raises(UsageError, match="not an address of this machine"):
        serve.choose_port("no-such-host.invalid", 8000)


def test_env_precedence_dotenv_then_environment_then_mode(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format("django"))
    (tmp_path / ".env").write_text("SECRET_KEY=from-dotenv\nDEBUG=1\nCOLOR=blue\n")
    monkeypatch.setenv("COLOR", "red")
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    monkeypatch.delenv("SECURE_SSL_REDIRECT", raising=False)
    proj = load(tmp_path)
    dev = serve.server_env(proj, prod=False, host="127.0.0.1")
    assert (dev["SECRET_KEY"], dev["DEBUG"], dev["COLOR"]) == ("from-dotenv", "1", "red")
    prod = serve.server_env(proj, prod=True, host="127.0.0.1")
    assert prod["DEBUG"] == "0"
    assert prod["SECURE_SSL_REDIRECT"] == "0"
    assert "127.0.0.1" in prod["ALLOWED_HOSTS"].split(",")
    assert prod["VIRTUAL_ENV"] == str(tmp_path / ".venv")


@pytest.mark.parametrize("framework", ["flask", "django"])
def test_prod_allows_the_hosts_it_is_served_on(tmp_path, monkeypatch, framework):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format(framework))
    (tmp_path / ".env").write_text("SECRET_KEY=from-dotenv\nALLOWED_HOSTS=example.com\n")
    monkeypatch.delenv("ALLOWED_HOSTS", raising=False)
    prod = serve.server_env(load(tmp_path), prod=True, host="0.0.0.0")  # noqa: S104
    assert {"127.0.0.1", "localhost"} <= set(prod["ALLOWED_HOSTS"].split(","))
    assert "0.0.0.0" not in prod["ALLOWED_HOSTS"]  # noqa: S104
    monkeypatch.setenv("ALLOWED_HOSTS", "shop.test")  # the environment wins
    assert serve.server_env(load(tmp_path), prod=True, host="127.0.0.1")["ALLOWED_HOSTS"] == (
        "shop.test"
    )


def test_prod_refuses_without_secret_key(tmp_path, monkeypatch):
    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format("flask"))
    (tmp_path / ".env").write_text("APP_ENV=development\n")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(UsageError, match="SECRET_KEY is not set"):
        serve.server_env(load(tmp_path), prod=True, host="127.0.0.1")


# A "server" that starts a grandchild (like a reloader or gunicorn's workers) and records both
# PIDs; the grandchild ignores SIGTERM so only the group clean-up can stop it.
FAKE_SERVER = textwrap.dedent(
    """
    import os, signal, subprocess, sys, time
    child = subprocess.Popen([sys.executable, "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"])
    with open(sys.argv[1], "w") as f:
        f.write(f"{os.getpid()} {child.pid}")
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(3))
    time.sleep(600)
    """
)

WRAPPER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from webkit_cli import runner
    status = runner.run_foreground([sys.executable, "-c", sys.argv[1], sys.argv[2]],
                                   cwd=Path("."), env=runner.child_env(), grace=1.0)
    sys.exit(status)
    """
)


def start_fake_server(tmp_path: Path) -> tuple[subprocess.Popen, int, int]:
    """webkit's runner (in a wrapper process) running FAKE_SERVER: the wrapper, and the
    server's and its grandchild's PIDs once both are alive."""
    pids_file = tmp_path / "pids"
    wrapper = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, FAKE_SERVER, str(pids_file)], cwd=REPO
    )
    deadline = time.monotonic() + 20
    while not (pids_file.exists() and pids_file.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    server, grandchild = map(int, pids_file.read_text().split())
    assert alive(server) and alive(grandchild)
    return wrapper, server, grandchild


@pytest.mark.parametrize(("sig", "status"), [(signal.SIGTERM, 3), (signal.SIGINT, 130)])
def test_signals_reach_the_server_and_leave_no_process_behind(tmp_path, sig, status):
    wrapper, server, grandchild = start_fake_server(tmp_path)
    os.kill(wrapper.pid, sig)
    assert wrapper.wait(timeout=20) == status
    time.sleep(0.2)
    assert not alive(server)
    assert not alive(grandchild)


BUSY_THREAD_WRAPPER = textwrap.dedent(
    """
    import signal, sys, time
    from pathlib import Path
    from webkit_cli import runner

    # The main thread blocks SIGTERM, so the kernel must hand it to the on_started thread (as it
    # may when that thread runs the migration check): the case where a stop was lost.
    signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGTERM})

    def on_started(child):
        signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM})
        time.sleep(60)

    # The server says it is ready once it handles SIGTERM itself (exit status 3).
    server = ("import os, signal, sys, time; signal.pthread_sigmask(signal.SIG_UNBLOCK, "
              "{signal.SIGTERM}); signal.signal(signal.SIGTERM, lambda *a: sys.exit(3)); "
              "open(sys.argv[1], 'w').write(str(os.getpid())); time.sleep(600)")
    sys.exit(runner.run_foreground([sys.executable, "-c", server, sys.argv[1]], cwd=Path("."),
                                   env=runner.child_env(), on_started=on_started, grace=1.0))
    """
)


def test_a_signal_another_thread_receives_still_stops_the_server(tmp_path):
    """A signal for `webkit serve` may reach the thread that checks the migrations rather than
    the main one, which waits for the server: it must still be forwarded at once."""
    started = tmp_path / "started"
    wrapper = subprocess.Popen([sys.executable, "-c", BUSY_THREAD_WRAPPER, str(started)], cwd=REPO)
    deadline = time.monotonic() + 20
    while not (started.exists() and started.read_text()) and time.monotonic() < deadline:
        time.sleep(0.05)
    server = int(started.read_text())
    os.kill(wrapper.pid, signal.SIGTERM)
    try:
        assert wrapper.wait(timeout=10) == 3  # the server's own exit status: it got SIGTERM
    finally:
        wrapper.kill()
        with contextlib.suppress(ProcessLookupError):
            os.kill(server, signal.SIGKILL)
    assert not alive(server)


@pytest.mark.parametrize(("returncode", "output", "pending"), [(0, "", False), (1, "", True)])
def test_a_stopped_migration_check_does_not_say_migrations_are_pending(
    tmp_path, monkeypatch, returncode, output, pending
):
    """Ctrl-C right after `webkit serve` starts reaches its migration check too: killed by
    the signal, the check tells nothing, and serve must not warn of unapplied migrations."""
    from webkit_cli import project_commands, runner
    from webkit_cli.errors import StepFailed

    (tmp_path / "pyproject.toml").write_text(PYPROJECT.format("django"))
    proj = load(tmp_path)
    outcome = {"code": returncode}
    monkeypatch.setattr(
        runner, "run", lambda argv, **kwargs: runner.Result(list(argv), outcome["code"], output)
    )
    assert project_commands.migrations_pending(proj) is pending
    outcome["code"] = -signal.SIGINT
    with pytest.raises(StepFailed, match="stopped before it finished"):
        project_commands.migrations_pending(proj)
