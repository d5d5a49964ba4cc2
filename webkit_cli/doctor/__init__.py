"""`webkit doctor`'s checks: each says whether one thing is right and, when it is not, what is
wrong and the command that fixes it. Nothing here changes anything.

Inside a project: its interpreter and .venv, packages and lock files (environment.py), .env
(settings.py), the database, its migrations and the broker (data.py), git, the deploy files
and the template (repository.py). Outside one: the machine (machine.py).

The checks that wait on a child process (the .venv's Python, git, a database server) run at
the same time, on a few threads.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from webkit_cli.errors import WebkitError


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str | None = None

    def as_json(self) -> dict:
        return {"name": self.name, "ok": self.ok, "detail": self.detail, "fix": self.fix}


@dataclass(frozen=True)
class Report:
    checks: list[Check]
    project: object | None = None  # the Project checked, if any
    place: str = ""  # what was checked, for the heading

    @property
    def ok(self) -> bool:
        return all(check.ok for check in self.checks)


# A group of checks: a function of the project that returns them in order.
Group = Callable[[object], list[Check]]


def checks(*names: str) -> Callable[[Group], Group]:
    """Name the checks a group returns: should the group itself fail (a lock file that is not
    UTF-8, say), each of them is reported as failed with the reason, and the others still run."""

    def name(group: Group) -> Group:
        group.check_names = names  # type: ignore[attr-defined]
        return group

    return name


def _guarded(group: Group, subject: object) -> list[Check]:
    from webkit_cli import console

    try:
        return group(subject)
    except Exception as exc:
        if console.settings.debug:
            raise
        reason = exc.message if isinstance(exc, WebkitError) else f"{type(exc).__name__}: {exc}"
        fix = (exc.hint if isinstance(exc, WebkitError) else None) or (
            "webkit --debug doctor shows the traceback; report it if the files look right"
        )
        names = getattr(group, "check_names", (group.__name__,))
        return [Check(name, False, f"could not be checked: {reason}", fix) for name in names]


def _run_groups(groups: list[Group], subject: object) -> list[Check]:
    import sysconfig

    # sysconfig fills its variables on first use, and two threads doing that at once may see
    # them half-filled (uv's find_uv_bin then read EXE as None): fill them before the threads.
    sysconfig.get_config_vars()
    with ThreadPoolExecutor(max_workers=4, thread_name_prefix="doctor") as pool:
        futures = [pool.submit(_guarded, group, subject) for group in groups]
        return [check for future in futures for check in future.result()]


def examine(start: Path) -> Report:
    """Every check of the project around `start`, or of the machine outside one."""
    from webkit_cli import project
    from webkit_cli.doctor import machine

    root = project.find_root(start.resolve())
    if root is None:
        return Report(_run_groups(machine.GROUPS, None), None, "this machine (not in a project)")
    try:
        proj = project.load(root)
    except WebkitError as exc:  # the project cannot be read: say so, and check the machine
        broken = Check("project", False, exc.message, exc.hint)
        return Report([broken, *_run_groups(machine.GROUPS, None)], None, str(root))
    from webkit_cli.doctor import data, environment, repository, settings

    groups = [*environment.GROUPS, *settings.GROUPS, *data.GROUPS, *repository.GROUPS]
    return Report(_run_groups(groups, proj), proj, str(root))
