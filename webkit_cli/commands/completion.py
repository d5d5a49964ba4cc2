"""`webkit completion bash|zsh|fish`: the shell completion script (click's)."""

from __future__ import annotations

import click

from webkit_cli.completion import SHELLS


@click.command()
@click.argument("shell", type=click.Choice(SHELLS))
def completion(shell: str) -> None:
    """Print the completion script for SHELL; source it from the shell's rc file.

    It completes commands, options, their choices and, inside a project, its shortcuts,
    commands and resource names.

    \b
      bash (~/.bashrc):                  eval "$(webkit completion bash)"
      zsh (~/.zshrc, after compinit):    eval "$(webkit completion zsh)"
      fish (~/.config/fish/config.fish): webkit completion fish | source
    """
    from webkit_cli.completion import script

    root = click.get_current_context().find_root().command
    click.echo(script(shell, root))
