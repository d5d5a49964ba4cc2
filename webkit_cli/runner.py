"""Run child processes: never through a shell, with the output kept for error messages."""

from __future__ import annotations

import contextlib
import os
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

from webkit_cli import console
from webkit_cli.errors import StepFailed

# Indented lines that start a message of their own rather than continue the one above.
_MESSAGE_STARTS = ("error:", "cause:", "caused by:", "warning:", "hint:", "help:", "note:")
# Messages that advise rather than say what went wrong: uv may end with one after the cause.
_ADVICE = ("hint:", "help:", "note:")


@dataclass(frozen=True)
class Result:
    argv: list[str]
    returncode: int
    output: str

    @property
    def ok(self) -> bool:
        return self.returncode == 0

    def tail(self, lines: int = 1) -> str:
        """The last `lines` messages of the output, each on one line. A message is a line and
        the indented lines that continue it: uv wraps a long cause onto indented lines, so the
        last line alone can be "error 28)". Advice after the cause ("hint: ...") is left out."""
        messages: list[str] = []
        for raw in self.output.splitlines():
            text = raw.strip()
            if not text:
                continue
            if messages and raw[:1].isspace() and not text.lower().startswith(_MESSAGE_STARTS):
                messages[-1] += f" {text}"
            else:
                messages.append(text)
        while len(messages) > 1 and messages[-1].lower().startswith(_ADVICE):
            messages.pop()
        return " | ".join(messages[-lines:]) if messages else f"exit status {self.returncode}"


def child_env(extra: Mapping[str, str] | None = None, venv: Path | None = None) -> dict[str, str]:
    """The environment for a child: ours, without a foreign virtualenv, plus `extra`."""
    env = dict(os.environ)
    env.pop("PYTHONHOME", None)
    env.pop("__PYVENV_LAUNCHER__", None)
    if venv is not None:
        # The project's own .venv caches bytecode even where PYTHONDONTWRITEBYTECODE is set
        # globally: the first migration then pays for compiling exactly the modules it imports,
        # once, and every later start (server, tests) is seconds faster. Compiling all of
        # site-packages at install time instead (uv --compile-bytecode) costs more than it saves.
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        env["VIRTUAL_ENV"] = str(venv)
        env["PATH"] = os.pathsep.join([str(venv / "bin"), env.get("PATH", "")])
    else:
        env.pop("VIRTUAL_ENV", None)
    env.update(extra or {})
    return env


# Children of `run` still running: a command that ends early (Ctrl-C while a background check
# runs, say) stops them with `stop_children`, so none outlives webkit.
_LIVE: set[subprocess.Popen] = set()


def track(child: subprocess.Popen) -> None:
    """Count a child started elsewhere among those that `stop_children` stops."""
    _LIVE.add(child)


def untrack(child: subprocess.Popen) -> None:
    _LIVE.discard(child)


def stop_children() -> None:
    for child in list(_LIVE):
        with contextlib.suppress(ProcessLookupError):
            child.kill()


def run(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path | None = None,
    env: Mapping[str, str] | None = None,
    timeout: float | None = None,
) -> Result:
    """Run `argv` to completion, output captured (stderr merged into stdout)."""
    args = [str(part) for part in argv]
    console.detail(f"$ {' '.join(args)}")
    try:
        child = subprocess.Popen(
            args,
            cwd=cwd,
            env=dict(env) if env is not None else None,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            errors="replace",
        )
    except FileNotFoundError:
        raise StepFailed(f"{args[0]} was not found", "check that it is installed") from None
    _LIVE.add(child)
    try:
        output, _ = child.communicate(timeout=timeout)
    except subprocess.TimeoutExpired:
        child.kill()
        output, _ = child.communicate()
        return Result(args, -1, f"{output or ''}\ntimed out after {timeout:.0f} s")
    except BaseException:  # Ctrl-C: the child goes too
        child.kill()
        child.wait()
        raise
    finally:
        _LIVE.discard(child)
    if output and console.settings.verbosity > 0:
        console.detail(output.rstrip())
    return Result(args, child.returncode, output or "")


class Background:
    """A child started now and collected later with `result`, or stopped with `cancel`.

    Its output goes to an unnamed temporary file rather than a pipe, so that nothing blocks
    while no one reads it. Like `run`'s children, `stop_children` stops it too.
    """

    def __init__(
        self,
        argv: Sequence[str | os.PathLike[str]],
        *,
        cwd: Path | None = None,
        env: Mapping[str, str] | None = None,
    ) -> None:
        import tempfile

        self.args = [str(part) for part in argv]
        console.detail(f"$ {' '.join(self.args)} (in the background)")
        self._output = tempfile.TemporaryFile()  # noqa: SIM115 (closed by result or cancel)
        try:
            self._child: subprocess.Popen | None = subprocess.Popen(
                self.args,
                cwd=cwd,
                env=dict(env) if env is not None else None,
                stdin=subprocess.DEVNULL,
                stdout=self._output,
                stderr=subprocess.STDOUT,
            )
        except OSError as exc:
            self._child = None
            self._failure = str(exc)
        else:
            _LIVE.add(self._child)

    def result(self, timeout: float | None = None) -> Result:
        """Wait for the child (killed after `timeout` seconds) and return what it did."""
        child = self._child
        if child is None:
            return Result(self.args, -1, self._failure)
        try:
            child.wait(timeout=timeout)
            timed_out = False
        except subprocess.TimeoutExpired:
            timed_out = True
        finally:
            self._stop()
        self._output.seek(0)
        output = self._output.read().decode(errors="replace")
        self._output.close()
        if timed_out:
            return Result(self.args, -1, f"{output}\ntimed out after {timeout:.0f} s")
        if output and console.settings.verbosity > 0:
            console.detail(output.rstrip())
        return Result(self.args, child.returncode, output)

    def exit_status(self) -> int | None:
        """The child's exit status once it has ended (-1: it never started), else None."""
        return -1 if self._child is None else self._child.poll()

    def finished(self) -> bool:
        """Whether the child has ended (or never started): `result` would not wait."""
        return self.exit_status() is not None

    def cancel(self) -> None:
        """Kill the child if it still runs, reap it, and drop its output."""
        self._stop()
        self._output.close()

    def _stop(self) -> None:
        child = self._child
        if child is None:
            return
        if child.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                child.kill()
            child.wait()
        _LIVE.discard(child)


