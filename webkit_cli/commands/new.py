"""`webkit new NAME`: validate, render atomically, create .venv, install, lock, migrate, git."""

from __future__ import annotations

import os
import secrets
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

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
from webkit_cli.errors import StepFailed, UsageError, WebkitError
from webkit_cli.record import CHOICES, DATABASES, FEATURES, Record

JOB_BACKENDS = CHOICES[("jobs", "backend")]


@dataclass
class Plan:
    names: names.ProjectNames
    framework: frameworks.Framework
    target: Path
    interpreter: interpreters.Interpreter | None
    installer: installers.Installer | None
    git: bool
    record: Record | None = None  # what the project records in [tool.webkit]
    context: dict[str, Any] = field(default_factory=dict)  # the template's variables
    database_skipped: bool = False
    # Steps that failed without stopping the others (the database, git): `new` ends with exit 1
    failures: list[WebkitError] = field(default_factory=list)
    venv_ahead: virtualenvs.VenvAhead | None = None  # virtualenv made ready while the render runs
    defaults: user_defaults.Defaults | None = None  # each setting and where it came from


def _check_target(target: Path, force: bool) -> None:
    parent = target.parent
    if not parent.exists():
        raise UsageError(
            f"the output directory {parent} does not exist",
            f"create it first (mkdir -p {parent}) or choose another --output-dir",
        )
    if not parent.is_dir():
        raise UsageError(f"the output directory {parent} is not a directory")
    if target.is_symlink() or (target.exists() and not target.is_dir()):
        raise UsageError(
            f"{target} already exists and is not a directory",
            "choose another name or --output-dir",
        )
    if target.is_dir():
        if any(target.iterdir()):
            raise UsageError(
                f"{target} already exists and is not empty",
                "choose another name or --output-dir; webkit never writes into a non-empty directory",
            )
        if not force:
            raise UsageError(
                f"{target} already exists (empty)",
                "pass --force to create the project in it",
            )
    if not os.access(parent, os.W_OK | os.X_OK):
        raise UsageError(
            f"cannot write in {parent}: permission denied",
            "choose a directory you can write to with --output-dir",
        )
    from webkit_cli.project import find_root

    enclosing = find_root(parent.resolve())
    if enclosing is not None:
        where = (
            "a webkit project"
            if enclosing == parent.resolve()
            else f"inside the webkit project {enclosing}"
        )
        raise UsageError(
            f"{parent} is {where}",
            f"create the new project outside it, e.g. --output-dir {enclosing.parent}",
        )


def _choose_framework(framework: str | None, interactive: bool) -> str:
    if framework:
        return framework
    if interactive:
        return click.prompt(
            "Framework",
            type=click.Choice(frameworks.NAMES),
            default=frameworks.DEFAULT,
        )
    console.info(f"Framework: {frameworks.DEFAULT} (the default; choose with --framework)")
    return frameworks.DEFAULT


def _choose_database(
    db: str | None, url: str | None, package: str, fw: frameworks.Framework, interactive: bool
) -> tuple[str, str]:
    """The database kind and, for a server, its URL in the framework's scheme."""
    from webkit_cli import database

    if url is not None:
        kind = database.validate_url(url)
        if db is not None and db != kind:
            title = database.SERVERS[kind].title
            raise UsageError(
                f"--database-url is a {title} URL, but --db {db} was given",
                "drop one of the two options (--database-url alone chooses the database)",
            )
        db = kind
    if db is None:
        if interactive:
            db = click.prompt("Database", type=click.Choice(DATABASES), default=DATABASES[0])
        else:
            db = DATABASES[0]
    if db not in database.SERVERS:
        return db, ""
    if url is None:
        url = database.default_url(db, package)
        database.validate_url(url)
    return db, database.framework_url(url, fw.url_schemes[db])


def _features(
    defaults, jobs: str | None, auth: bool, email_verification: bool | None
) -> dict[str, dict[str, Any]]:
    """The features of the user defaults, and those the options turn on (with their settings)."""
    features = {name: dict(FEATURES[name]) for name in defaults}
    if jobs is not None:
        features["jobs"] = {**FEATURES["jobs"], "backend": jobs}
    if auth:
        features.setdefault("auth", dict(FEATURES["auth"]))
    if email_verification is not None:
        if "auth" not in features:
            raise UsageError(
                "--email-verification is a setting of accounts, and accounts are off",
                "add --auth: webkit new NAME --auth --email-verification",
            )
        features["auth"]["email_verification"] = email_verification
    return features


