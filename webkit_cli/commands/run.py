"""`webkit run COMMAND [ARGS]...`: a command run in the project, with its .venv and .env."""

from __future__ import annotations

import click

from webkit_cli import project, runner, shortcuts, virtualenvs
from webkit_cli.errors import StepFailed, UsageError, WebkitError

# As a shell reports a command it cannot find.
EXIT_NOT_FOUND = 127


def _complete(ctx: click.Context, param: click.Parameter, incomplete: str):
    from webkit_cli.completion import complete_run

    return complete_run(ctx, param, incomplete)


@click.command(
    context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False},
)
@click.argument(
    "command",
    nargs=-1,
    type=click.UNPROCESSED,
    metavar="COMMAND [ARGS]...",
    shell_complete=_complete,
)
def run(command: tuple[str, ...]) -> None:
    """Run COMMAND in the project, from any folder inside it.

    It runs in the project's root, with .venv/bin first on PATH and .env loaded (variables
    already set in the environment win). Its exit status is webkit's, and signals reach it
    as if it had been typed directly (webkit becomes the command).

    \b
    Shortcuts:
      tests           the project's tests (pytest)
      lint            ruff check, then ruff format --check
      shell           the framework's shell (flask shell, manage.py shell)
      migrate         apply the migrations
      makemigrations  write migrations from the models (numbered; formatted)

    \b
      webkit run pytest -x
      webkit run flask routes
      webkit run python manage.py createsuperuser
      webkit run tests -k api
    """
    if not command:
        raise UsageError(
            "missing the command to run",
            "webkit run COMMAND [ARGS]..., e.g. webkit run pytest; shortcuts: tests, lint, "
            "shell, migrate, makemigrations",
        )
    proj = project.find()
    problem = virtualenvs.venv_problem(proj.python, run=False)
    if problem is not None:
        raise StepFailed(f"the project's .venv is {problem}", "run `webkit setup` to (re)create it")
    env = shortcuts.environment(proj)
    name, args = command[0], list(command[1:])
    steps = shortcuts.expand(proj, name, args)
    if steps is None:
        path = shortcuts.executable(name, env["PATH"], proj.root)
        if path is None:
            close = shortcuts.suggestions(proj, name)
            raise WebkitError(
                f"{name}: command not found in the project's .venv/bin or on PATH",
                (f"did you mean {' or '.join(close)}? " if close else "")
                + "add a missing tool to pyproject.toml and run `webkit setup --upgrade`",
                exit_code=EXIT_NOT_FOUND,
            )
        steps = [[path, *args]]
    for argv in steps[:-1]:  # a shortcut's first steps: each must succeed
        status = runner.run_foreground(argv, cwd=proj.root, env=env)
        if status != 0:
            click.get_current_context().exit(status)
    runner.exec_command(steps[-1], cwd=proj.root, env=env)
