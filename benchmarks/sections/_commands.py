"""Commands compared side by side in one folder: what the doctor and run sections share."""

from __future__ import annotations

from pathlib import Path

from benchmarks.context import Context, require
from benchmarks.harness import (
    Job,
    Sample,
    Step,
    format_mb,
    format_time_summary,
    interleave,
    summarize,
)


def compare(
    ctx: Context, rounds: int, tag: str, argvs: dict[str, list], cwd: Path
) -> tuple[list[list[str]], dict[str, float]]:
    """Run each command of `argvs` (label -> argv) in `cwd`, in turn, `rounds` times after one
    unrecorded warm-up round; each must exit 0. Returns a row per command (label, median and
    range of the wall time, peak RSS) and the medians by label."""

    def case(label: str, argv: list):
        def measure(_round: int) -> Sample:
            step = Step(label, argv, cwd=cwd, env=ctx.env(), timeout=120)
            return require(Job.run([step], ctx.workspace, tag, 150), f"{label} ({tag})")

        return measure

    cases = {label: case(label, argv) for label, argv in argvs.items()}
    interleave(cases, 1)  # warm-up
    results = interleave(cases, rounds, lambda m: ctx.say(f"{tag}: {m}"))
    rows, medians = [], {}
    for label, samples in results.items():
        times = summarize(s.wall for s in samples)
        medians[label] = times.median
        memory = summarize(s.maxrss_kb for s in samples).median
        rows.append([label, format_time_summary(times), format_mb(memory)])
    return rows, medians
