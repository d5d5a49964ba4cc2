"""9. `webkit update`: a project that is up to date, and one that gets a template change, against
the same change brought in by hand."""

from __future__ import annotations

import importlib.util
import json
import shutil
import subprocess
from pathlib import Path

from benchmarks.context import NAME, Context, require
from benchmarks.harness import Job, Step, format_time_summary, interleave, summarize
from benchmarks.report import Section, Table

TITLE = "`webkit update`"
INTRO = (
    "A fresh `webkit new` project (warm caches; not timed). **Up to date**: `webkit update` in "
    "it, with the template it was made from. **A template change**: webkit carries a newer "
    "release of the template (a copy of templates/ with three files changed, kept as a release "
    "the way tools/bump_template.py keeps one), and `webkit update --no-install` merges it into "
    "a copy of the project (its files and .git; the change has no new dependency, so nothing "
    "would be installed). **By hand**: what a user without webkit does for the same change: "
    "render the old and the new template with cookiecutter and the project's answers, drop "
    "`.env`, `git diff --no-index` the two renders and `git apply --3way` the patch in the "
    "project. The two update routes alternate on fresh copies; one unrecorded warm-up round "
    "first."
)

UP_TO_DATE, WEBKIT, BY_HAND = (
    "`webkit update` (up to date)",
    "`webkit update --no-install`",
    "by hand: cookiecutter x2, git diff, git apply --3way",
)
REPO = Path(__file__).resolve().parents[2]


def _bump_tool():
    spec = importlib.util.spec_from_file_location("bump_template", REPO / "tools/bump_template.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def newer_templates(ctx: Context, framework: str) -> tuple[Path, Path]:
    """A copy of webkit's templates whose `framework` template has a new release, and the
    folder of the release before it (for the route by hand)."""
    from webkit_cli import template_store

    root = ctx.scratch(f"templates-{framework}") / "templates"
    shutil.copytree(template_store.templates_root(), root)
    template = root / framework
    old = root.parent / f"old-{framework}"
    shutil.copytree(template, old)
    project = next(template.glob("{{cookiecutter.project_slug}}"))
    with (project / "README.md").open("a", encoding="utf-8") as handle:
        handle.write("\nA line the newer release adds.\n")
    with (project / ".editorconfig").open("a", encoding="utf-8") as handle:
        handle.write("\n[*.toml]\nindent_size = 4\n")
    (project / "CHANGES.md").write_text("# Changes\n\nThe newer release.\n", encoding="utf-8")
    tool = _bump_tool()
    version = template_store.version_of(template)
    tool.keep_release(root, framework, version, old, template)
    tool.set_version(template, version, str(int(version) + 1))
    versions = root / template_store.RELEASES / template_store.VERSIONS_FILE
    recorded = json.loads(versions.read_text(encoding="utf-8"))
    recorded[framework][str(int(version) + 1)] = template_store.digest(template)
    versions.write_text(json.dumps(recorded), encoding="utf-8")
    return root, old


def _copy(project: Path, into: Path) -> Path:
    """The project's files and .git, without .venv (`--no-install` does not use it), with git's
    index refreshed for the new place (not timed)."""
    copy = into / NAME
    shutil.copytree(project, copy, ignore=shutil.ignore_patterns(".venv", "__pycache__"))
    subprocess.run(["git", "update-index", "-q", "--refresh"], cwd=copy, check=False)
    return copy


def _answers(project: Path) -> list[str]:
    from webkit_cli import project as projects

    record = projects.load(project).record
    values = record.values({"secret_key": "same-for-both-renders"})
    return [
        f"{key}={value}"
        for key, value in values.items()
        if isinstance(value, str) and not key.startswith("_") and key != "template_version"
    ]


BY_HAND_SCRIPT = (
    "rm -f old/{name}/.env new/{name}/.env"
    " && (git diff --no-index --binary old/{name} new/{name} > change.patch; test $? -le 1)"
    " && git -C {project} apply --3way -p3 {patch}"
)


def run(ctx: Context, section: Section) -> None:
    rows: list[list[str]] = []
    for fw in ctx.options.frameworks:
        rows += _framework(ctx, section, fw)
    section.tables.append(Table(["Framework", "Route", "Wall time: median (range)"], rows))


def _framework(ctx: Context, section: Section, fw: str) -> list[list[str]]:
    project, _ = ctx.fresh_project(fw, "update")
    env = ctx.env()
    templates, old = newer_templates(ctx, fw)
    newer_env = ctx.env({"WEBKIT_TEMPLATES_DIR": str(templates)})
    answers = _answers(project)
    cc = ctx.tools.cookiecutter

    def still(_round: int) -> object:
        step = Step(UP_TO_DATE, [ctx.tools.webkit, "update"], cwd=project, env=env)
        return require(Job.run([step], ctx.workspace, f"update {fw}", 60), UP_TO_DATE)

    def with_webkit(_round: int) -> object:
        work = ctx.scratch(f"{fw}-update-webkit")
        ctx.discard(work)
        copy = _copy(project, work)
        step = Step(WEBKIT, [ctx.tools.webkit, "update", "--no-install"], cwd=copy, env=newer_env)
        return require(Job.run([step], ctx.workspace, f"update {fw}", 120), WEBKIT)

    def by_hand(_round: int) -> object:
        work = ctx.scratch(f"{fw}-update-by-hand")
        ctx.discard(work)
        copy = _copy(project, work)
        script = BY_HAND_SCRIPT.format(name=NAME, project=copy, patch=work / "change.patch")
        steps = [
            Step("render old", [cc, old, "--no-input", "-o", work / "old", *answers], work, env),
            Step(
                "render new",
                [cc, templates / fw, "--no-input", "-o", work / "new", *answers],
                work,
                env,
            ),
            Step("diff and apply", ["sh", "-c", script], work, env),
        ]
        return require(Job.run(steps, ctx.workspace, f"update by hand {fw}", 120), BY_HAND)

    cases = {UP_TO_DATE: still, WEBKIT: with_webkit, BY_HAND: by_hand}
    interleave(cases, 1)  # warm-up
    results = interleave(cases, section.rounds, lambda m: ctx.say(f"update {fw}: {m}"))
    rows, medians = [], {}
    for label, samples in results.items():
        times = summarize(s.wall for s in samples)
        medians[label] = times.median
        rows.append([fw, label, format_time_summary(times)])
    section.metrics[f"update.{fw}.noop"] = medians[UP_TO_DATE]
    section.metrics[f"update.{fw}.change"] = medians[WEBKIT]
    section.metrics[f"update.{fw}.by_hand"] = medians[BY_HAND]
    _check_merged(ctx, fw)
    ctx.discard(project.parent)
    return rows


def _check_merged(ctx: Context, framework: str) -> None:
    """The last copy webkit updated has the change staged (the timings mean something)."""
    copies = sorted((ctx.workspace / "runs").glob(f"*-{framework}-update-webkit"))
    if not copies:
        return
    staged = subprocess.run(
        ["git", "diff", "--cached", "--name-only"],
        cwd=copies[-1] / NAME,
        capture_output=True,
        text=True,
        check=False,
    ).stdout.split()
    missing = {"README.md", ".editorconfig", "CHANGES.md"} - set(staged)
    if missing:
        from benchmarks.context import BenchmarkError

        raise BenchmarkError(f"webkit update did not stage {', '.join(sorted(missing))}")
