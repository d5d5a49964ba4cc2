"""All terminal output goes through here: one rich Console, created on first use.

rich is imported lazily so that `webkit --help` stays cheap.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console

VERBOSITY_QUIET = -1
VERBOSITY_NORMAL = 0
VERBOSITY_VERBOSE = 1


class Settings:
    verbosity: int = VERBOSITY_NORMAL
    color: bool = True
    debug: bool = False


settings = Settings()
_out: Console | None = None
_err: Console | None = None


def configure(*, verbosity: int, no_color: bool, debug: bool) -> None:
    global _out, _err
    settings.verbosity = verbosity
    settings.color = not (no_color or os.environ.get("NO_COLOR"))
    settings.debug = debug
    _out = _err = None


def _make(stderr: bool) -> Console:
    from rich.console import Console

    class Output(Console):
        def on_broken_pipe(self) -> None:
            # The reader went away (`webkit new shop --dry-run | head`): no error, and the
            # command still finishes its work. rich's own handler exits with status 1.
            self.quiet = True
            stream = sys.stderr if stderr else sys.stdout
            with contextlib.suppress(OSError, ValueError):
                devnull = os.open(os.devnull, os.O_WRONLY)
                os.dup2(devnull, stream.fileno())  # Python's last flush goes there too
                os.close(devnull)

    return Output(
        stderr=stderr,
        no_color=not settings.color,
        highlight=False,
        soft_wrap=True,
        emoji=False,
    )


def out() -> Console:
    global _out
    if _out is None:
        _out = _make(stderr=False)
    return _out


def err() -> Console:
    global _err
    if _err is None:
        _err = _make(stderr=True)
    return _err


def escape(text: str) -> str:
    from rich.markup import escape as _escape

    return _escape(text)


def info(message: str) -> None:
    if settings.verbosity >= VERBOSITY_NORMAL:
        out().print(message)


def detail(message: str) -> None:
    """Shown with --verbose only."""
    if settings.verbosity >= VERBOSITY_VERBOSE:
        out().print(f"[dim]{message}[/dim]")


def success(message: str) -> None:
    if settings.verbosity >= VERBOSITY_NORMAL:
        out().print(f"[green]✓[/green] {message}")


def warning(message: str, hint: str | None = None) -> None:
    err().print(f"[yellow]warning:[/yellow] {escape(_one_line(message))}")
    if hint:
        err().print(f"  [dim]hint:[/dim] {escape(runnable(_one_line(hint)))}")


def error(message: str, hint: str | None = None) -> None:
    # One line for what went wrong, one for what to do. Newlines inside a message would break that.
    err().print(f"[bold red]error:[/bold red] {escape(_one_line(message))}")
    if hint:
        err().print(f"  [dim]hint:[/dim] {escape(runnable(_one_line(hint)))}")


def _one_line(text: str) -> str:
    return " ".join(text.split())


def raw(text: str) -> None:
    """Text for programs to read (JSON, say), as it is: no markup, no wrapping, and no rich to
    import for it."""
    sys.stdout.write(text if text.endswith("\n") else text + "\n")
    sys.stdout.flush()


def webkit_command() -> str:
    """How the user runs webkit from a shell: `webkit` when that is on PATH, else the path the
    user ran it by (~ for the home folder), so that the commands webkit prints work as shown."""
    import re
    import shutil

    script = sys.argv[0] if sys.argv else ""
    if os.path.basename(script) != "webkit" or os.sep not in script:
        return "webkit"  # `python -m webkit_cli`, or run as `webkit` from PATH
    on_path = shutil.which("webkit")
    try:
        if on_path and os.path.samefile(on_path, script):
            return "webkit"
    except OSError:
        pass
    path = os.path.abspath(script)
    home = os.path.expanduser("~").rstrip(os.sep)
    if home and path.startswith(home + os.sep):
        path = "~" + path[len(home) :]
    if re.fullmatch(r"[\w@%+=:,./~-]+", path):
        return path
    import shlex

    return shlex.quote(os.path.abspath(script))


def runnable(text: str) -> str:
    """`text` with each `webkit ...` command written as the user can run it."""
    command = webkit_command()
    return text if command == "webkit" else text.replace("`webkit ", f"`{command} ")


def print_obj(obj: Any) -> None:
    if settings.verbosity >= VERBOSITY_NORMAL:
        out().print(obj)


def is_interactive() -> bool:
    return sys.stdin.isatty() and sys.stdout.isatty()


def format_seconds(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 1 else f"{seconds:.1f} s"


class Step:
    """A running step; `note` adds a short remark to its done line, and `quiet` leaves the
    line out (a check that found nothing to report)."""

    def __init__(self, title: str):
        self.title = title
        self.done_text = title
        self.note = ""
        self.skipped = False
        self.quiet = False

    def skip(self, reason: str) -> None:
        self.skipped = True
        self.note = reason


@contextmanager
def step(title: str, done: str | None = None) -> Iterator[Step]:
    """Show a spinner while the body runs, then one line with the result and its time."""
    current = Step(title)
    current.done_text = done or title
    started = time.perf_counter()
    console = out()
    show_spinner = console.is_terminal and settings.verbosity >= VERBOSITY_NORMAL
    status = console.status(f"{title}…", spinner="dots") if show_spinner else None
    if status is not None:
        status.start()
    elif settings.verbosity >= VERBOSITY_VERBOSE:
        console.print(f"[dim]… {title}[/dim]")
    try:
        yield current
    except BaseException:
        if status is not None:
            status.stop()
        if settings.verbosity >= VERBOSITY_NORMAL:
            err().print(
                f"[red]✗[/red] {title} [dim]({format_seconds(time.perf_counter() - started)})[/dim]"
            )
        raise
    if status is not None:
        status.stop()
    if settings.verbosity >= VERBOSITY_NORMAL and not current.quiet:
        elapsed = format_seconds(time.perf_counter() - started)
        if current.skipped:
            console.print(f"[yellow]-[/yellow] {title}: skipped, {current.note}")
        else:
            note = f" [dim]{current.note}[/dim]" if current.note else ""
            console.print(f"[green]✓[/green] {current.done_text}{note} [dim]({elapsed})[/dim]")
