"""8. `webkit run`: what webkit adds to running a command in the project directly."""

from __future__ import annotations

from benchmarks.context import Context, require
from benchmarks.harness import (
    Job,
    Sample,
    Step,
    format_mb,
    format_seconds,
    format_time_summary,
    interleave,
    summarize,
)
from benchmarks.report import Section, Table

TITLE = "`webkit run`: its overhead"
INTRO = (
    "In a fresh `webkit new` project (warm caches; not timed), from its package folder: "
    "`webkit run python -c pass` against the project's own `.venv/bin/python -c pass` run "
    "directly, and the `python -c 'import click'` floor of any click CLI. webkit's overhead is "
    "the difference of the two medians: finding the project, reading .env, and starting the "
    "command (webkit becomes it: nothing of webkit waits beside it). They alternate; one "
    "unrecorded warm-up round first."
)

WEBKIT, DIRECT, FLOOR = "`webkit run python -c pass`", "`.venv/bin/python -c pass`", "floor"


def run(ctx: Context, section: Section) -> None:
    rows: list[list[str]] = []
    for fw in ctx.options.frameworks:
        project, _ = ctx.fresh_project(fw, "run")
        python = project / ".venv" / "bin" / "python"
        cwd = project / "benchapp"
        argvs = {
            WEBKIT: [ctx.tools.webkit, "run", "python", "-c", "pass"],
            DIRECT: [python, "-c", "pass"],
            FLOOR: [ctx.tools.python, "-c", "import click"],
        }

        def case(label: str, argv: list, fw: str = fw, cwd=cwd):
            def measure(_round: int) -> Sample:
                step = Step(label, argv, cwd=cwd, env=ctx.env(), timeout=60)
                return require(Job.run([step], ctx.workspace, f"run-{fw}", 90), f"{label} ({fw})")

            return measure

        cases = {label: case(label, argv) for label, argv in argvs.items()}
        interleave(cases, 1)  # warm-up
        results = interleave(cases, section.rounds, lambda m, fw=fw: ctx.say(f"run {fw}: {m}"))
        medians = {}
        for label, samples in results.items():
            times = summarize(s.wall for s in samples)
            medians[label] = times.median
            memory = summarize(s.maxrss_kb for s in samples)
            shown = "`python -c 'import click'` (floor)" if label == FLOOR else label
            rows.append([fw, shown, format_time_summary(times), format_mb(memory.median)])
        overhead = medians[WEBKIT] - medians[DIRECT]
        section.metrics[f"run.{fw}.overhead"] = overhead
        section.metrics[f"run.{fw}.floor"] = medians[FLOOR]
        rows.append(
            [
                fw,
                "overhead: webkit run - direct",
                format_seconds(overhead),
                f"{overhead / medians[FLOOR]:.2f}x the floor",
            ]
        )
        ctx.discard(project.parent)
    section.tables.append(
        Table(["Framework", "Command", "Wall time: median (range)", "Peak RSS"], rows)
    )
