"""`webkit new NAME`: validate, render atomically, create .venv, install, lock, migrate, git."""

from __future__ import annotations

import os
import secrets
import sys
import time
from pathlib import Path

import click

from webkit_cli import (
    console,
    frameworks,
    installers,
    interpreters,
    names,
    resolution,
    template_store,
    user_defaults,
    virtualenvs,
)
from webkit_cli.commands._new_plan import Plan, print_plan, print_record, summary
from webkit_cli.commands._new_questions import (
    check_target,
    choose_database,
    choose_framework,
    chosen_features,
    valid_name,
)
from webkit_cli.commands._new_resolution import (
    EVERYTHING,
    RUNTIME,
    catch_up,
    pins_for_dev,
    prepare_database,
    seed_packages,
    start_resolution,
)
from webkit_cli.errors import StepFailed, UsageError, WebkitError
from webkit_cli.record import CHOICES, DATABASES, Record

JOB_BACKENDS = CHOICES[("jobs", "backend")]
FROM_CACHE = "the migrated database from webkit's cache"


def _git_init(plan: Plan, target: Path) -> None:
    from webkit_cli import git

    try:
        with console.step("Creating the git repository", "Initialised git with a first commit"):
            commit = git.init(target, "Initial commit from webkit new")
    except StepFailed as exc:
        plan.failures.append(exc)
        return
    if commit.fallback_identity:
        console.warning(git.FALLBACK_WARNING, git.FALLBACK_HINT)


