"""`webkit new`'s environment steps beside the render: the dependencies resolved ahead, the
database prepared, the dev install's pins and the catch-up with the package index."""

from __future__ import annotations

from typing import TYPE_CHECKING

from webkit_cli import console, installers, resolution
from webkit_cli.errors import StepFailed

if TYPE_CHECKING:
    from pathlib import Path

    from webkit_cli.commands._new_plan import Plan


# The two sets of requirements that start_resolution resolves.
RUNTIME, EVERYTHING = "runtime", "everything"


def seed_packages(plan: Plan) -> tuple[str, ...]:
    """pip, when the installer puts it into .venv with the dependencies rather than virtualenv."""
    if plan.installer is not None and plan.installer.installs_pip:
        return installers.SEED_PACKAGES
    return ()


def start_resolution(plan: Plan, template: Path) -> resolution.Resolution | None:
    """Start resolving the dependencies now, while the project renders and .venv is created:
    the index's round trips (half a second or more) then cost nothing. Two sets: the runtime
    dependencies (with pip, when uv installs it), and those with the dev group."""
    if plan.installer is None or plan.interpreter is None or not plan.installer.resolves_ahead:
        return None
    from webkit_cli import scaffold
    from webkit_cli.project import dependency_group, tomllib

    try:
        pyproject = tomllib.loads(scaffold.render_one(template, plan.context, "pyproject.toml"))
        dependencies = list(pyproject["project"]["dependencies"])
        dev = dependency_group(pyproject.get("dependency-groups", {}), "dev")
    except (StepFailed, tomllib.TOMLDecodeError, KeyError, TypeError):
        return None  # the render itself reports what is wrong
    if not dependencies:
        return None
    runtime = [*dependencies, *seed_packages(plan)]
    try:
        return plan.installer.start_resolution(
            plan.interpreter, {RUNTIME: runtime, EVERYTHING: [*runtime, *dev]}, plan.target.parent
        )
    except OSError:  # no temporary folder to write in, say: the install resolves by itself
        return None


def prepare_database(plan: Plan, proj) -> bool:
    """Create the database on a server. A server that is not ready fails this step only: the
    dev tools still install, and `new` ends with exit 1 and the way to finish."""
    from webkit_cli import project_commands

    if proj.answers.get("database", "sqlite") == "sqlite":
        return True
    try:
        with console.step("Preparing the database", "Database") as step:
            outcome = project_commands.prepare_database(proj)
            if outcome is not None:
                verb = "Created" if outcome.state == "created" else "Using existing"
                step.done_text = f"{verb} database {outcome.name}"
    except StepFailed as exc:
        plan.failures.append(exc)
        return False
    return True


def pins_for_dev(
    resolution: resolution.Resolution | None, runtime: list[str] | None
) -> list[str] | None:
    """The exact versions for the dev install: those of the runtime packages and the dev group
    resolved together, provided that they keep the runtime versions just installed (the
    migration runs on those meanwhile). Never waits for the index: with a cold cache, the dev
    install resolves from the index itself, while the migration runs."""
    if resolution is None or runtime is None:
        return None
    everything = resolution.pins(EVERYTHING, wait=False)
    if everything is None or not set(runtime) <= set(everything):
        return None
    return everything


def catch_up(
    proj,
    installer: installers.Installer,
    resolution: resolution.Resolution,
    unfinished,
    *,
    migrated: bool,
) -> None:
    """The installs took the versions in uv's cache, without waiting for the index: now that
    the index has answered, move to the newer releases it reports, if any (and migrate again
    if a runtime package changed and the database was `migrated`)."""
    from webkit_cli import environment

    with console.step("Asking the package index for newer releases") as step:
        step.quiet = True  # a spinner while it waits; nothing to say when all is up to date
        runtime, everything = resolution.latest(RUNTIME), resolution.latest(EVERYTHING)
    if runtime is None or everything is None:
        console.warning(
            f"could not ask the package index for newer releases: {resolution.failure}",
            "the project has the versions in uv's cache; `webkit setup --upgrade` updates them",
        )
        return
    runtime_changes = environment.behind(proj.lock_file, runtime)
    changes = environment.behind(proj.dev_lock_file, everything) or runtime_changes
    if not changes:
        return
    for job in unfinished:  # it reads site-packages, which the install is about to change
        job.result(timeout=120)
    unfinished.clear()
    try:
        with console.step(
            "Updating to newer releases than uv's cache had", "Updated to the newest releases"
        ) as step:
            environment.catch_up(
                proj,
                installer,
                runtime,
                everything,
                migrate_again=migrated and bool(runtime_changes),
            )
            step.note = "(" + ", ".join(f"{name} {old} → {new}" for name, old, new in changes) + ")"
    except environment.NotCaughtUp as exc:
        console.warning(
            f"could not move to the newer releases the index reported: {exc.message}",
            "the project has the versions in uv's cache, as its lock files say; "
            "`webkit setup --upgrade` updates them",
        )
