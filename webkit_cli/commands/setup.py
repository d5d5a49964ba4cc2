"""`webkit setup`: make an existing project runnable: .venv, the locked packages, migrations.

Idempotent: on a healthy project it changes nothing and says so. It is also what a teammate
runs after cloning, and how a `webkit new` that stopped half-way is finished.
"""

from __future__ import annotations

import time

import click

from webkit_cli import (
    bytecode,
    console,
    environment,
    git,
    installers,
    interpreters,
    project,
    project_commands,
    virtualenvs,
)
from webkit_cli.errors import WebkitError


def _interpreter(proj: project.Project, spec: str | None) -> interpreters.Interpreter:
    if spec is not None:
        return interpreters.find_python(spec, proj.framework.min_python)
    recorded = proj.answers.get("python_version")
    if isinstance(recorded, str) and recorded:
        try:
            return interpreters.find_python(recorded, proj.framework.min_python)
        except WebkitError:  # fall back to the Python running webkit
            console.warning(
                f"Python {recorded} (recorded in pyproject.toml) was not found; using this one"
            )
    return interpreters.find_python(None, proj.framework.min_python)


def _git(proj: project.Project) -> bool:
    """What `webkit new --no-git` left for later, or `new --no-install`'s lock files: a
    repository with a first commit when the project is in none, and the lock files committed
    (those two files alone) when they are new in the project's own repository. True: changed."""
    with console.step("Checking git", "Git") as step:
        top = git.toplevel(proj.root)
        if top is None:
            commit = git.init(proj.root, "Initial commit from webkit setup")
            step.done_text = "Created the git repository with a first commit"
        elif top == proj.root.resolve():
            names = [proj.lock_file.name, proj.dev_lock_file.name]
            commit = git.commit_new_files(proj.root, names, "Add the lock files from webkit setup")
            step.done_text = f"Committed {' and '.join(names)}"
        else:  # inside a repository of the user's (a monorepo, say): theirs to commit to
            commit = None
        if commit is None:
            step.quiet = True
            return False
    if commit.fallback_identity:
        console.warning(git.FALLBACK_WARNING, git.FALLBACK_HINT)
    return True


@click.command()
@click.option(
    "--python", "python_spec", metavar="VERSION|PATH", help="Recreate .venv with this Python."
)
@click.option(
    "--installer", type=click.Choice(installers.INSTALLERS), default="auto", show_default=True
)
@click.option("--recreate", is_flag=True, help="Delete and recreate .venv even if it works.")
@click.option(
    "--upgrade",
    is_flag=True,
    help="Upgrade within pyproject.toml's ranges in a fresh .venv; rewrite the lock files.",
)
@click.option(
    "--no-git",
    is_flag=True,
    help="Do not create the git repository or commit the lock files it writes.",
)
def setup(
    python_spec: str | None, installer: str, recreate: bool, upgrade: bool, no_git: bool
) -> None:
    """Create or repair .venv, install the lock file, apply migrations, and make the git
    repository if there is none."""
    proj = project.find()
    console.info(
        f"Project [bold]{console.escape(proj.root.name)}[/bold] ({proj.framework.title}) at {console.escape(str(proj.root))}"
    )
    changed = False
    # The lock files are written from pyproject.toml in a .venv that holds nothing else: a
    # freeze of one that holds the dev group (or packages since removed from pyproject.toml)
    # would put those into requirements.lock, which the Dockerfile installs.
    write_locks = upgrade or not proj.dev_lock_file.is_file()

    with console.step("Checking .venv", ".venv") as step:
        problem = virtualenvs.venv_problem(proj.python)
        if problem is None and not (python_spec or recreate or write_locks):
            step.done_text = ".venv is healthy"
        else:
            interpreter = _interpreter(proj, python_spec)
            virtualenvs.create_venv(interpreter, proj.venv)
            version = ".".join(map(str, interpreter.version))
            if problem and problem != "missing":
                why = f" (it was {problem})"
            elif problem is None and write_locks and not (python_spec or recreate):
                why = " (a fresh one, for the lock files to list only what pyproject.toml asks for)"
            else:
                why = ""
            step.done_text = f"Created .venv with Python {version}{why}"
            changed = True

    chosen = installers.select_installer(installer).usable()
    with console.step(f"Installing with {chosen.name}", "Dependencies") as step:
        if write_locks:
            count = environment.install_from_pyproject(proj, chosen, upgrade=upgrade)
            step.done_text = f"Installed {count} packages and wrote the lock files"
            changed = True
        elif environment.install_from_lock(proj, chosen):
            step.done_text = f"Installed {proj.dev_lock_file.name}"
            changed = True
        else:
            step.done_text = f"Packages match {proj.dev_lock_file.name}"
        # What uv just installed gets the bytecode that webkit's cache holds for it, and what the
        # migration check compiles below is cached in turn. pip compiled as it installed.
        use_cache = changed and not chosen.compiles_bytecode
        if use_cache:
            bytecode.restore_bytecode(proj.python)

    with console.step("Checking the database", "Database") as step:
        outcome = project_commands.prepare_database(proj)
        if outcome is None:
            step.done_text = "Database: SQLite, created by the migrations"
        elif outcome.state == "created":
            step.done_text = f"Created database {outcome.name}"
            changed = True
        else:
            step.done_text = f"Database {outcome.name} exists"

    with console.step("Checking migrations", "Migrations") as step:
        since = time.time_ns()
        if project_commands.migrations_pending(proj):
            project_commands.migrate(proj)
            step.done_text = "Applied pending migrations"
            changed = True
        else:
            step.done_text = "Database is up to date"
        if use_cache:
            bytecode.save_bytecode(proj.python, since)

    if not no_git:
        changed = _git(proj) or changed

    if changed:
        console.success(f"[bold]The project is ready.[/bold] Run: {console.webkit_command()} serve")
    else:
        console.success("Nothing to do: the environment is already set up.")
