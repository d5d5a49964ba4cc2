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
    installers,
    interpreters,
    project,
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
    help="Upgrade within pyproject.toml's ranges and rewrite the lock files.",
)
def setup(python_spec: str | None, installer: str, recreate: bool, upgrade: bool) -> None:
    """Create or repair .venv, install the lock file and apply migrations."""
    proj = project.find()
    console.info(
        f"Project [bold]{console.escape(proj.root.name)}[/bold] ({proj.framework.title}) at {console.escape(str(proj.root))}"
    )
    changed = False

    with console.step("Checking .venv", ".venv") as step:
        problem = virtualenvs.venv_problem(proj.python)
        if problem is None and not (python_spec or recreate):
            step.done_text = ".venv is healthy"
        else:
            interpreter = _interpreter(proj, python_spec)
            virtualenvs.create_venv(interpreter, proj.venv)
            version = ".".join(map(str, interpreter.version))
            why = f" (it was {problem})" if problem and problem != "missing" else ""
            step.done_text = f"Created .venv with Python {version}{why}"
            changed = True

    chosen = installers.select_installer(installer).usable()
    with console.step(f"Installing with {chosen.name}", "Dependencies") as step:
        if upgrade or not proj.dev_lock_file.is_file():
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
        outcome = environment.prepare_database(proj)
        if outcome is None:
            step.done_text = "Database: SQLite, created by the migrations"
        elif outcome.state == "created":
            step.done_text = f"Created database {outcome.name}"
            changed = True
        else:
            step.done_text = f"Database {outcome.name} exists"

    with console.step("Checking migrations", "Migrations") as step:
        since = time.time_ns()
        if environment.migrations_pending(proj):
            environment.migrate(proj)
            step.done_text = "Applied pending migrations"
            changed = True
        else:
            step.done_text = "Database is up to date"
        if use_cache:
            bytecode.save_bytecode(proj.python, since)

    if changed:
        console.success(f"[bold]The project is ready.[/bold] Run: {console.webkit_command()} serve")
    else:
        console.success("Nothing to do: the environment is already set up.")
