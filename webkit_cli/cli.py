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


# The root's options, accepted after the command name too (`webkit new shop -q`).
GLOBAL_OPTIONS = {
    "verbose": (("-v", "--verbose"), "Show every command webkit runs."),
    "quiet": (("-q", "--quiet"), "Only show errors."),
    "no_color": (("--no-color",), "Plain output (also when NO_COLOR is set)."),
    "debug": (("--debug",), "Show tracebacks for errors."),
}


def _set_global(ctx: click.Context, param: click.Parameter, value: bool) -> None:
    """A global option given after the command name: the same as before it."""
    from webkit_cli import console

    if not value or ctx.resilient_parsing:
        return
    settings = console.settings
    verbosity = {"quiet": console.VERBOSITY_QUIET, "verbose": console.VERBOSITY_VERBOSE}
    console.configure(
        verbosity=verbosity.get(param.name, settings.verbosity),
        no_color=param.name == "no_color" or not settings.color,
        debug=param.name == "debug" or settings.debug,
    )


def _with_global_options(command: click.Command) -> click.Command:
    if getattr(command, "_webkit_global_options", False):
        return command
    taken = {opt for param in command.params for opt in getattr(param, "opts", ())}
    for name, (opts, help_text) in GLOBAL_OPTIONS.items():
        if not taken & set(opts):
            command.params.append(
                click.Option(
                    [*opts, name],
                    is_flag=True,
                    expose_value=False,
                    callback=_set_global,
                    help=help_text,
                )
            )
    command._webkit_global_options = True  # type: ignore[attr-defined]
    for sub in getattr(command, "commands", {}).values():  # a group's commands (cache info)
        _with_global_options(sub)
    return command


def _usage_error(exc: click.UsageError) -> tuple[str, str]:
    """click's usage error in webkit's form: (what went wrong, what to do)."""
    message = exc.message if isinstance(exc, click.NoSuchOption) else exc.format_message()
    message = " ".join(message.split()).removesuffix(".")
    message = message[:1].lower() + message[1:]
    path = getattr(exc, "command_path", None) or (exc.ctx.command_path if exc.ctx else "webkit")
    where = f"`{path} --help`"
    if isinstance(exc, click.NoSuchOption) and exc.possibilities:
        import difflib  # click's suggestions, the likely ones only (not --verbose for --bogus)

        likely = difflib.get_close_matches(exc.option_name, exc.possibilities, cutoff=0.75)
        if likely:
            return message, f"did you mean {' or '.join(sorted(likely))}? ({where})"
    what = "commands" if isinstance(exc.ctx and exc.ctx.command, click.Group) else "options"
    if "no such command" in message:
        what = "commands"
    return message, f"{where} lists the {what}"


class LazyGroup(click.Group):
    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(COMMANDS)

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in COMMANDS:
            return None
        target, _ = COMMANDS[cmd_name]
        module_name, attribute = target.split(":")
        return _with_global_options(getattr(importlib.import_module(module_name), attribute))

    def main(self, *args, standalone_mode: bool = True, **kwargs):
        """click's main, with click's own errors (a bad option value, an unknown option or
        command, a missing argument) reported as webkit's are: one line of what went wrong,
        one of what to do, exit 2."""
        if not standalone_mode:
            return super().main(*args, standalone_mode=False, **kwargs)
        try:
            status = super().main(*args, standalone_mode=False, **kwargs)
        except click.UsageError as exc:
            from webkit_cli import console

            console.error(*_usage_error(exc))
            sys.exit(exc.exit_code)
        except click.ClickException as exc:
            from webkit_cli import console

            console.error(exc.format_message())
            sys.exit(exc.exit_code)
        except click.Abort:  # Ctrl-C while click itself runs (a prompt, say)
            sys.stderr.write("Interrupted.\n")
            sys.exit(EXIT_INTERRUPTED)
        sys.exit(status if isinstance(status, int) else 0)

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
        except click.UsageError as exc:
            if exc.ctx is None and ctx.invoked_subcommand:  # click's parser leaves it out
                exc.command_path = f"{ctx.command_path} {ctx.invoked_subcommand}"  # type: ignore[attr-defined]
            raise
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
