"""What `webkit generate` and `webkit destroy` share: the merge of a record change into the
work tree, the migration after it, and what they print (see webkit_cli/generating.py)."""

from __future__ import annotations

from webkit_cli import console, generating, makemigration, resources, virtualenvs, worktree
from webkit_cli.git import Repo
from webkit_cli.project import Project
from webkit_cli.record import Record
from webkit_cli.updating import Merge

_SHOWN = {"added": "added", "modified": "updated", "deleted": "removed"}


def change(
    repo: Repo,
    proj: Project,
    record: Record,
    label: str,
    *,
    removing: bool,
    dry_run: bool,
    migration: tuple[str, resources.Resource] | None,
) -> str | None:
    """Write the change to `record` into the work tree, then (when `migration` says which mode
    and resource) make and apply its migration; the migration's path. Undone if a step fails."""
    command = "webkit destroy" if removing else "webkit generate"
    running = None
    if migration is not None and not dry_run and virtualenvs.venv_problem(proj.python) is None:
        # Started now, it imports the framework while the files are merged and written.
        mode, resource = migration
        running = makemigration.start(
            proj, mode, *generating.migration_values(proj, resource, mode)
        )
    try:
        with generating.merged(repo, proj, record, label, removing=removing) as result:
            if dry_run:
                _report(result, dry_run=True)
                if migration is not None:
                    target, name = generating.migration_values(proj, migration[1], migration[0])
                    console.info(f"  migration for {target}, named {name}, made and applied")
                console.info("Dry run: nothing was changed.")
                return None
            if migration is not None:
                generating.can_migrate(proj, command)
            applied = worktree.apply(proj, result)
    except BaseException:
        if running is not None:
            running.cancel()
        raise
    path = None
    if running is not None:
        try:
            with console.step(
                "Making and applying the migration", "Migration made and applied"
            ) as step:
                path = running.finish()
                step.note = f"({path})"
        except BaseException:
            applied.undo()
            raise
    _report(result, dry_run=False)
    return path


def _report(result: Merge, *, dry_run: bool) -> None:
    would = "would be " if dry_run else ""
    for path, how in sorted(result.changed.items()):
        console.info(f"  {would}{_SHOWN.get(how, how):<9} {console.escape(path)}")
    for path in result.merged_beside:
        console.warning(
            f"{path}: {would}merged beside your own changes there (both kept)",
            "look it over: `git diff` shows it",
        )
    for path in sorted({*result.kept_changed, *result.kept_yours}):
        console.warning(f"kept {path}: you changed it", "remove what is left of it yourself")
