"""7. `webkit doctor` on a healthy project, against the framework's own migration check."""

from __future__ import annotations

from benchmarks.context import NAME, Context
from benchmarks.report import Section, Table
from benchmarks.sections._commands import compare

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

DOCTOR, FRAMEWORK = "`webkit doctor`", "the framework's migration check"
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
            DOCTOR: [ctx.tools.webkit, "doctor"],
            FRAMEWORK: [python, *FRAMEWORK_CHECK[fw]],
        }
        timed, medians = compare(ctx, section.rounds, f"doctor {fw}", argvs, project)
        rows += [[fw, *row] for row in timed]
        doctor, framework = medians[DOCTOR], medians[FRAMEWORK]
        section.metrics[f"doctor.{fw}.webkit"] = doctor
        section.metrics[f"doctor.{fw}.framework"] = framework
        rows.append([fw, "ratio doctor / the framework's check", f"{doctor / framework:.2f}x", ""])
        ctx.discard(project.parent)
    section.tables.append(
        Table(["Framework", "Command", "Wall time: median (range)", "Peak RSS"], rows)
    )
