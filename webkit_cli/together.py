"""Run long-lived children together (the web server and a worker), as foreman and honcho do.

Each child runs in a process group of its own, its output (stdout and stderr) read line by
line and handed to `on_line` with the child's label, so the command can print them
interleaved and labelled. Ctrl-C, SIGTERM, SIGHUP and SIGQUIT sent to webkit go to every
group; when one child ends, the others are stopped too (SIGTERM, then SIGKILL after the grace
period), and a watcher per group stops it if webkit itself is killed. So nothing outlives
webkit, however it ends.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from webkit_cli import console, runner
from webkit_cli.errors import StepFailed


@dataclass
class Child:
    label: str  # "web", "worker"
    argv: Sequence[str | os.PathLike[str]]
    process: subprocess.Popen | None = field(default=None, repr=False)
    watcher: subprocess.Popen | None = field(default=None, repr=False)
    reader: threading.Thread | None = field(default=None, repr=False)


@dataclass(frozen=True)
class Outcome:
    """The child that ended first (or the first one, after a signal), and its exit status
    (128+N for signal N)."""

    label: str
    status: int
    signalled: bool  # webkit was asked to stop (Ctrl-C, SIGTERM...) before anything ended


def run_together(
    children: Sequence[Child],
    *,
    cwd: Path,
    env: Mapping[str, str],
    on_line: Callable[[str, str], None],
    on_started: Callable[[subprocess.Popen], None] | None = None,
    grace: float = 10.0,
) -> Outcome:
    """Run `children` until one ends or webkit is asked to stop; then stop them all.
    `on_started` runs in a thread with the first child's process (the web server)."""
    import signal

    received: list[int] = []

    def forward(signum, _frame):
        received.append(signum)
        for child in children:
            if child.process is not None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signum)

    # The handlers come first: a signal that arrives while the children start reaches those
    # already started (and no other starts), instead of ending webkit before it can stop them.
    previous = {}
    for name in runner._FORWARDED:
        sig = getattr(signal, name)
        previous[sig] = signal.signal(sig, forward)
    try:
        for child in children:
            if received:
                break
            _start(child, cwd, env, on_line, grace)
        if on_started is not None and not received:
            threading.Thread(target=on_started, args=(children[0].process,), daemon=True).start()
        ended = children[0] if received else _wait_for_one(children)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _stop_all(children, grace)
    if received:
        ended = children[0]
    # A signal before the first child started: webkit exits as that signal would have ended it.
    code = ended.process.returncode if ended.process is not None else -received[0]
    status = runner._signal_exit_status(code)
    return Outcome(ended.label, status, signalled=bool(received))


def _start(child: Child, cwd: Path, env: Mapping[str, str], on_line, grace: float) -> None:
    args = [str(part) for part in child.argv]
    console.detail(f"$ {' '.join(args)}  ({child.label})")
    try:
        child.process = subprocess.Popen(
            args,
            cwd=cwd,
            env={**env, "PYTHONUNBUFFERED": "1"},  # each line as soon as it is written
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise StepFailed(f"{args[0]} was not found", "run `webkit setup` to repair .venv") from None
    child.watcher = runner._start_watcher(child.process.pid, grace)
    child.reader = threading.Thread(
        target=_read, args=(child.process.stdout, child.label, on_line), daemon=True
    )
    child.reader.start()


def _read(stream, label: str, on_line: Callable[[str, str], None]) -> None:
    with stream:
        for raw in iter(stream.readline, b""):
            on_line(label, raw.decode(errors="replace").rstrip("\r\n"))


def _wait_for_one(children: Sequence[Child]) -> Child:
    # Not a blocking wait: Python runs the signal handler only once this thread runs again.
    while True:
        for child in children:
            try:
                child.process.wait(timeout=0.1)
            except subprocess.TimeoutExpired:
                continue
            return child


def _stop_all(children: Sequence[Child], grace: float) -> None:
    """Stop every group at once: SIGTERM, then SIGKILL for a leader still running after the
    grace period; then whatever is left in each group, and collect what they printed."""
    import signal
    import time

    started = [child for child in children if child.process is not None]
    for child in started:
        if child.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.process.pid, signal.SIGTERM)
    deadline = time.monotonic() + grace
    for child in started:
        try:
            child.process.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(child.process.pid, signal.SIGKILL)
            child.process.wait()
        runner._kill_group(child.process.pid, grace)  # the leader is reaped: the rest of it
        if child.watcher is not None:
            child.watcher.kill()
            child.watcher.wait()
            child.watcher.stdin.close()
    for child in started:
        if child.reader is not None:
            child.reader.join(timeout=5)
