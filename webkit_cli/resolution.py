"""Resolving a new project's requirements with `uv pip compile` while it renders."""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from webkit_cli import locks, runner
from webkit_cli.interpreters import Interpreter

# Under webkit's cache: the names of the packages each resolution gave last time
# (`_hints_file`).
FOLDER = "resolution"


class Resolution:
    """`uv pip compile` of a new project's requirements for the interpreter its .venv will have,
    started before the project is rendered and .venv created. Each set of requirements (the
    runtime dependencies; those and the dev group: each set within the next) is resolved:

    - offline, from the index pages in uv's cache alone: a few milliseconds when uv has
      resolved these packages before;
    - online, against the index: the newest versions, after the index's round trips (half a
      second or more where the index's pages cannot be cached, as behind this project's
      proxy). Only the last set starts online at once; the smaller ones follow from what it
      brought into uv's cache (`latest`).

    An install takes the online versions when they are in by then, else the offline ones
    (`pins`), like npm's --prefer-offline; `latest` then gives what the index has, for the
    caller to catch up where uv's cache was behind it. So a warm cache costs no wait on the
    index, and the project still ends with the versions a fresh resolution gives.

    Any failure here only gives up the head start: the install then resolves as it would have.

    An online resolution still running HEDGE_AFTER seconds after it started, while someone
    waits for it, gets a second one beside it, and the first answer wins (a hedged request).
    Behind this machine's proxy one resolution in three to twenty stalls 5 s on a single request
    (measured: 0.55-0.65 s, or 5.5 s); a second attempt rarely stalls too.

    Where webkit has resolved the same requirements before (with this uv, uv cache and
    interpreter), the last set's online resolution is two steps instead of one: a refresh, then
    an offline resolution. The refresh (`uv pip compile --no-deps` of the names that resolution
    gave last time, kept in webkit's cache) asks the index about every one of them at once,
    where a resolution learns a package's dependencies before it asks about them, one level of
    the graph after the other (measured behind this proxy: 0.43-0.51 s against 1.02-1.10 s).
    The offline resolution then reads pages that the index gave moments ago; its answer is taken
    only where every package in it was among those refreshed, else the set is resolved online
    as without the names.
    """

    HEDGE_AFTER = 1.2  # seconds: twice an online resolution's usual time here

    def __init__(
        self,
        uv: str,
        interpreter: Interpreter,
        requirements: Mapping[str, Sequence[str]],
        cwd: Path,
    ) -> None:
        import tempfile

        self._folder = Path(tempfile.mkdtemp(prefix="webkit-resolve-"))
        self._jobs: dict[tuple[str, str], tuple[runner.Background, Path]] = {}
        self._hedges: dict[str, tuple[runner.Background, Path]] = {}
        self._since: dict[str, float] = {}  # when each set's online resolution started
        self._cwd = cwd
        self._uv, self._python = uv, interpreter.path
        # Only the last (and largest) set is resolved online from the start: see `latest`.
        self._sets = list(requirements)
        self._online = self._sets[-1]
        for name, lines in requirements.items():
            source = self._folder / f"{name}.in"
            source.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
            self._jobs[name, "offline"] = self._start(name, "offline")
        self._hints = _hints_file(uv, interpreter.path, requirements[self._online])
        self._hinted = _read_names(self._hints)
        # The names whose index pages the online step brings up to date: the hints (a refresh),
        # else, once it has answered, those of the last set's online resolution.
        self._fresh = set(self._hinted)
        self._refreshing = bool(self._hinted)  # until the refresh gives way to a resolution
        if self._refreshing:
            names = "".join(f"{n}\n" for n in sorted(self._hinted))
            (self._folder / f"{self._online}.names").write_text(names, encoding="utf-8")
        mode = "refresh" if self._refreshing else "online"
        self._jobs[self._online, "online"] = self._start(self._online, mode)
        self._latest: dict[str, list[str] | None] = {}
        self._offline: dict[str, list[str] | None] = {}  # each set's offline answer, once in
        self.from_cache: set[str] = set()  # the names whose `pins` were uv's cached versions
        self.failure = ""  # why an online resolution gave nothing, once `latest` has said so

    def _start(self, name: str, mode: str, suffix: str = "") -> tuple[runner.Background, Path]:
        """uv pip compile of the set `name`: "online", "offline", or "refresh" (online, of the
        names in `name`.names, each alone)."""
        output = self._folder / f"{name}.{mode}{suffix}.txt"
        if mode != "offline" and not suffix:
            self._since[name] = time.monotonic()
        source = self._folder / f"{name}.{'names' if mode == 'refresh' else 'in'}"
        argv = [
            *(self._uv, "pip", "compile", "--quiet", "--no-header", "--no-annotate"),
            *({"offline": ["--offline"], "refresh": ["--no-deps"]}.get(mode, [])),
            *("--python", self._python, str(source)),
            *("--output-file", str(output)),
        ]
        return runner.Background(argv, cwd=self._cwd, env=runner.child_env()), output

    def _attempts(self, name: str) -> list[tuple[runner.Background, Path]]:
        """The online resolutions of the set `name`: the first, and its hedge if started."""
        hedge = self._hedges.get(name)
        return [self._jobs[name, "online"], *([hedge] if hedge else [])]

    def _answered(self, name: str) -> bool:
        """Whether the index has answered for `name` (with its versions or a failure)."""
        if (name, "online") not in self._jobs:
            name = self._online
        return any(job.finished() for job, _ in self._attempts(name))

    def _hedge_overdue(self) -> None:
        """Start a second online resolution beside each first one that is overdue."""
        now = time.monotonic()
        for name, since in list(self._since.items()):
            if (
                now - since >= self.HEDGE_AFTER
                and name not in self._hedges
                and not self._answered(name)
            ):
                mode = "refresh" if name == self._online and self._refreshing else "online"
                self._hedges[name] = self._start(name, mode, ".hedge")

    def _first_answer(self, name: str, timeout: float) -> tuple[runner.Background, Path]:
        """The online attempt that ended first with success; else one that failed, or one
        still running when `timeout` is up (its result then says it timed out)."""
        deadline = time.monotonic() + timeout
        while True:
            self._hedge_overdue()
            attempts = self._attempts(name)
            statuses = [job.exit_status() for job, _ in attempts]
            if 0 in statuses:
                winner = attempts[statuses.index(0)]
                break
            if None not in statuses or time.monotonic() >= deadline:
                winner = attempts[statuses.index(None) if None in statuses else 0]
                break
            time.sleep(0.01)
        for attempt in attempts:
            if attempt is not winner:
                attempt[0].cancel()
        return winner

    def _collect(self, name: str, mode: str, timeout: float) -> list[str] | None:
        job, output = self._jobs[name, mode]
        if mode == "online":
            started = time.monotonic()
            job, output = self._first_answer(name, timeout)
            timeout = max(0.0, timeout - (time.monotonic() - started))
        try:
            result = job.result(timeout=timeout)
            if not result.ok:
                if mode == "online":
                    self.failure = result.tail()
                return None
            lines = output.read_text(encoding="utf-8").splitlines()
        except OSError as exc:
            if mode == "online":
                self.failure = str(exc)
            return None
        pins = [line.strip() for line in lines if "==" in line and not line.startswith("#")]
        return pins or None

    def pins(self, name: str, timeout: float = 180, *, wait: bool = True) -> list[str] | None:
        """The exact requirements (name==version) of the set `name` to install now: the
        index's if it has answered, else uv's cache's, else the index's when it answers
        (`wait`; else None at once); None when both failed."""
        if self._answered(name) and self.latest(name) is not None:
            return self.latest(name)
        if name not in self._offline:
            self._offline[name] = self._collect(name, "offline", timeout)
        offline = self._offline[name]
        if offline is not None:
            self.from_cache.add(name)
            return offline
        if not wait and not self._answered(name):
            return None
        return self.latest(name, timeout)

    def cache_missed(self, name: str) -> bool:
        """Whether uv's cache has failed to resolve the set `name`: it lacks index pages, and
        so the wheels too (False while it has not said)."""
        status = self._jobs[name, "offline"][0].exit_status()
        return status is not None and status != 0

    def latest(self, name: str, timeout: float = 180) -> list[str] | None:
        """The index's versions for the set `name` (waiting for them), or None on a failure.

        The smaller sets are not resolved online from the start, beside the last one: that would
        fetch the same index pages twice, with half a second of CPU each, while the project
        renders and installs. Once the last set's online step has succeeded, uv's cache holds
        what the index has just said about every package it needed, so an offline resolution
        (a few milliseconds) gives the smaller set's versions from it; online only where that
        fails (a package the larger set did not need)."""
        if name in self._latest:
            return self._latest[name]
        deadline = time.monotonic() + timeout

        def left() -> float:
            return max(0.0, deadline - time.monotonic())

        pins = None
        if name == self._online and self._refreshing:
            if self._collect(name, "online", left()) is not None:
                for each in self._sets:  # each set's resolution from the pages, side by side
                    self._after(each)
                pins = self._from_fresh_cache(name, left())
            if pins is None:  # no refresh, or an answer that needs a page it did not refresh
                self._refreshing = False
                self._fresh = set()  # what the resolution asks about, once it has answered
                hedge = self._hedges.pop(name, None)
                if hedge is not None:
                    hedge[0].cancel()
                self._jobs[name, "online"] = self._start(name, "online")
        elif name != self._online and (name, "online") not in self._jobs:
            if self.latest(self._online, left()) is None:
                self._latest[name] = None  # the failure is the index's: `failure` says it
                return None
            pins = self._from_fresh_cache(name, left())
            if pins is None:
                self._jobs[name, "online"] = self._start(name, "online")
        if pins is None:
            pins = self._collect(name, "online", left())
        if name == self._online and pins is not None:
            self._fresh |= _names(pins)
            if _names(pins) != self._hinted:
                _write_names(self._hints, pins)
        self._latest[name] = pins
        return pins

    def _from_fresh_cache(self, name: str, timeout: float) -> list[str] | None:
        """An offline resolution of the set `name`, right after the online step: its pins where
        the index gave, moments ago, the page of every package in them; else None."""
        self._after(name)
        pins = self._collect(name, "after", timeout)
        return pins if pins is not None and _names(pins) <= self._fresh else None

    def _after(self, name: str) -> None:
        if (name, "after") not in self._jobs:
            self._jobs[name, "after"] = self._start(name, "offline", ".after")

    def cancel(self) -> None:
        for job, _ in [*self._jobs.values(), *self._hedges.values()]:
            job.cancel()
        shutil.rmtree(self._folder, ignore_errors=True)


