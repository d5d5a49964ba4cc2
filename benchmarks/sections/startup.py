"""1. Start-up: `webkit --help` and `--version` against the `import click` floor and cookiecutter."""

from __future__ import annotations

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
from benchmarks.report import Section, Table

TITLE = "Start-up"
INTRO = (
    "Wall time from spawning the command to its exit, with output discarded. The floor is the "
    "same interpreter importing click and nothing else: what any click CLI pays. One "
    "unrecorded warm-up round first (the OS file cache)."
)


def run(ctx: Context, section: Section) -> None:
    tools = ctx.tools
    commands = {
        "`python -c 'import click'` (floor)": ("floor", [tools.python, "-c", "import click"]),
        "`webkit --help`": ("help", [tools.webkit, "--help"]),
        "`webkit --version`": ("version", [tools.webkit, "--version"]),
        "`cookiecutter --help`": ("cookiecutter", [tools.cookiecutter, "--help"]),
    }
    cwd = ctx.scratch("startup")
    env = ctx.env()

    def case(label: str, argv: list):
        def measure(_round: int) -> Sample:
            sample = Job.run(
                [Step(label, argv, cwd=cwd, env=env, timeout=60)], ctx.workspace, label, 90
            )
            return require(sample, label)

        return measure

    cases = {label: case(label, argv) for label, (_key, argv) in commands.items()}
    interleave(cases, 1)  # warm-up, not recorded
    results = interleave(cases, section.rounds, ctx.say)

    floor = summarize(s.wall for s in results["`python -c 'import click'` (floor)"]).median
    rows = []
    for label, (key, _argv) in commands.items():
        samples = results[label]
        times = summarize(s.wall for s in samples)
        memory = summarize(s.maxrss_kb for s in samples)
        section.metrics[f"startup.{key}"] = times.median
        rows.append(
            [
                label,
                format_time_summary(times),
                f"{times.median / floor:.2f}x",
                format_mb(memory.median),
            ]
        )
    section.tables.append(
        Table(["Command", "Wall time: median (range)", "x floor", "Peak RSS"], rows)
    )
    ctx.discard(cwd)
