"""6. The generated projects' own test suites: wall time of `.venv/bin/pytest`."""

from __future__ import annotations

import re

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

TITLE = "The generated projects' own test suites"
INTRO = (
    "`.venv/bin/pytest -q` in a fresh project (as its README says; coverage included), run "
    "with this machine's environment. The first run is the first after `webkit new`; the "
    "median is over every run. Frameworks alternate. CPU is the user and system time of all "
    "the run's processes: a wall time far above it was spent waiting (on the disk, say). "
    "`TMPDIR` points into the workspace, so that pytest's clean-up of old `tmp_path` folders "
    "never deletes what other pytest runs on the machine left there."
)

_PASSED = re.compile(r"(\d+) passed")


def run(ctx: Context, section: Section) -> None:
    projects = {fw: ctx.fresh_project(fw, "tests")[0] for fw in ctx.options.frameworks}
    # pytest's tmp_path folders go under $TMPDIR/pytest-of-USER, shared by every pytest run on
    # the machine, and each run deletes the oldest beyond three: the first measured run would
    # otherwise pay for deleting whatever another suite left there (webkit's own end-to-end
    # tests leave projects and venvs: 15 s measured for one such deletion).
    scratch = ctx.workspace / "pytest-tmp"
    scratch.mkdir(exist_ok=True)

    def case(fw: str):
        def measure(_round: int) -> Sample:
            project = projects[fw]
            step = Step(
                "pytest",
                [project / ".venv" / "bin" / "pytest", "-q"],
                cwd=project,
                env=ctx.env({"TMPDIR": str(scratch)}),
                timeout=900,
            )
            sample = require(Job.run([step], ctx.workspace, f"pytest-{fw}", 960), f"{fw}'s tests")
            found = _PASSED.findall(sample.log.read_text(encoding="utf-8", errors="replace"))
            sample.extra["passed"] = int(found[-1]) if found else 0
            return sample

        return measure

    results = interleave(
        {fw: case(fw) for fw in projects}, section.rounds, lambda m: ctx.say(f"tests: {m}")
    )
    rows = []
    for fw, samples in results.items():
        times = summarize(s.wall for s in samples)
        section.metrics[f"tests.{fw}"] = times.median
        rows.append(
            [
                fw,
                str(samples[0].extra["passed"]),
                f"{format_seconds(samples[0].wall)} (CPU {format_seconds(samples[0].cpu)})",
                format_time_summary(times),
                format_seconds(summarize(s.cpu for s in samples).median),
                format_mb(summarize(s.maxrss_kb for s in samples).median),
            ]
        )
        ctx.discard(projects[fw].parent)
    section.tables.append(
        Table(
            [
                "Framework",
                "Tests passed",
                "First run",
                "Wall time: median (range)",
                "CPU: median",
                "Peak RSS",
            ],
            rows,
        )
    )