_FORWARDED = ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT")


def _signal_exit_status(returncode: int) -> int:
    """A child killed by signal N exits like a shell reports it: 128 + N."""
    return 128 - returncode if returncode < 0 else returncode


def _kill_group(pgid: int, grace: float) -> None:
    """Stop whatever is left in the child's process group: SIGTERM, then SIGKILL."""
    import signal
    import time

    for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
        try:
            os.killpg(pgid, sig)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + wait
        while time.monotonic() < deadline:
            try:
                os.killpg(pgid, 0)
            except ProcessLookupError:
                return
            time.sleep(0.05)


# Stops the server's process group once webkit is gone, however webkit ended: a SIGKILL runs no
# handler of webkit's, but the kernel still closes webkit's end of the watcher's stdin. The
# watcher ignores the signals a terminal sends, so only that end-of-file (or webkit, after a
# normal stop) ends it.
_WATCHER = """
import os, signal, sys, time
for name in ("SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT"):
    signal.signal(getattr(signal, name), signal.SIG_IGN)
pgid, grace = int(sys.argv[1]), float(sys.argv[2])
sys.stdin.buffer.read()
for sig, wait in ((signal.SIGTERM, grace), (signal.SIGKILL, 2.0)):
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        sys.exit()
    deadline = time.monotonic() + wait
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            sys.exit()
        time.sleep(0.05)
"""


def _start_watcher(pgid: int, grace: float) -> subprocess.Popen | None:
    import sys

    try:
        return subprocess.Popen(
            [sys.executable, "-c", _WATCHER, str(pgid), str(grace)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            cwd="/",
            start_new_session=True,
        )
    except OSError:  # best effort: without it, only a SIGKILL of webkit leaves the server running
        return None


def run_foreground(
    argv: Sequence[str | os.PathLike[str]],
    *,
    cwd: Path,
    env: Mapping[str, str],
    on_started=None,
    grace: float = 10.0,
) -> int:
    """Run a long-lived child (a server) with the terminal, and own its whole process tree.

    The child runs in a process group of its own. Ctrl-C, SIGTERM, SIGHUP and SIGQUIT sent to
    webkit are forwarded to that whole group (a reloader's child and gunicorn's workers
    included), as a terminal would. When the leader exits, anything left in the group is stopped,
    so no server process outlives webkit; a watcher process does the same if webkit itself is
    killed (SIGKILL). Returns the child's exit status (128+N for signal N).
    """
    import signal
    import threading

    args = [str(part) for part in argv]
    console.detail(f"$ {' '.join(args)}")
    try:
        child = subprocess.Popen(args, cwd=cwd, env=dict(env), start_new_session=True)
    except FileNotFoundError:
        raise StepFailed(f"{args[0]} was not found", "run `webkit setup` to repair .venv") from None
    pgid = child.pid
    watcher = _start_watcher(pgid, grace)
    received: list[int] = []

    def forward(signum, _frame):
        received.append(signum)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pgid, signum)

    previous = {}
    for name in _FORWARDED:
        sig = getattr(signal, name)
        previous[sig] = signal.signal(sig, forward)
    try:
        if on_started is not None:
            threading.Thread(target=on_started, args=(child,), daemon=True).start()
        while True:
            try:
                # Not a blocking wait: the kernel may hand a signal to another thread (on_started's,
                # while it checks the migrations), and Python runs `forward` only once this thread
                # runs again. A blocking wait then never ended, nor did the server (Ctrl-C or
                # SIGTERM right after the start was lost).
                returncode = child.wait(timeout=0.2)
                break
            except subprocess.TimeoutExpired:
                continue
            except KeyboardInterrupt:  # pragma: no cover - SIGINT is handled by `forward`
                forward(signal.SIGINT, None)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _kill_group(pgid, grace)
        if watcher is not None:
            watcher.kill()
            watcher.wait()
            watcher.stdin.close()
    return _signal_exit_status(returncode)


def exec_command(argv: Sequence[str], *, cwd: Path, env: Mapping[str, str]) -> NoReturn:
    """Become `argv` (as the shell's `exec`): `argv[0]` is the executable's path.

    The command then is this process: it has the terminal as webkit had it (a password prompt,
    a REPL, Ctrl-Z and window resizes work as when typed directly), every signal sent to webkit
    reaches it, and whoever started webkit sees its exit status, or its death by a signal, as
    its own. Nothing of webkit stays in between (no Python of ours waiting beside it).
    """
    import sys

    args = [str(part) for part in argv]
    console.detail(f"$ {' '.join(args)}")
    sys.stdout.flush()
    sys.stderr.flush()
    if os.name == "nt":  # pragma: no cover - no exec that keeps the process: pass the status on
        raise SystemExit(subprocess.run(args, cwd=cwd, env=dict(env), check=False).returncode)
    os.chdir(cwd)
    try:
        os.execve(args[0], args, dict(env))  # noqa: S606 - no shell, by design
    except OSError as exc:
        raise StepFailed(
            f"cannot run {args[0]}: {exc.strerror}",
            "check that it is an executable file for this system (chmod +x, its #! line)",
            exit_code=126,
        ) from None
