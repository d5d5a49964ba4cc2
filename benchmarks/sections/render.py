"""2. Render only: `webkit new --no-venv --no-install --no-git` against `cookiecutter --no-input`."""

from __future__ import annotations

from pathlib import Path

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

TITLE = "Render only"
INTRO = (
    "The same template (webkit's own `templates/<framework>`) rendered into a fresh empty "
    "directory: `webkit new NAME --framework F --no-venv --no-install --no-git -y` against "
    "`cookiecutter --no-input TEMPLATE project_name=NAME`. Each is a whole command, interpreter "
    "start-up included. One unrecorded warm-up round per framework."
)

WEBKIT = "webkit new --no-venv --no-install --no-git"
COOKIECUTTER = "cookiecutter --no-input"


def _files(root: Path) -> set[str]:
    return {str(p.relative_to(root)) for p in root.rglob("*") if p.is_file()}


def run(ctx: Context, section: Section) -> None:
    rows: list[list[str]] = []
    for fw in ctx.options.frameworks:
        _compare(ctx, section, fw, rows)
    section.tables.append(
        Table(["Framework", "Command", "Wall time: median (range)", "Peak RSS"], rows)
    )


def _compare(ctx: Context, section: Section, fw: str, rows: list[list[str]]) -> None:
    env = ctx.env()
    rendered: dict[str, set[str]] = {}
    argvs = {
        WEBKIT: lambda out: [
            ctx.tools.webkit,
            *("new", NAME, "--framework", fw, "--no-venv", "--no-install", "--no-git", "-y"),
            *("-o", out),
        ],
        COOKIECUTTER: lambda out: [
            ctx.tools.cookiecutter,
            *("--no-input", "-o", out, ctx.templates / fw, f"project_name={NAME}"),
        ],
    }

    def case(label: str):
        def measure(_round: int) -> Sample:
            out = ctx.scratch(f"render-{fw}")
            step = Step(label, argvs[label](out), cwd=out, env=env, timeout=120)
            job = Job.run([step], ctx.workspace, f"render-{fw}", 150)
            sample = require(job, f"{label} ({fw})")
            project = out / NAME
            if not (project / "pyproject.toml").is_file():
                raise RuntimeError(f"{label} did not create {project}")
            rendered.setdefault(label, _files(project))
            ctx.discard(out)
            return sample

        return measure

    cases = {label: case(label) for label in argvs}
    interleave(cases, 1)  # warm-up
    results = interleave(cases, section.rounds, lambda m: ctx.say(f"render {fw}: {m}"))
    medians = {}
    for label, samples in results.items():
        times = summarize(s.wall for s in samples)
        medians[label] = times.median
        memory = summarize(s.maxrss_kb for s in samples)
        rows.append([fw, f"`{label}`", format_time_summary(times), format_mb(memory.median)])
    section.metrics[f"render.{fw}.webkit"] = medians[WEBKIT]
    section.metrics[f"render.{fw}.cookiecutter"] = medians[COOKIECUTTER]
    ratio = medians[WEBKIT] / medians[COOKIECUTTER]
    rows.append([fw, "ratio webkit / cookiecutter", f"{ratio:.2f}x", ""])
    if rendered.get(WEBKIT) != rendered.get(COOKIECUTTER):
        only_webkit = sorted(rendered[WEBKIT] - rendered[COOKIECUTTER])
        only_cc = sorted(rendered[COOKIECUTTER] - rendered[WEBKIT])
        section.notes.append(
            f"{fw}: the two renders differ in their files (only webkit: {only_webkit or '-'}; "
            f"only cookiecutter: {only_cc or '-'})."
        )
    else:
        section.notes.append(f"{fw}: both render the same {len(rendered[WEBKIT])} files.")