def _print_plan(plan: Plan, files: list[str]) -> None:
    out = console.out()
    out.print(
        f"[bold]Plan for {plan.target}[/bold] ({plan.framework.title}, dry run: nothing is written)"
    )
    if plan.defaults is not None:
        _print_settings(plan)
    out.print(f"\n[bold]1. Render[/bold] templates/{plan.framework.template} ({len(files)} files):")
    for path in files:
        out.print(f"   {console.escape(path)}")
    n = 2
    if plan.interpreter is not None:
        no_pip = " --no-pip (uv installs pip with the dependencies)" if _seed_packages(plan) else ""
        out.print(
            f"\n[bold]{n}. Create .venv[/bold]: virtualenv .venv --python "
            f"{plan.interpreter.path}{no_pip}"
        )
        n += 1
    if plan.installer is not None:
        out.print(
            f"\n[bold]{n}. Install[/bold] with {plan.installer.name}: the runtime dependencies"
            + (
                " (resolved with `uv pip compile` while steps 1 and 2 run, from uv's cache and "
                "against the index at once: the cache's versions when the index has not answered "
                "by then, and the index's newer ones after the migration, if any)"
                if plan.installer.resolves_ahead
                else ""
            )
            + ", then the dev group while the migration runs; write requirements.lock and "
            "requirements-dev.lock"
        )
        n += 1
        if plan.context["database_url"]:
            from webkit_cli.database import redact

            out.print(
                f"\n[bold]{n}. Database[/bold]: create {redact(plan.context['database_url'])} "
                "if it does not exist"
            )
            n += 1
        migrate = " ".join(plan.framework.argv(plan.framework.migrate, package=plan.names.package))
        out.print(f"\n[bold]{n}. Migrate[/bold]: .venv/bin/python {migrate}")
        n += 1
    if plan.git:
        out.print(f"\n[bold]{n}. Git[/bold]: git init, then a first commit")


def _print_record(template: Path, plan: Plan) -> None:
    """The [tool.webkit] tables the project would record (what `update` and `add` start from)."""
    from webkit_cli import scaffold

    pyproject = scaffold.render_one(template, plan.context, "pyproject.toml")
    lines, inside = [], False
    for line in pyproject.splitlines():
        if line.startswith("["):
            inside = line.lstrip("[").startswith("tool.webkit")
        if inside:
            lines.append(line)
    out = console.out()
    out.print("\n[bold]Recorded in pyproject.toml[/bold] (no secrets: those go to .env only):")
    for line in "\n".join(lines).strip().splitlines():
        out.print(f"   {console.escape(line)}")


def _print_settings(plan: Plan) -> None:
    interpreter, installer = plan.interpreter, plan.installer
    shown = {
        "framework": plan.framework.name,
        "database": plan.context["database"],
        "installer": installer.name if installer else "none (nothing is installed)",
        "python": f"{interpreter.short_version} ({interpreter.path})" if interpreter else "none",
        "features": ", ".join(plan.defaults.value("features")) or "none",
    }
    console.out().print(
        "\nSettings (an option wins over WEBKIT_*, which wins over the config file):"
    )
    width = max(map(len, shown.values()))
    for key, value, source in plan.defaults.rows(shown):
        line = console.escape(f"   {key:<10} {value:<{width}}  ")
        console.out().print(f"{line}[dim]{console.escape(source)}[/dim]")


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


def _summary(plan: Plan, started: float) -> None:
    from rich.tree import Tree

    target = plan.target
    tree = Tree(f"[bold]{target.name}/[/bold]")
    hidden = {".git", ".venv", "__pycache__", ".pytest_cache"}
    for entry in sorted(target.iterdir(), key=lambda p: (not p.is_dir(), p.name)):
        if entry.name in hidden:
            continue
        if entry.is_dir():
            branch = tree.add(f"[bold blue]{entry.name}/[/bold blue]")
            children = sorted(
                p.name + ("/" if p.is_dir() else "")
                for p in entry.iterdir()
                if p.name not in hidden
            )
            shown = children[:6]
            for child in shown:
                branch.add(child)
            if len(children) > len(shown):
                branch.add(f"[dim]… {len(children) - len(shown)} more[/dim]")
        else:
            tree.add(entry.name)
    console.print_obj(tree)
    elapsed = console.format_seconds(time.perf_counter() - started)
    title = f"[bold]Created {plan.framework.title} project {target.name}[/bold] in {elapsed}"
    if plan.failures:
        console.info(f"[yellow]![/yellow] {title}, but a step failed (below)")
    else:
        console.success(title)
    location = os.path.relpath(target) if not os.path.relpath(target).startswith("..") else target
    webkit = console.webkit_command()
    lines = [(f"cd {console.escape(str(location))}", "")]
    if plan.installer is None or plan.database_skipped or plan.failures:
        lines.append(
            (f"{webkit} setup", "create .venv, install, create the database, migrate, git")
        )
    lines.append((f"{webkit} serve", "http://127.0.0.1:8000 with auto-reload"))
    lines += [(command.format(webkit=webkit), note) for command, note in plan.framework.next_steps]
    lines.append((".venv/bin/python -m pytest", "the project's own tests"))
    width = max(len(command) for command, _ in lines) + 2
    console.info(
        "\n[bold]Next steps:[/bold]\n"
        + "\n".join(
            f"  {command.ljust(width)}# {note}" if note else f"  {command}"
            for command, note in lines
        )
    )


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
        name = click.prompt("Project name", default="shop", value_proc=_valid_name)
    project_names = names.validate(name)
    fw = frameworks.get(_choose_framework(framework, interactive))
    db, db_url = _choose_database(db, database_url, project_names.package, fw, interactive)
    started = time.perf_counter()  # after the questions: the time is webkit's, not the user's
    target = (output_dir.expanduser() / project_names.directory).absolute()
    _check_target(target, force)

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
            features=_features(chosen.value("features") or (), jobs, auth, email_verification),
        ),
    )
    # The secrets go to .env only, never into the record.
    plan.context = plan.record.values(
        {"secret_key": secrets.token_urlsafe(50), "database_url": db_url}
    )
    from webkit_cli import scaffold

    template = template_store.current_dir(fw.template)
    if dry_run:
        if plan.installer is not None:
            plan.installer = plan.installer.usable()
        _print_plan(plan, scaffold.preview(template, plan.context))
        _print_record(template, plan)
        return

    if plan.interpreter is not None:  # first: it takes longest to get ready
        plan.venv_ahead = virtualenvs.VenvAhead(
            plan.interpreter, target / ".venv", pip=not _seed_packages(plan)
        )
    resolution = _start_resolution(plan, template)
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
    _summary(plan, started)
    if plan.failures:
        hints = dict.fromkeys(exc.hint for exc in plan.failures if exc.hint)
        raise StepFailed(
            "; ".join(exc.message for exc in plan.failures),
            f"the project is kept in {target}; " + "; ".join(hints or ["run `webkit setup` there"]),
        )


