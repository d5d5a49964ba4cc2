"""4. First response: from starting `webkit serve` to the first 200 from /healthz."""

from __future__ import annotations

from benchmarks.context import Context
from benchmarks.harness import (
    BenchmarkError,
    Job,
    Sample,
    Step,
    format_mb,
    format_seconds,
    format_time_summary,
    interleave,
    summarize,
    tree_pss_kb,
)
from benchmarks.net import free_port, wait_for_200
from benchmarks.report import Section, Table

TITLE = "First response after `webkit new`"
INTRO = (
    "Each measurement starts from a fresh `webkit new` (warm caches; not timed), so it includes "
    "first-import costs such as compiling the modules that neither the migration imported nor "
    "webkit's bytecode cache held. Timed: "
    "from spawning `webkit serve --port P` (dev: the framework's dev server with its reloader) "
    "or `webkit serve --prod --port P` (gunicorn with the generated gunicorn.conf.py; Django "
    "runs collectstatic first) to the first 200 from `GET /healthz`, polled every 10 ms. "
    "Dev and prod alternate."
)

MODES = ("dev", "prod")


def measure(ctx: Context, fw: str, mode: str) -> Sample:
    project, new_sample = ctx.fresh_project(fw, f"first-{mode}")
    port = free_port()
    argv = [ctx.tools.webkit, "serve", "--port", str(port), *(["--prod"] if mode == "prod" else [])]
    job = Job(
        [Step("serve", argv, cwd=project, env=ctx.env())], ctx.workspace, f"serve-{fw}-{mode}"
    )
    try:
        answered = wait_for_200(port, "/healthz", job.running, timeout=120)
        pss = tree_pss_kb(job.tree())
    finally:
        sample = job.stop()
    if answered is None:
        raise BenchmarkError(
            f"webkit serve ({fw}, {mode}) never answered 200:\n{sample.log_tail()}"
        )
    sample.extra.update(first_200=answered - sample.start, pss_kb=pss, new_wall=new_sample.wall)
    ctx.say(
        f"first response {fw} {mode}: first 200 after {format_seconds(answered - sample.start)}"
    )
    ctx.discard(project.parent)
    return sample


def run(ctx: Context, section: Section) -> None:
    rows = []
    for fw in ctx.options.frameworks:
        cases = {mode: (lambda _r, fw=fw, mode=mode: measure(ctx, fw, mode)) for mode in MODES}
        results = interleave(
            cases, section.rounds, lambda m, fw=fw: ctx.say(f"first response {fw}: {m}")
        )
        for mode in MODES:
            samples = results[mode]
            times = summarize(s.extra["first_200"] for s in samples)
            section.metrics[f"first.{fw}.{mode}"] = times.median
            rows.append(
                [
                    fw,
                    "`webkit serve`" if mode == "dev" else "`webkit serve --prod`",
                    format_time_summary(times),
                    format_mb(summarize(s.extra["pss_kb"] for s in samples).median),
                    format_mb(summarize(s.maxrss_kb for s in samples).median),
                    format_seconds(summarize(s.extra["new_wall"] for s in samples).median),
                ]
            )
    section.tables.append(
        Table(
            [
                "Framework",
                "Command",
                "First 200: median (range)",
                "Server tree PSS at first 200",
                "Peak RSS (largest process)",
                "The `webkit new` before it",
            ],
            rows,
        )
    )
