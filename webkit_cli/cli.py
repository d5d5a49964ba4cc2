"""The root command group: lazy subcommands, global options and the one error boundary."""

from __future__ import annotations

import importlib
import sys

import click

from webkit_cli import __version__
from webkit_cli.errors import EXIT_FAILED, EXIT_INTERRUPTED, WebkitError

# name -> "module:attribute"; a command's module (and its heavy imports) loads only when it runs.
COMMANDS = {
    "new": ("webkit_cli.commands.new:new", "Create a Flask or Django project, ready to run."),
    "serve": (
        "webkit_cli.commands.serve:serve",
        "Run the project: dev server with reload, or --prod with gunicorn.",
    ),
    "deploy-config": (
        "webkit_cli.commands.deploy_config:deploy_config",
        "Write gunicorn, nginx, systemd, Docker, compose and Kubernetes files.",
    ),
    "cache": (
        "webkit_cli.commands.cache:cache",
        "Show or clean webkit's bytecode cache (shared by the projects it creates).",
    ),
    "setup": (
        "webkit_cli.commands.setup:setup",
        "Create or repair the project's .venv, install the lock file, migrate.",
    ),
    "update": (
        "webkit_cli.commands.update:update",
        "Merge the newer template release into the project, keeping your changes.",
    ),
    "add": (
        "webkit_cli.commands.add:add",
        "Turn a feature on in the project: postgres, mysql, sqlite.",
    ),
    "completion": (
        "webkit_cli.commands.completion:completion",
        "Print the shell completion script for bash, zsh or fish.",
    ),
    "doctor": (
        "webkit_cli.commands.doctor:doctor",
        "Check the project (or this machine) and say what fixes each problem.",
    ),
    "run": (
        "webkit_cli.commands.run:run",
        "Run a command in the project with its .venv and .env (tests, lint, shell, ...).",
    ),
    "generate": (
        "webkit_cli.commands.generate:generate",
        "Write a resource (model, migration, API, pages, tests) or an app into the project.",
    ),
    "destroy": (
        "webkit_cli.commands.destroy:destroy",
        "Remove a generated resource (files, registrations; a migration drops its table).",
    ),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        target, _ = COMMANDS[cmd_name]
        module_name, attribute = target.split(":")
        return getattr(importlib.import_module(module_name), attribute)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        # Short help comes from the table above, so `webkit --help` imports no command module.
        rows = [(name, COMMANDS[name][1]) for name in self.list_commands(ctx)]
        with formatter.section("Commands"):
            formatter.write_dl(rows)

    def invoke(self, ctx: click.Context):
        from webkit_cli import console

        try:
            return super().invoke(ctx)
        except WebkitError as exc:
            if console.settings.debug:
                console.err().print_exception()
            console.error(exc.message, exc.hint)
            ctx.exit(exc.exit_code)
        except (KeyboardInterrupt, click.Abort):
            console.err().print("[yellow]Interrupted.[/yellow]")
            ctx.exit(EXIT_INTERRUPTED)
        except (click.exceptions.Exit, click.ClickException):
            raise
        except Exception as exc:  # the boundary: anything unexpected becomes one line
            if console.settings.debug:
                raise
            console.error(
                f"unexpected {type(exc).__name__}: {exc}",
                "run again with --debug for the traceback, and report it",
            )
            ctx.exit(EXIT_FAILED)


@click.group(
    cls=LazyGroup,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, "--version", "-V", prog_name="webkit")
@click.option("-v", "--verbose", is_flag=True, help="Show every command webkit runs.")
@click.option("-q", "--quiet", is_flag=True, help="Only show errors.")
@click.option("--no-color", is_flag=True, help="Plain output (also when NO_COLOR is set).")
@click.option("--debug", is_flag=True, help="Show tracebacks for errors.")
def cli(verbose: bool, quiet: bool, no_color: bool, debug: bool) -> None:
    """webkit: a running, tested, deployable Flask or Django project in one command.

    \b
      webkit new shop --framework flask
      cd shop && webkit serve
    """
    from webkit_cli import console

    verbosity = console.VERBOSITY_QUIET if quiet else (1 if verbose else 0)
    console.configure(verbosity=verbosity, no_color=no_color, debug=debug)


def main(argv: list[str] | None = None, prog_name: str = "webkit") -> None:
    try:
        cli.main(args=argv, prog_name=prog_name)
    except KeyboardInterrupt:  # interrupted outside a command (while parsing, say)
        sys.stderr.write("Interrupted.\n")
        sys.exit(EXIT_INTERRUPTED)