def _valid_name(value: str) -> str:
    """The prompt's check: a name refused is asked again, with the reason."""
    try:
        names.validate(value)
    except UsageError as exc:
        raise click.UsageError(f"{exc.message} ({exc.hint})" if exc.hint else exc.message) from None
    return value


# The two sets of requirements that _start_resolution resolves.
RUNTIME, EVERYTHING = "runtime", "everything"


def _seed_packages(plan: Plan) -> tuple[str, ...]:
    """pip, when the installer puts it into .venv with the dependencies rather than virtualenv."""
    if plan.installer is not None and plan.installer.installs_pip:
        return installers.SEED_PACKAGES
    return ()


def _start_resolution(plan: Plan, template: Path) -> resolution.Resolution | None:
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
    runtime = [*dependencies, *_seed_packages(plan)]
    try:
        return plan.installer.start_resolution(
            plan.interpreter, {RUNTIME: runtime, EVERYTHING: [*runtime, *dev]}, plan.target.parent
        )
    except OSError:  # no temporary folder to write in, say: the install resolves by itself
        return None


def _prepare_database(plan: Plan, proj) -> bool:
    """Create the database on a server. A server that is not ready fails this step only: the
    dev tools still install, and `new` ends with exit 1 and the way to finish."""
    from webkit_cli import environment

    if proj.answers.get("database", "sqlite") == "sqlite":
        return True
    try:
        with console.step("Preparing the database", "Database") as step:
            outcome = environment.prepare_database(proj)
            if outcome is not None:
                verb = "Created" if outcome.state == "created" else "Using existing"
                step.done_text = f"{verb} database {outcome.name}"
    except StepFailed as exc:
        plan.failures.append(exc)
        return False
    return True


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


def _dev_pins(
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


def _catch_up(
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
    with console.step(
        "Updating to newer releases than uv's cache had", "Updated to the newest releases"
    ) as step:
        environment.catch_up(
            proj, installer, runtime, everything, migrate_again=migrated and bool(runtime_changes)
        )
        step.note = "(" + ", ".join(f"{name} {old} → {new}" for name, old, new in changes) + ")"


def _steps(
    plan: Plan, target: Path, resolution: resolution.Resolution | None, unfinished: list
) -> None:
    from webkit_cli import environment, project

    proj = project.load(target)
    if plan.installer is not None:
        plan.installer = plan.installer.usable()  # its check has had the render's time to end
    seed = _seed_packages(plan)
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
        name = plan.installer.name
        with console.step(
            f"Installing the dependencies with {name}", "Installed the dependencies"
        ) as step:
            pins = resolution.pins(RUNTIME) if resolution is not None else None
            count = environment.install_runtime(proj, plan.installer, pins=pins, seed=seed)
            step.note = f"({count} packages with {name})"
        dev_pins = _dev_pins(resolution, pins)
        if not _prepare_database(plan, proj):
            plan.database_skipped = True
            with console.step("Installing the dev tools", "Installed the dev tools") as step:
                count = environment.install_dev(proj, plan.installer, pins=dev_pins)
                step.note = f"({count} packages in all)"
        else:
            with console.step(
                "Applying the migrations while the dev tools install",
                "Applied the initial migration and installed the dev tools",
            ) as step:
                count = environment.install_dev_while_migrating(
                    proj, plan.installer, unfinished=unfinished, pins=dev_pins
                )
                step.note = f"({count} packages in all)"
        if resolution is not None and resolution.from_cache:
            migrated = not plan.database_skipped
            _catch_up(proj, plan.installer, resolution, unfinished, migrated=migrated)
    if plan.git:
        _git_init(plan, target)
