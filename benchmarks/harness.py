"""The measuring machinery: one fresh wrapper process per job, interleaved rounds, statistics.

Every measured command runs under `_wrapper.py` in a process of its own, so the peak memory
(`ru_maxrss` of the job's process tree) belongs to that job alone and the wall time excludes
the wrapper's start-up. Servers run the same way; `Job.stop` ends them and, should anything of
theirs outlive the stop, kills exactly those processes (found by walking /proc from the
wrapper, never by name).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

WRAPPER = Path(__file__).with_name("_wrapper.py")


class BenchmarkError(Exception):
    """A measured command failed: the benchmark cannot go on honestly."""


@dataclass
class Step:
    name: str
    argv: Sequence[str | os.PathLike[str]]
    cwd: Path | None = None
    env: dict[str, str] | None = None
    timeout: float | None = None


@dataclass
class Sample:
    """One measured job."""

    wall: float
    maxrss_kb: int
    steps: dict[str, float]
    ok: bool
    log: Path
    start: float  # time.monotonic() when the first step was spawned (comparable across processes)
    extra: dict = field(default_factory=dict)
    cpu: float = 0.0  # user + system CPU seconds of the job's processes (those reaped)

    @property
    def maxrss_mb(self) -> float:
        return self.maxrss_kb / 1024

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(encoding="utf-8", errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.rstrip().splitlines()[-lines:])


_ids = itertools.count(1)


class Job:
    """A wrapper process running `steps` one after another."""

    def __init__(self, steps: Sequence[Step], workdir: Path, label: str, grace: float = 15.0):
        self.label = label
        slug = "".join(c if c.isalnum() or c in "-_." else "-" for c in label)
        self.dir = workdir / "jobs" / f"{next(_ids):04d}-{slug}"
        self.dir.mkdir(parents=True)
        self.log = self.dir / "output.log"
        self.result_path = self.dir / "result.json"
        spec = {
            "steps": [
                {
                    "name": s.name,
                    "argv": [str(a) for a in s.argv],
                    "cwd": str(s.cwd) if s.cwd else None,
                    "env": s.env,
                    "timeout": s.timeout,
                }
                for s in steps
            ],
            "log": str(self.log),
            "result": str(self.result_path),
            "grace": grace,
        }
        spec_path = self.dir / "spec.json"
        spec_path.write_text(json.dumps(spec), encoding="utf-8")
        self.grace = grace
        self.seen: dict[int, int] = {}  # pid -> start time, of every process seen in the tree
        # The previous job's writes (a whole .venv, or its deletion) go to disk now, not while
        # this one runs: each side of a comparison pays for its own I/O only.
        os.sync()
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, str(WRAPPER), str(spec_path)],
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    @classmethod
    def run(cls, steps: Sequence[Step], workdir: Path, label: str, timeout: float) -> Sample:
        job = cls(steps, workdir, label)
        try:
            job.proc.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return job.stop()
        except BaseException:
            job.stop()
            raise
        return job.result()

    def running(self) -> bool:
        return self.proc.poll() is None

    def tree(self) -> list[int]:
        """The wrapper's descendants now (remembered, for cleaning up after a stop)."""
        found = _descendants(self.proc.pid)
        for pid in found:
            start = _start_time(pid)
            if start is not None:
                self.seen.setdefault(pid, start)
        return found

    def stop(self) -> Sample:
        """SIGTERM the job (the wrapper forwards it to the step's group), then make sure."""
        self.tree()
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(timeout=self.grace + 10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._kill_leftovers()
        return self.result()

    def _kill_leftovers(self) -> None:
        """Anything of this job that outlived the stop (a server's grandchild, say)."""
        for sig, wait in ((signal.SIGTERM, 3.0), (signal.SIGKILL, 2.0)):
            alive = [p for p, start in self.seen.items() if _start_time(p) == start]
            if not alive:
                return
            for pid in alive:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, sig)
            deadline = time.monotonic() + wait
            while time.monotonic() < deadline and any(
                _start_time(p) == self.seen[p] for p in alive
            ):
                time.sleep(0.05)

    def result(self) -> Sample:
        try:
            data = json.loads(self.result_path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return Sample(0.0, 0, {}, False, self.log, 0.0, {"error": "no result"})
        steps = {s["name"]: s["wall"] for s in data["steps"]}
        start = data["steps"][0]["start"] if data["steps"] else 0.0
        ok = data["rc"] == 0 and not data["timed_out"] and not data["stopped"]
        extra = {"stopped": data["stopped"], "timed_out": data["timed_out"], "rc": data["rc"]}
        return Sample(
            sum(steps.values()),
            data["maxrss_kb"],
            steps,
            ok,
            self.log,
            start,
            extra,
            float(data.get("cpu", 0.0)),
        )


def _stat_fields(pid: int | str) -> list[str] | None:
    """The fields of /proc/PID/stat after the command name (state first), or None when gone."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return None
    return stat[stat.rfind(")") + 2 :].split()


def _children_map() -> dict[int, list[int]]:
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        fields = _stat_fields(entry) if entry.isdigit() else None
        if fields is not None:
            children.setdefault(int(fields[1]), []).append(int(entry))
    return children


def _descendants(pid: int) -> list[int]:
    children = _children_map()
    found, todo = [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def _start_time(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as handle:
            stat = handle.read()
    except OSError:
        return None
    fields = stat[stat.rfind(")") + 2 :].split()
    if fields[0] == "Z":
        return None
    return int(fields[19])


def tree_pss_kb(pids: Iterable[int]) -> int:
    """Proportional set size of these processes together (shared pages counted once)."""
    total = 0
    for pid in pids:
        try:
            with open(f"/proc/{pid}/smaps_rollup", encoding="utf-8") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        total += int(line.split()[1])
                        break
        except (OSError, ValueError):
            continue
    return total


_TICKS = os.sysconf("SC_CLK_TCK")


def tree_cpu_seconds(pids: Iterable[int]) -> float:
    """CPU time (user + system) these processes used, plus that of their reaped children.

    Each reaped process is counted once, in the live ancestor that reaped it, so over a whole
    tree the sum is every CPU second the tree has used, worker restarts included.
    """
    ticks = 0
    for pid in pids:
        fields = _stat_fields(pid)
        if fields is not None:
            ticks += sum(int(v) for v in fields[11:15])  # utime, stime, cutime, cstime
    return ticks / _TICKS


def interleave(
    cases: dict[str, Callable[[int], Sample]],
    rounds: int,
    progress: Callable[[str], None] = lambda _m: None,
) -> dict[str, list[Sample]]:
    """Run the cases in turn, A B A B ..., `rounds` times; each call gets its round number."""
    results: dict[str, list[Sample]] = {name: [] for name in cases}
    for index in range(rounds):
        for name, run in cases.items():
            sample = run(index)
            results[name].append(sample)
            progress(f"round {index + 1}/{rounds}: {name}: {format_seconds(sample.wall)}")
    return results


@dataclass(frozen=True)
class Summary:
    n: int
    median: float
    low: float
    high: float

    @property
    def spread(self) -> float:
        return self.high - self.low


def summarize(values: Iterable[float]) -> Summary:
    data = sorted(values)
    if not data:
        raise ValueError("no values")
    return Summary(len(data), statistics.median(data), data[0], data[-1])


def format_seconds(seconds: float) -> str:
    if seconds < 1:
        return f"{seconds * 1000:.0f} ms"
    if seconds < 10:
        return f"{seconds:.2f} s"
    return f"{seconds:.1f} s"


def format_time_summary(summary: Summary) -> str:
    """`1.23 s (1.10-1.40, n=5)`: the median, then the range."""
    if summary.n == 1:
        return f"{format_seconds(summary.median)} (n=1)"
    low, high = format_seconds(summary.low), format_seconds(summary.high)
    return f"{format_seconds(summary.median)} ({low}-{high}, n={summary.n})"


def format_mb(kilobytes: float) -> str:
    return f"{kilobytes / 1024:.0f} MB"
