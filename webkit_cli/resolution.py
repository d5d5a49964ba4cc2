"""Resolving a new project's requirements with `uv pip compile` while it renders."""

from __future__ import annotations

import shutil
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from webkit_cli import runner
from webkit_cli.interpreters import Interpreter


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
        self._online = list(requirements)[-1]
        for name, lines in requirements.items():
            source = self._folder / f"{name}.in"
            source.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
            self._jobs[name, "offline"] = self._start(name, "offline")
        self._jobs[self._online, "online"] = self._start(self._online, "online")
        self._latest: dict[str, list[str] | None] = {}
        self.from_cache: set[str] = set()  # the names whose `pins` were uv's cached versions
        self.failure = ""  # why an online resolution gave nothing, once `latest` has said so

    def _start(self, name: str, mode: str, suffix: str = "") -> tuple[runner.Background, Path]:
        output = self._folder / f"{name}.{mode}{suffix}.txt"
        if mode == "online" and not suffix:
            self._since[name] = time.monotonic()
        argv = [
            *(self._uv, "pip", "compile", "--quiet", "--no-header", "--no-annotate"),
            *(["--offline"] if mode == "offline" else []),
            *("--python", self._python, str(self._folder / f"{name}.in")),
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
                self._hedges[name] = self._start(name, "online", ".hedge")

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
        (`wait`; else None at once); None when both failed. Call it once per set."""
        if self._answered(name) and self.latest(name) is not None:
            return self.latest(name)
        offline = self._collect(name, "offline", timeout)
        if offline is not None:
            self.from_cache.add(name)
            return offline
        if not wait and not self._answered(name):
            return None
        return self.latest(name, timeout)

    def latest(self, name: str, timeout: float = 180) -> list[str] | None:
        """The index's versions for the set `name` (waiting for them), or None on a failure.

        The smaller sets are not resolved online from the start, beside the last one: that would
        fetch the same index pages twice, with half a second of CPU each, while the project
        renders and installs. Once the last set's online resolution has succeeded, uv's cache
        holds what the index has just said about every package it needed, so an offline
        resolution (a few milliseconds) gives the smaller set's versions from it; online only
        where that fails (a package the larger set did not need)."""
        if name in self._latest:
            return self._latest[name]
        if name != self._online and (name, "online") not in self._jobs:
            if self.latest(self._online, timeout) is None:
                self._latest[name] = None  # the failure is the index's: `failure` says it
                return None
            self._jobs[name, "after"] = self._start(name, "offline", ".after")
            pins = self._collect(name, "after", timeout)
            if pins is not None:
                self._latest[name] = pins
                return pins
            self._jobs[name, "online"] = self._start(name, "online")
        self._latest[name] = self._collect(name, "online", timeout)
        return self._latest[name]

    def cancel(self) -> None:
        for job, _ in [*self._jobs.values(), *self._hedges.values()]:
            job.cancel()
        shutil.rmtree(self._folder, ignore_errors=True)
