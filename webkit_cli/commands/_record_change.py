"""What `webkit update` and `webkit add` share: bring a changed record into the project by a
merge (webkit_cli/updating.py), say what changed, then install, migrate and commit."""

from __future__ import annotations

import tempfile
from pathlib import Path

from webkit_cli import (
    console,
    environment,
    git,
    installers,
    interpreters,
    project,
    project_commands,
    updating,
    virtualenvs,
)
from webkit_cli.errors import StepFailed
from webkit_cli.git import Repo
from webkit_cli.record import Record

_SHOWN = {
    "modified": "updated",
    "added": "added",
    "deleted": "removed",
    "conflict": "conflict",
}


def change_record(
    proj: project.Project,
    repo: Repo,
    record: Record,
    label: str,
    *,
    dry_run: bool,
    commit: bool,
    install: bool,
    env_set: dict[str, str] | None = None,
) -> None:
    """Merge the render of `record` into the project, and set `env_set` in its .env; a
    StepFailed (exit 1) for conflicts."""
    with tempfile.TemporaryDirectory(prefix="webkit-update-") as scratch:
        with console.step("Merging the template's changes", "Merged") as step:
            result = updating.merge(repo, proj, record, Path(scratch), label)
            step.note = f"({len(result.changed)} files)"
        if result.empty:
            console.success(f"Nothing to change: the project already has {label}.")
            return
        if dry_run:
            _print_dry_run(repo, result, env_set)
            return
        before = environment.dependency_sets(proj)
        state = updating.apply(repo, proj, result, label, env_set)
        state.dependencies = [list(part) for part in before]
        state.save(repo)
    _report(result)
    if result.conflicts:
        names = ", ".join(result.conflicts)
        raise StepFailed(
            f"{len(result.conflicts)} file(s) have conflicts between your changes and "
            f"{label}: {names}",
            "edit them where git's markers are (git mergetool helps), `git add` them, then run "
            "`webkit update --continue`; or undo it all: webkit update --abort",
        )
    try:
        finish(proj.root, repo, state, install=install, commit=commit)
    except KeyboardInterrupt:
        updating.abort(repo, proj)
        console.warning(
            "interrupted: the update is undone, the files are as before",
            "if it had started installing, `webkit setup` installs the lock files again",
        )
        raise


def _print_dry_run(repo: Repo, result: updating.Merge, env_set: dict[str, str] | None) -> None:
    out = console.out()
    text = updating.diff(repo, result)
    if text:
        out.print(console.escape(text.rstrip()), highlight=False, soft_wrap=True)
    for path in result.conflicts:
        console.warning(f"would conflict: {path}")
    for key in result.env_keys:
        console.info(f"would add {key} to .env")
    for key in env_set or {}:
        console.info(f"would set {key} in .env")
    console.info("Dry run: nothing was changed.")


def _report(result: updating.Merge) -> None:
    for path, how in sorted(result.changed.items()):
        console.info(f"  {_SHOWN[how]:<9} {console.escape(path)}")
    for path in result.kept_deleted:
        console.info(
            f"  kept deleted {console.escape(path)} (you deleted it; the template changed it)"
        )
    for path in result.kept_changed:
        console.info(
            f"  kept       {console.escape(path)} (the template removed it; you changed it)"
        )
    for path in result.kept_migrations:
        console.info(
            f"  kept       {console.escape(path)} (a migration the project has; the template's "
            "change to it is left out)"
        )
    for key in result.env_keys:
        console.info(f"  added     {key} to .env")


def finish(root: Path, repo: Repo, state: updating.State, *, install: bool, commit: bool) -> None:
    """After a merge without conflicts (or once they are resolved): install what pyproject.toml
    now asks for, migrate, and commit if asked."""
    proj = project.load(root)
    if install:
        problem = virtualenvs.venv_problem(proj.python)
        if problem is not None:
            console.warning(
                f".venv is {problem}, so nothing was installed or migrated",
                "run `webkit setup`: it installs the lock files and migrates",
            )
        else:
            _install_and_migrate(proj, repo, state)
    if not commit:
        console.success(
            f"Applied {state.label}: review it with `git diff --cached` and commit it, or undo "
            "it with `webkit update --abort`."
        )
        return
    repo.git("add", "--", *[p for p in state.written if (root / p).exists()])
    fallback = repo.commit(f"Apply {state.label} (webkit)")
    updating.State.clear(repo)
    console.success(f"Committed {state.label}.")
    if fallback:
        console.warning(git.FALLBACK_WARNING, git.FALLBACK_HINT)


def _install_and_migrate(proj: project.Project, repo: Repo, state: updating.State) -> None:
    before = tuple(tuple(part) for part in (state.dependencies or [[], []]))
    after = tuple(tuple(part) for part in environment.dependency_sets(proj))
    if before != after:
        locks = [proj.lock_file.name, proj.dev_lock_file.name]
        state.written = sorted({*state.written, *locks})
        state.save(repo)
        chosen = installers.select_installer("auto").usable()
        interpreter = interpreters.probe(str(proj.python))
        if interpreter is None:
            raise StepFailed(".venv's Python does not run", "run `webkit setup --recreate`")
        with console.step(
            "Installing what pyproject.toml now asks for", "Installed the new dependencies"
        ) as step:
            count = environment.relock(proj, chosen, interpreter)
            step.note = f"({count} packages in a fresh .venv; the lock files are written again)"
    with console.step("Applying the migrations", "Migrations") as step:
        project_commands.prepare_database(proj)
        before_files = set(repo.untracked())
        merged = project_commands.merge_migration_heads(proj)
        if merged:  # a new migration file of the framework's: part of the update
            new = sorted(set(repo.untracked()) - before_files)
            project_commands.format_new_files(proj, new)
            state.written = sorted({*state.written, *new})
            state.added = sorted({*state.added, *new})
            state.save(repo)
            repo.git("add", "--", *new)
        if project_commands.migrations_pending(proj):
            project_commands.migrate(proj)
            step.done_text = "Applied the new migrations" + (
                " (and merged the template's with yours)" if merged else ""
            )
        else:
            step.done_text = "The database is up to date"
