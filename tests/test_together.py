"""`webkit serve` with background jobs runs the web server and a worker together
(webkit_cli/together.py): their output interleaved and labelled, both stopped by Ctrl-C or
SIGTERM, both stopped when either ends, and neither left running when webkit is killed."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.conftest import REPO, alive

# A child that says hello, starts a grandchild that ignores SIGTERM (as a reloader's child or a
# worker thread may hold on), records both PIDs, then runs until SIGTERM (exit 3) or for
# `seconds` (exit 4).
CHILD = textwrap.dedent(
    """
    import os, signal, subprocess, sys, time
    name, pids, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    grandchild = subprocess.Popen([sys.executable, "-c",
        "import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); time.sleep(600)"])
    signal.signal(signal.SIGTERM, lambda *a: sys.exit(3))
    print(f"hello from {name}")
    print(f"an error from {name}", file=sys.stderr)
    with open(pids, "a") as f:
        f.write(f"{os.getpid()} {grandchild.pid}\\n")
    time.sleep(seconds)
    sys.exit(4)
    """
)

# webkit's side, in a process of its own so that the test can signal or kill it.
WRAPPER = textwrap.dedent(
    """
    import sys
    from pathlib import Path
    from webkit_cli import runner, together
    child, pids, web_seconds, worker_seconds = sys.argv[1:]
    outcome = together.run_together(
        [together.Child("web", [sys.executable, "-c", child, "web", pids, web_seconds]),
         together.Child("worker", [sys.executable, "-c", child, "worker", pids, worker_seconds])],
        cwd=Path("."), env=runner.child_env(), grace=1.0,
        on_line=lambda label, line: print(f"{label} | {line}", flush=True),
    )
    print(f"ended: {outcome.label} {outcome.status} signalled={outcome.signalled}", flush=True)
    """
)


def start(tmp_path: Path, web: float = 600, worker: float = 600):
    pids = tmp_path / "pids"
    wrapper = subprocess.Popen(
        [sys.executable, "-c", WRAPPER, CHILD, str(pids), str(web), str(worker)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if pids.exists() and len(pids.read_text().split()) == 4:
            break
        time.sleep(0.05)
    started = [int(pid) for pid in pids.read_text().split()]
    assert len(started) == 4 and all(map(alive, started))
    return wrapper, started


def gone(pids: list[int], timeout: float = 15) -> bool:
    deadline = time.monotonic() + timeout
    while any(map(alive, pids)) and time.monotonic() < deadline:
        time.sleep(0.05)
    left = [pid for pid in pids if alive(pid)]
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    return not left


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_both_and_leaves_nothing(tmp_path, sig):
    wrapper, pids = start(tmp_path)
    os.kill(wrapper.pid, sig)
    out, _ = wrapper.communicate(timeout=30)
    assert gone(pids)
    lines = out.splitlines()
    for name in ("web", "worker"):  # each line labelled, stdout and stderr alike
        assert f"{name} | hello from {name}" in lines
        assert f"{name} | an error from {name}" in lines
    assert lines[-1].startswith("ended: web ") and lines[-1].endswith("signalled=True")


def test_when_the_worker_ends_the_web_server_is_stopped_too(tmp_path):
    wrapper, pids = start(tmp_path, worker=1)
    out, _ = wrapper.communicate(timeout=30)
    assert gone(pids)
    assert out.splitlines()[-1] == "ended: worker 4 signalled=False"


def test_a_killed_webkit_leaves_neither_running(tmp_path):
    """SIGKILL runs no handler of webkit's: the watchers stop both process groups."""
    wrapper, pids = start(tmp_path)
    wrapper.kill()
    wrapper.communicate(timeout=30)
    assert gone(pids, timeout=20)  # grace 1 s, then SIGKILL for the grandchildren


def test_a_signal_while_the_children_start_stops_those_started_and_no_other(tmp_path, monkeypatch):
    """SIGTERM that arrives between the first child's start and the second's (in the test's
    own process, as webkit's): the first is stopped, the second never starts, and the outcome
    says a signal ended it (it used to end webkit at once, before its handlers were in place)."""
    from webkit_cli import runner, together

    started = []
    real_start = together._start

    def start_then_signalled(child, *args):
        real_start(child, *args)
        started.append(child.process.pid)
        os.kill(os.getpid(), signal.SIGTERM)

    monkeypatch.setattr(together, "_start", start_then_signalled)
    sleeper = [sys.executable, "-c", "import time; time.sleep(600)"]
    children = [together.Child("web", sleeper), together.Child("worker", sleeper)]
    outcome = together.run_together(
        children, cwd=tmp_path, env=runner.child_env(), grace=1.0, on_line=lambda *a: None
    )
    assert outcome.signalled and outcome.label == "web"
    assert children[1].process is None
    assert len(started) == 1 and gone([started[0]])