@click.command()
@click.argument("name", required=False)
@click.option(
    "-f",
    "--framework",
    type=click.Choice(frameworks.NAMES),
    help="Flask or Django (default flask).",
)
@click.option(
    "-o",
    "--output-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("."),
    show_default=True,
    help="Directory to create the project in.",
)
@click.option(
    "--python", "python_spec", metavar="VERSION|PATH", help="Python for .venv, e.g. 3.12."
)
@click.option(
    "--installer",
    type=click.Choice(installers.INSTALLERS),
    default="auto",
    show_default=True,
    help="auto: uv when it runs, else pip.",
)
@click.option(
    "--db",
    "db",
    type=click.Choice(DATABASES),
    help="sqlite (embedded, the default), postgres or mysql (MySQL or MariaDB).",
)
@click.option(
    "--database-url",
    metavar="URL",
    help="A PostgreSQL or MySQL URL (implies --db); default $DATABASE_URL, else the local server.",
)
@click.option(
    "--jobs",
    type=click.Choice(JOB_BACKENDS),
    is_flag=False,
    flag_value=JOB_BACKENDS[0],
    help="Background jobs, with their queue in the database (--jobs alone) or in Redis.",
)
@click.option(
    "--auth",
    is_flag=True,
    help="User accounts: signup, login by email, password reset, API tokens.",
)
@click.option(
    "--email-verification/--no-email-verification",
    default=None,
    help="With --auth: new users confirm their email address before they log in (default off).",
)
@click.option("--no-venv", is_flag=True, help="Do not create .venv (implies --no-install).")
@click.option("--no-install", is_flag=True, help="Create .venv but install nothing.")
@click.option("--no-git", is_flag=True, help="Do not run git init.")
@click.option("--dry-run", is_flag=True, help="Print the plan (files, commands); touch nothing.")
@click.option("--force", is_flag=True, help="Use an existing empty directory.")
@click.option("-y", "--no-input", is_flag=True, help="Never prompt; use defaults.")
def new(
    name: str | None,
    framework: str | None,
    db: str | None,
    database_url: str | None,
    jobs: str | None,
    auth: bool,
    email_verification: bool | None,
    output_dir: Path,
    python_spec: str | None,
    installer: str,
    no_venv: bool,
    no_install: bool,
    no_git: bool,
    dry_run: bool,
    force: bool,
    no_input: bool,
) -> None:
    """Create a Flask or Django project NAME, ready to run and test."""
    interactive = console.is_interactive() and not no_input
    chosen = user_defaults.for_new(click.get_current_context(), interactive)
    framework, db, installer, python_spec = map(
        chosen.value, ("framework", "database", "installer", "python")
    )
    if name is None:
        if not interactive:
            raise UsageError(
                "missing the project name", "`webkit new NAME`, e.g. `webkit new shop`"
            )
        name = click.prompt("Project name", default="shop", value_proc=valid_name)
    project_names = names.validate(name)
    fw = frameworks.get(choose_framework(framework, interactive))
    db, db_url = choose_database(db, database_url, project_names.package, fw, interactive)
    started = time.perf_counter()  # after the questions: the time is webkit's, not the user's
    target = (output_dir.expanduser() / project_names.directory).absolute()
    check_target(target, force)

    with chosen.blame("python"):
        interpreter = None if no_venv else interpreters.find_python(python_spec, fw.min_python)
    with chosen.blame("installer"):
        chosen_installer = None if no_venv or no_install else installers.select_installer(installer)
    python_version = (
        interpreter.short_version if interpreter else "{}.{}".format(*sys.version_info[:2])
    )
    plan = Plan(
        names=project_names,
        framework=fw,
        target=target,
        interpreter=interpreter,
        installer=chosen_installer,
        git=not no_git,
        defaults=chosen,
        record=Record(
            framework=fw.name,
            package=project_names.package,
            template_version=template_store.current_version(fw.template),
            answers={
                "project_name": project_names.name,
                "project_slug": project_names.distribution,
                "description": fw.description,
                "python_version": python_version,
                "database": db,
            },
            features=chosen_features(
                chosen.value("features") or (), jobs, auth, email_verification
            ),
        ),
    )
    # The secrets go to .env only, never into the record.
    plan.context = plan.record.values(
        {"secret_key": secrets.token_urlsafe(50), "database_url": db_url}
    )
    from webkit_cli import scaffold

    template = template_store.current_dir(fw.template)
    plan.template = template
    if dry_run:
        if plan.installer is not None:
            plan.installer = plan.installer.usable()
        print_plan(plan, scaffold.preview(template, plan.context))
        print_record(template, plan)
        return

    if plan.interpreter is not None:  # first: it takes longest to get ready
        plan.venv_ahead = virtualenvs.VenvAhead(
            plan.interpreter, target / ".venv", pip=not seed_packages(plan)
        )
    resolution = start_resolution(plan, template)
    try:
        with console.step(f"Rendering the {fw.title} template", f"Rendered {target.name}/"):
            scaffold.render(template, plan.context, target)
        # The new project's .env now says which database it uses; an exported DATABASE_URL
        # (meant for some other project, or already written into .env above) must not
        # redirect its first migration.
        os.environ.pop("DATABASE_URL", None)
        try:
            _finish(plan, target, resolution)
        except WebkitError as exc:
            todo = exc.hint or "run `webkit setup` there to finish"
            exc.hint = f"the project is kept in {target}; {todo}"
            if isinstance(exc, UsageError):
                exc.exit_code = StepFailed.exit_code
            raise
        except KeyboardInterrupt:
            console.warning(
                f"interrupted; the project is kept in {target}",
                "cd there and run `webkit setup` to finish it",
            )
            raise
    finally:
        if resolution is not None:
            resolution.cancel()
        if plan.venv_ahead is not None:
            plan.venv_ahead.cancel()
    summary(plan, started)
    if plan.failures:
        hints = dict.fromkeys(exc.hint for exc in plan.failures if exc.hint)
        raise StepFailed(
            "; ".join(exc.message for exc in plan.failures),
            f"the project is kept in {target}; " + "; ".join(hints or ["run `webkit setup` there"]),
        )


def _finish(plan: Plan, target: Path, resolution: resolution.Resolution | None = None) -> None:
    from webkit_cli import runner

    unfinished: list[runner.Background] = []  # started by a step, collected at the end
    try:
        _steps(plan, target, resolution, unfinished)
        for job in unfinished:  # caching the migration's bytecode while git ran: a failure
            job.result(timeout=120)  # costs only the next project's time
    finally:
        for job in unfinished:  # Ctrl-C or a failure: it stops with webkit
            job.cancel()


