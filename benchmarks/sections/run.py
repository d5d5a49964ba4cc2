"""8. `webkit run`: what webkit adds to running a command in the project directly."""

from __future__ import annotations

from benchmarks.context import NAME, Context
from benchmarks.harness import format_seconds
from benchmarks.report import Section, Table
from benchmarks.sections._commands import compare

TITLE = "`webkit run`: its overhead"
INTRO = (
    "In a fresh `webkit new` project (warm caches; not timed), from its package folder: "
    "`webkit run python -c pass` against the project's own `.venv/bin/python -c pass` run "
    "directly, and the `python -c 'import click'` floor of any click CLI. webkit's overhead is "
    "the difference of the two medians: finding the project, reading .env, and starting the "
    "command (webkit becomes it: nothing of webkit waits beside it). They alternate; one "
    "unrecorded warm-up round first."
)

WEBKIT, DIRECT = "`webkit run python -c pass`", "`.venv/bin/python -c pass`"
FLOOR = "`python -c 'import click'` (floor)"


def run(ctx: Context, section: Section) -> None:
    rows: list[list[str]] = []
    for fw in ctx.options.frameworks:
        project, _ = ctx.fresh_project(fw, "run")
        argvs = {
            WEBKIT: [ctx.tools.webkit, "run", "python", "-c", "pass"],
            DIRECT: [project / ".venv" / "bin" / "python", "-c", "pass"],
            FLOOR: [ctx.tools.python, "-c", "import click"],
        }
        timed, medians = compare(ctx, section.rounds, f"run {fw}", argvs, project / NAME)
        rows += [[fw, *row] for row in timed]
        overhead = medians[WEBKIT] - medians[DIRECT]
        section.metrics[f"run.{fw}.overhead"] = overhead
        section.metrics[f"run.{fw}.floor"] = medians[FLOOR]
        ratio = f"{overhead / medians[FLOOR]:.2f}x the floor"
        rows.append([fw, "overhead: webkit run - direct", format_seconds(overhead), ratio])
        ctx.discard(project.parent)
    section.tables.append(
        Table(["Framework", "Command", "Wall time: median (range)", "Peak RSS"], rows)
    )
