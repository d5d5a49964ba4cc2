"""3. The whole job: `webkit new` against the manual route, with warm and with cold caches."""

from __future__ import annotations

import re
from pathlib import Path

from benchmarks.context import NAME, Caches, Context, require
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

TITLE = "The whole job: `webkit new` against the manual route"
INTRO = (
    "`webkit new NAME --framework F -y` (render, `.venv`, install with uv, both lock files, "
    "migration, git) against the manual route on the same template: `cookiecutter --no-input`, "
    "then `virtualenv .venv`, then `.venv/bin/python -m pip install -r requirements-dev.lock` "
    "(the lock file webkit wrote earlier in this run, so both install the same set), then the "
    "framework's migration. The manual route does not run git; webkit does. **Warm**: one "
    "unrecorded priming run of each route first, into caches kept for the section (uv cache, "
    "pip cache, virtualenv's app-data, webkit's bytecode cache). **Cold**: every run gets new "
    "empty cache directories, and pip runs with `--no-cache-dir`. pip compiles every module "
    "it installs, warm or cold; webkit's warm runs take the bytecode of the same sources from "
    "its cache, which the priming run filled (and, for SQLite, the migrated database from its "
    "schema cache: webkit_cli/schema_cache.py). **Floor** (warm only): what no route can do "
    "without, done the quickest way by hand in a project already rendered (not timed): `uv "
    "venv`, `uv pip install --offline -r requirements-dev.lock` from the same warm uv cache, "
    "and the framework's migration (writing its bytecode, as in webkit's `.venv`); webkit's "
    "time is given as a multiple of it."
)

WEBKIT = "webkit new"
MANUAL = "manual route"
FLOOR = "floor"

# webkit prints `✓ <what> (<time>)` per step; the first words say which step it was.
_STEP = re.compile(r"^✓ (?P<text>.+?) \((?P<value>[\d.]+) (?P<unit>ms|s)\)\s*$")
_STEP_NAMES = (
    ("Rendered", "render"),
    ("Created .venv", "venv"),
    # uv's cache held every package and webkit's the database: one install, no migration
    ("Installed the dependencies and the dev tools", "install all at once"),
    ("Installed", "install"),
    # the migration runs while the dev group installs: one step
    ("Applied", "migrate + dev install"),
    # only where uv's cache was behind the index (a release since it was primed)
    ("Updated to the newest", "catch-up with the index"),
    ("Initialised git", "git"),
)
WEBKIT_STEPS = [name for _prefix, name in _STEP_NAMES]
MANUAL_STEPS = ["cookiecutter", "virtualenv", "pip install", "migrate"]
FLOOR_STEPS = ["uv venv", "uv pip install --offline", "migrate"]


def webkit_steps(log: Path) -> dict[str, float]:
    """The per-step times webkit printed."""
    steps: dict[str, float] = {}
    for line in log.read_text(encoding="utf-8", errors="replace").splitlines():
        match = _STEP.match(line.strip())
        if not match:
            continue
        value = float(match["value"]) / (1000 if match["unit"] == "ms" else 1)
        for prefix, name in _STEP_NAMES:
            if match["text"].startswith(prefix):
                steps[name] = value
                break
    return steps


def _manual_steps(
    ctx: Context, fw: str, out: Path, caches: Caches, lock: Path, cold: bool
) -> list[Step]:
    from webkit_cli import frameworks

    framework = frameworks.get(fw)
    project = out / NAME
    python = project / ".venv" / "bin" / "python"
    env = ctx.env(caches.env())
    no_cache = ["--no-cache-dir"] if cold else []
    return [
        Step(
            "cookiecutter",
            [
                ctx.tools.cookiecutter,
                "--no-input",
                "-o",
                out,
                ctx.templates / fw,
                f"project_name={NAME}",
            ],
            cwd=out,
            env=env,
            timeout=120,
        ),
        Step(
            "virtualenv", [ctx.tools.virtualenv, project / ".venv"], cwd=out, env=env, timeout=300
        ),
        Step(
            "pip install",
            [python, "-m", "pip", "install", *no_cache, "-r", lock],
            cwd=project,
            env=env,
            timeout=900,
        ),
        Step(
            "migrate",
            [python, *framework.argv(framework.migrate, package=NAME)],
            cwd=project,
            env=env,
            timeout=300,
        ),
    ]


