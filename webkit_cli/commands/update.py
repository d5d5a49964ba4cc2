"""`webkit update`: bring the improvements of the template webkit now carries into the project,
by a three-way merge with git (see webkit_cli/updating.py)."""

from __future__ import annotations

import click

from webkit_cli import console, project, template_store, updating
from webkit_cli.commands._record_change import change_record, finish
from webkit_cli.errors import EXIT_USAGE, UsageError
from webkit_cli.git import Repo


@click.command()
@click.option("--check", is_flag=True, help="Only say whether an update exists (exit 2 if so).")
@click.option("--dry-run", is_flag=True, help="Print the change it would make; change nothing.")
@click.option("--commit", is_flag=True, help="Commit the update when it merges cleanly.")
@click.option("--no-install", is_flag=True, help="Do not install or migrate afterwards.")
@click.option("--abort", "abort_", is_flag=True, help="Undo an update not committed yet.")
@click.option(
    "--continue",
    "continue_",
    is_flag=True,
    help="Finish an update once its conflicts are resolved.",
)
@click.pass_context
def update(
    ctx: click.Context,
    check: bool,
    dry_run: bool,
    commit: bool,
    no_install: bool,
    abort_: bool,
    continue_: bool,
) -> None:
    """Merge the newer template release into this project; your changes are kept."""
    proj = project.find()
    framework = proj.record.framework
    if abort_ or continue_:
        if abort_ and continue_:
            raise UsageError("--abort and --continue cannot go together", "choose one")
        repo = Repo.of(proj.root, "webkit update")
        if abort_:
            _abort(proj, repo)
        else:
            _continue(proj, repo, commit, not no_install)
        return
    updating.refuse_if_pending(proj.root, "webkit update")
    recorded = proj.record.template_version
    template_store.check_version(framework, recorded)
    current = template_store.current_version(framework)
    if check:
        if recorded == current:
            console.success(f"Up to date: the project has {framework} template release {current}.")
            return
        console.info(
            f"An update exists: the project has {framework} template release {recorded}, "
            f"webkit carries {current}. Run `webkit update` to merge it."
        )
        ctx.exit(EXIT_USAGE)
    if recorded == current:
        console.success(
            f"Nothing to update: the project has {framework} template release {current}, "
            "the one this webkit carries."
        )
        return
    repo = Repo.of(proj.root, "webkit update")
    updating.check_ready(repo, "webkit update")
    label = f"{framework} template release {current}"
    console.info(f"Updating from {framework} template release {recorded} to {current}")
    change_record(
        proj,
        repo,
        proj.record.replace(template_version=current),
        label,
        dry_run=dry_run,
        commit=commit,
        install=not no_install,
    )


def _abort(proj: project.Project, repo: Repo) -> None:
    state = updating.abort(repo, proj)
    if state is None:
        raise UsageError(
            "there is no update to undo (none is in progress, or it was committed)",
            "to undo a committed update: git revert HEAD",
        )
    console.success(
        f"Undid {state.label}: the files are as at {state.head[:12]}. If it installed "
        "packages, `webkit setup` installs the lock files again."
    )


def _continue(proj: project.Project, repo: Repo, commit: bool, install: bool) -> None:
    state = updating.State.pending(repo)
    if state is None:
        raise UsageError(
            "there is no update to continue (none is in progress, or it was committed)",
            "run `webkit update` to start one",
        )
    left = repo.unmerged()
    if left:
        raise UsageError(
            f"these files still have conflicts: {', '.join(left)}",
            "edit them, `git add` them, then run `webkit update --continue` again",
        )
    finish(proj.root, repo, state, install=install, commit=commit)
