"""Resolving a new project's requirements with `uv pip compile` while it renders."""

from __future__ import annotations

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from webkit_cli import runner
from webkit_cli.interpreters import Interpreter


class Resolution:
    """`uv pip compile` of a new project's requirements for the interpreter its .venv will have,
    started before the project is rendered and .venv created. Each set of requirements (the
    runtime dependencies; those and the dev group) is resolved twice at once:

    - offline, from the index pages in uv's cache alone: a few milliseconds when uv has
      resolved these packages before;
    - online, against the index: the newest versions, after the index's round trips (half a
      second or more where the index's pages cannot be cached, as behind this project's
      proxy).

    An install takes the online versions when they are in by then, else the offline ones
    (`pins`), like npm's --prefer-offline; `latest` then gives what the index has, for the
    caller to catch up where uv's cache was behind it. So a warm cache costs no wait on the
    index, and the project still ends with the versions a fresh resolution gives.

    Any failure here only gives up the head start: the install then resolves as it would have.
    """

    MODES = ("online", "offline")

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
        for name, lines in requirements.items():
            source = self._folder / f"{name}.in"
            source.write_text("".join(f"{line}\n" for line in lines), encoding="utf-8")
            for mode in self.MODES:
                output = self._folder / f"{name}.{mode}.txt"
                argv = [
                    *(uv, "pip", "compile", "--quiet", "--no-header", "--no-annotate"),
                    *(["--offline"] if mode == "offline" else []),
                    *("--python", interpreter.path, str(source), "--output-file", str(output)),
                ]
                job = runner.Background(argv, cwd=cwd, env=runner.child_env())
                self._jobs[name, mode] = (job, output)
        self._latest: dict[str, list[str] | None] = {}
        self.from_cache: set[str] = set()  # the names whose `pins` were uv's cached versions
        self.failure = ""  # why an online resolution gave nothing, once `latest` has said so

    def _collect(self, name: str, mode: str, timeout: float) -> list[str] | None:
        job, output = self._jobs[name, mode]
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
        online = self._jobs[name, "online"][0]
        if online.finished() and self.latest(name) is not None:
            return self.latest(name)
        offline = self._collect(name, "offline", timeout)
        if offline is not None:
            self.from_cache.add(name)
            return offline
        if not wait and not online.finished():
            return None
        return self.latest(name, timeout)

    def latest(self, name: str, timeout: float = 180) -> list[str] | None:
        """The index's versions for the set `name` (waiting for them), or None on a failure."""
        if name not in self._latest:
            self._latest[name] = self._collect(name, "online", timeout)
        return self._latest[name]

    def cancel(self) -> None:
        for job, _ in self._jobs.values():
            job.cancel()
        shutil.rmtree(self._folder, ignore_errors=True)