_NAME = re.compile(r"[a-z0-9]+(-[a-z0-9]+)*")


def _names(pins: Sequence[str]) -> set[str]:
    """The packages of `name==version` lines, named as PEP 503 normalises them."""
    return {locks.pin_name(pin) for pin in pins}


def _hints_file(uv: str, python: Path | str, requirements: Sequence[str]) -> Path | None:
    """Where the names that these requirements resolved to last time are kept (by this uv, with
    this uv cache, for this interpreter); None when webkit's cache is turned off."""
    from webkit_cli import bytecode

    cache = bytecode.cache_dir()
    if cache is None:
        return None
    key = "\n".join([uv, os.environ.get("UV_CACHE_DIR", ""), str(python), *requirements])
    return cache / FOLDER / f"{hashlib.sha256(key.encode()).hexdigest()[:32]}.txt"


def _read_names(path: Path | None) -> set[str]:
    try:
        text = path.read_text(encoding="utf-8") if path is not None else ""
    except (OSError, UnicodeDecodeError):
        return set()
    return {line.strip() for line in text.splitlines() if _NAME.fullmatch(line.strip())}


def _write_names(path: Path | None, pins: Sequence[str]) -> None:
    """Keep the names for the next resolution of the same requirements: a hint, which a failure
    to write only costs the next project its head start."""
    if path is None:
        return
    text = "".join(f"{name}\n" for name in sorted(_names(pins)))
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial = path.with_name(f".{path.name}.{os.getpid()}.partial")
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except OSError:
        return