def _floor_steps(ctx: Context, fw: str, project: Path, caches: Caches, lock: Path) -> list[Step]:
    import shutil
    import sys

    from webkit_cli import frameworks, installers

    framework = frameworks.get(fw)
    uv = installers.uv_binary() or shutil.which("uv") or "uv"
    base = getattr(sys, "_base_executable", None) or sys.executable
    python = project / ".venv" / "bin" / "python"
    env = ctx.env(caches.env())
    # As in webkit's .venv: the migration writes the bytecode of what it imports.
    migrate_env = {k: v for k, v in env.items() if k != "PYTHONDONTWRITEBYTECODE"}
    return [
        Step(
            "uv venv",
            [uv, "venv", "--quiet", "--python", base, project / ".venv"],
            cwd=project,
            env=env,
            timeout=300,
        ),
        Step(
            "uv pip install --offline",
            [uv, "pip", "install", "--quiet", "--offline", "--python", python, "-r", lock],
            cwd=project,
            env=env,
            timeout=900,
        ),
        Step(
            "migrate",
            [python, *framework.argv(framework.migrate, package=NAME)],
            cwd=project,
            env=migrate_env,
            timeout=300,
        ),
    ]


def _rendered(ctx: Context, fw: str) -> Path:
    """A project rendered by webkit, without .venv or database (the floor's starting point)."""
    import subprocess

    out = ctx.scratch(f"new-{fw}-floor-render")
    argv = [ctx.tools.webkit, "new", NAME, "--framework", fw, "-y", "-o", out]
    argv += ["--no-venv", "--no-git"]
    done = subprocess.run(
        [str(a) for a in argv],
        cwd=out,
        env=ctx.env(ctx.warm.env()),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    if done.returncode != 0:
        from benchmarks.harness import BenchmarkError

        raise BenchmarkError(f"rendering the floor's project failed: {done.stdout + done.stderr}")
    return out / NAME


def run(ctx: Context, section: Section) -> None:
    summary_rows: list[list[str]] = []
    breakdown_rows: list[list[str]] = []
    pip_versions: set[str] = set()
    renders: dict[str, Path] = {}
    for state in ("warm", "cold"):
        cold = state == "cold"
        for fw in ctx.options.frameworks:
            lock = ctx.lock(fw)  # also primes the warm caches with one webkit run

            def webkit_case(_round: int, fw=fw, cold=cold) -> Sample:
                caches = ctx.cold_caches() if cold else ctx.warm
                out = ctx.scratch(f"new-{fw}-{'cold' if cold else 'warm'}-webkit")
                sample = require(
                    Job.run(
                        [ctx.webkit_new_step(fw, out, caches)], ctx.workspace, f"new-{fw}", 960
                    ),
                    f"webkit new ({fw})",
                )
                sample.steps = webkit_steps(sample.log)
                ctx.discard(out)
                if cold:
                    ctx.discard(caches.root)
                return sample

            def manual_case(_round: int, fw=fw, cold=cold, lock=lock) -> Sample:
                caches = ctx.cold_caches() if cold else ctx.warm
                out = ctx.scratch(f"new-{fw}-{'cold' if cold else 'warm'}-manual")
                steps = _manual_steps(ctx, fw, out, caches, lock, cold)
                sample = require(
                    Job.run(steps, ctx.workspace, f"manual-{fw}", 1900), f"the manual route ({fw})"
                )
                if not pip_versions:
                    pip_versions.add(_pip_version(out / NAME / ".venv"))
                ctx.discard(out)
                if cold:
                    ctx.discard(caches.root)
                return sample

            def floor_case(_round: int, fw=fw, lock=lock) -> Sample:
                import shutil

                rendered = renders[fw]
                out = ctx.scratch(f"new-{fw}-warm-floor")
                project = out / NAME
                shutil.copytree(rendered, project, symlinks=True)  # not timed
                steps = _floor_steps(ctx, fw, project, ctx.warm, lock)
                sample = require(
                    Job.run(steps, ctx.workspace, f"floor-{fw}", 1200), f"the floor ({fw})"
                )
                ctx.discard(out)
                return sample

            cases = {WEBKIT: webkit_case, MANUAL: manual_case}
            if not cold:
                renders[fw] = _rendered(ctx, fw)
                cases[FLOOR] = floor_case
                ctx.say(f"new {fw} warm: priming the manual route's caches")
                manual_case(-1)
            results = interleave(
                cases,
                section.rounds,
                lambda m, fw=fw, state=state: ctx.say(f"new {fw} {state}: {m}"),
            )
            webkit_times = summarize(s.wall for s in results[WEBKIT])
            manual_times = summarize(s.wall for s in results[MANUAL])
            ratios = summarize(
                m.wall / w.wall for w, m in zip(results[WEBKIT], results[MANUAL], strict=True)
            )
            section.metrics[f"new.{state}.{fw}.webkit"] = webkit_times.median
            section.metrics[f"new.{state}.{fw}.manual"] = manual_times.median
            floor_text = "-"
            if FLOOR in results:
                floor_times = summarize(s.wall for s in results[FLOOR])
                section.metrics[f"new.{state}.{fw}.floor"] = floor_times.median
                multiples = summarize(
                    w.wall / f.wall for w, f in zip(results[WEBKIT], results[FLOOR], strict=True)
                )
                floor_text = (
                    f"{format_time_summary(floor_times)}; webkit "
                    f"{webkit_times.median / floor_times.median:.2f}x"
                    + (
                        f" (per round {multiples.low:.2f}-{multiples.high:.2f}x)"
                        if multiples.n > 1
                        else ""
                    )
                )
            ratio = manual_times.median / webkit_times.median
            ratio_range = (
                f" (per round {ratios.low:.2f}-{ratios.high:.2f}x)" if ratios.n > 1 else ""
            )
            summary_rows.append(
                [
                    state,
                    fw,
                    format_time_summary(webkit_times),
                    format_time_summary(manual_times),
                    f"{ratio:.2f}x{ratio_range}",
                    floor_text,
                    format_mb(summarize(s.maxrss_kb for s in results[WEBKIT]).median),
                    format_mb(summarize(s.maxrss_kb for s in results[MANUAL]).median),
                ]
            )
            for label, names in (
                (WEBKIT, WEBKIT_STEPS),
                (MANUAL, MANUAL_STEPS),
                (FLOOR, FLOOR_STEPS),
            ):
                if label not in results:
                    continue
                samples = results[label]
                parts = []
                for name in names:
                    values = [s.steps[name] for s in samples if name in s.steps]
                    if values:
                        some = f" (in {len(values)} of {len(samples)} runs)"
                        parts.append(
                            f"{name} {format_seconds(summarize(values).median)}"
                            + (some if len(values) < len(samples) else "")
                        )
                rest = summarize(s.wall - sum(s.steps.values()) for s in samples).median
                if label == WEBKIT:
                    parts.append(f"start-up, checks and summary {format_seconds(rest)}")
                breakdown_rows.append([state, fw, label, ", ".join(parts)])
        if not cold:
            section.notes.append(
                f"Warm caches after priming: {ctx.warm.size_mb():.0f} MB (uv cache, pip cache, "
                "virtualenv app-data and webkit's bytecode cache together)."
            )
    section.tables.append(
        Table(
            [
                "Caches",
                "Framework",
                "webkit new",
                "Manual route",
                "Manual / webkit",
                "Floor; webkit / floor",
                "webkit peak RSS",
                "Manual peak RSS",
            ],
            summary_rows,
            "Wall time, median (range); the ratio is of the medians. Peak RSS is the largest single process.",
        )
    )
    section.tables.append(
        Table(
            ["Caches", "Framework", "Route", "Median time per step"],
            breakdown_rows,
            "Where the time goes: webkit's steps as webkit reports them; the manual route's commands as measured.",
        )
    )
    if pip_versions:
        section.notes.append(
            f"The manual route's pip (seeded by virtualenv): {', '.join(sorted(pip_versions))}."
        )


def _pip_version(venv: Path) -> str:
    import subprocess

    completed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return " ".join(completed.stdout.split()[:2]) if completed.returncode == 0 else "unknown"
