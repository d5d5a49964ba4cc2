"""7. `webkit doctor` on a healthy project, against the framework's own migration check."""

from __future__ import annotations

from benchmarks.context import NAME, Context, require
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

TITLE = "`webkit doctor` on a healthy project"
INTRO = (
    "A fresh `webkit new` project (warm caches; not timed), then `webkit doctor` in it: every "
    "check (interpreter, .venv, packages against the lock, lock files against pyproject.toml, "
    ".env, SECRET_KEY, database, migrations, git, deploy files, template), exit 0 required. "
    "Beside it, what one of those checks costs done by hand: the framework's own question "
    "whether migrations are pending (`python -m flask --app NAME db current`, `python manage.py "
    "migrate --check`), which imports the framework; doctor reads the migration files and the "
    "database's table instead. They alternate; one unrecorded warm-up round first."
)

FRAMEWORK_CHECK = {
    "flask": ["-m", "flask", "--app", NAME, "db", "current"],
    "django": ["manage.py", "migrate", "--check"],
}


def run(ctx: Context, section: Section) -> None:
    rows: list[list[str]] = []
    for fw in ctx.options.frameworks:
        project, _ = ctx.fresh_project(fw, "doctor")
        python = project / ".venv" / "bin" / "python"
        argvs = {
            "`webkit doctor`": [ctx.tools.webkit, "doctor"],
            "the framework's migration check": [python, *FRAMEWORK_CHECK[fw]],
        }

        def case(label: str, argv: list, fw: str = fw, project=project):
            def measure(_round: int) -> Sample:
                step = Step(label, argv, cwd=project, env=ctx.env(), timeout=120)
                return require(
                    Job.run([step], ctx.workspace, f"doctor-{fw}", 150), f"{label} ({fw})"
                )

            return measure

        cases = {label: case(label, argv) for label, argv in argvs.items()}
        interleave(cases, 1)  # warm-up
        results = interleave(cases, section.rounds, lambda m, fw=fw: ctx.say(f"doctor {fw}: {m}"))
        medians = {}
        for label, samples in results.items():
            times = summarize(s.wall for s in samples)
            medians[label] = times.median
            memory = summarize(s.maxrss_kb for s in samples)
            rows.append([fw, label, format_time_summary(times), format_mb(memory.median)])
        doctor, framework = medians["`webkit doctor`"], medians["the framework's migration check"]
        section.metrics[f"doctor.{fw}.webkit"] = doctor
        section.metrics[f"doctor.{fw}.framework"] = framework
        rows.append([fw, "ratio doctor / the framework's check", f"{doctor / framework:.2f}x", ""])
        ctx.discard(project.parent)
    section.tables.append(
        Table(["Framework", "Command", "Wall time: median (range)", "Peak RSS"], rows)
    )