def _install_at_once(
    plan: Plan, proj, pins: list[str] | None, dev_pins: list[str] | None, unfinished: list
) -> bool:
    """Where uv's cache resolved everything and webkit's schema cache holds the database: one
    install of the runtime and dev packages, then that database (no migration waits for the
    runtime packages alone). False where that does not apply: nothing was installed."""
    from webkit_cli import first_migration

    if pins is None or dev_pins is None or plan.template is None:
        return False
    if proj.answers.get("database", "sqlite") != "sqlite":
        return False
    entry = first_migration.cached_database(proj, plan.installer, pins, plan.template)
    if entry is None:
        return False
    name = plan.installer.name
    with console.step(
        f"Installing the dependencies and the dev tools with {name}",
        "Installed the dependencies and the dev tools",
    ) as step:
        outcome = first_migration.install_at_once(
            proj,
            plan.installer,
            runtime=pins,
            everything=dev_pins,
            entry=entry,
            template=plan.template,
            unfinished=unfinished,
        )
        if outcome is None:  # uv's cache lacks a package after all
            step.quiet = True
            return False
        count, restored = outcome
        database = FROM_CACHE if restored else "migrated"
        step.note = f"({count} packages with {name}, {database})"
    return True


def _install_in_two_steps(
    plan: Plan,
    proj,
    resolution: resolution.Resolution | None,
    unfinished: list,
) -> None:
    """The runtime packages, then the dev group while the migration runs."""
    from webkit_cli import environment, first_migration

    name = plan.installer.name
    with console.step(
        f"Installing the dependencies with {name}", "Installed the dependencies"
    ) as step:
        pins = resolution.pins(RUNTIME) if resolution is not None else None
        cache_lacks = resolution is not None and resolution.cache_missed(RUNTIME)
        seed = seed_packages(plan)
        count = environment.install_runtime(
            proj, plan.installer, pins=pins, cache_lacks=cache_lacks, seed=seed
        )
        step.note = f"({count} packages with {name})"
    dev_pins = pins_for_dev(resolution, pins)
    cache_lacks = resolution is not None and resolution.cache_missed(EVERYTHING)
    if not prepare_database(plan, proj):
        plan.database_skipped = True
        with console.step("Installing the dev tools", "Installed the dev tools") as step:
            count = environment.install_dev(
                proj, plan.installer, pins=dev_pins, cache_lacks=cache_lacks
            )
            step.note = f"({count} packages in all)"
        return
    with console.step(
        "Applying the migrations while the dev tools install",
        "Applied the initial migration and installed the dev tools",
    ) as step:
        count, restored = first_migration.install_dev_while_migrating(
            proj,
            plan.installer,
            unfinished=unfinished,
            pins=dev_pins,
            cache_lacks=cache_lacks,
            template=plan.template,
        )
        cached = f", {FROM_CACHE}" if restored else ""
        step.note = f"({count} packages in all{cached})"


def _steps(
    plan: Plan, target: Path, resolution: resolution.Resolution | None, unfinished: list
) -> None:
    from webkit_cli import project

    proj = project.load(target)
    if plan.installer is not None:
        plan.installer = plan.installer.usable()  # its check has had the render's time to end
    seed = seed_packages(plan)
    if plan.interpreter is not None:
        with console.step(
            f"Creating .venv (Python {plan.interpreter.short_version})",
            f"Created .venv with Python {'.'.join(map(str, plan.interpreter.version))}",
        ):
            ahead = plan.venv_ahead
            if ahead is not None and ahead.destination == proj.venv and ahead.pip == (not seed):
                ahead.create()
            else:  # uv turned out not to run: pip installs, and virtualenv gives .venv pip
                virtualenvs.create_venv(plan.interpreter, proj.venv, pip=not seed)
    if plan.installer is not None:
        # what uv's cache resolved, or the index if it has answered: no wait on the index
        pins = resolution.pins(RUNTIME, wait=False) if resolution is not None else None
        if not _install_at_once(plan, proj, pins, pins_for_dev(resolution, pins), unfinished):
            _install_in_two_steps(plan, proj, resolution, unfinished)
        if resolution is not None and resolution.from_cache:
            migrated = not plan.database_skipped
            catch_up(proj, plan.installer, resolution, unfinished, migrated=migrated)
    if plan.git:
        _git_init(plan, target)
