"""A record change made on the work tree as it is: what `webkit generate` and `webkit destroy`
write, by the same three-way merge as `webkit update` (webkit_cli/updating.py).

For `update`, ours is HEAD and the tree must be clean, so that `--abort` can restore it. A
generator is run in the middle of work: ours is the work tree, uncommitted changes and new
files included, and the result is written there, unstaged, for the user to review and commit
with the rest. Nothing else of the repository changes (index, HEAD). What was written is kept
in memory (`Applied`) until the command has finished its later steps: if one fails, `undo`
puts every file back byte for byte.

Conflicts are settled without markers, because a generator adds code next to the user's:
- generate (`union`): both sides' lines are kept (git merge-file --union), e.g. a model the
  user appended to models.py and the one generate appends there;
- destroy (`yours`): where the user changed what it would remove, the user's file stays as
  it is, and is named.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from webkit_cli import updating
from webkit_cli.errors import StepFailed
from webkit_cli.git import Entry, Repo
from webkit_cli.project import Project
from webkit_cli.record import Record


def tree(repo: Repo, scratch: Path) -> str:
    """The work tree as `git add -A` would commit it, as a tree object (the index untouched)."""
    index = scratch / "worktree-index"
    if (repo.dir / "index").is_file():
        shutil.copy2(repo.dir / "index", index)  # its stat data spares hashing unchanged files
    env = {"GIT_INDEX_FILE": str(index)}
    repo.git("add", "-A", "--", ".", env=env)
    return repo.git("write-tree", env=env).output.strip()


def merge(
    repo: Repo, project: Project, record: Record, scratch: Path, label: str, *, removing: bool
) -> updating.Merge:
    """Merge the change from the project's record to `record` into a copy of the work tree."""
    resolve = keep_yours if removing else union
    ours = tree(repo, scratch)
    return updating.merge(repo, project, record, scratch, label, ours=ours, resolve=resolve)


def union(repo: Repo, result: updating.Merge, stages: dict[str, dict[int, Entry]]) -> None:
    """Both sides of a conflict within a file, the user's lines first."""
    for path, by_stage in list(stages.items()):
        if not {1, 2, 3} <= by_stage.keys():
            continue
        with tempfile.TemporaryDirectory(prefix="webkit-union-") as scratch:
            files = []
            for stage in (2, 1, 3):
                target = Path(scratch) / str(stage)
                target.write_bytes(_blob(repo, by_stage[stage].sha))
                files.append(str(target))
            merged = repo.git("merge-file", "--union", "-p", *files, check=False)
        if merged.returncode < 0:
            raise StepFailed(f"git could not merge {path}: {merged.tail()}")
        (result.work / path).write_text(merged.output, encoding="utf-8")
        repo.git("update-index", "--add", "--", path, env=result.env, cwd=result.work)
        result.merged_beside.append(path)
        del stages[path]


def keep_yours(repo: Repo, result: updating.Merge, stages: dict[str, dict[int, Entry]]) -> None:
    """The user's file as it is, where the user changed what the template removes from it."""
    for path, by_stage in list(stages.items()):
        if not {1, 2, 3} <= by_stage.keys():
            continue
        yours = by_stage[2]
        info = f"{yours.mode},{yours.sha},{path}"
        repo.git("update-index", "--add", "--cacheinfo", info, env=result.env)
        repo.git("checkout-index", "-f", "--", path, env=result.env)
        result.kept_yours.append(path)
        del stages[path]


def _blob(repo: Repo, sha: str) -> bytes:
    import subprocess

    return subprocess.run(
        [repo.binary, "cat-file", "blob", sha], cwd=repo.root, capture_output=True, check=True
    ).stdout


@dataclass
class Applied:
    """What `apply` wrote into the work tree, and what was there before, to undo it."""

    root: Path
    before: dict[str, bytes | None] = field(default_factory=dict)  # None: there was no file
    modes: dict[str, int] = field(default_factory=dict)

    def undo(self) -> None:
        """Every file back as it was; the files it added gone, and their new folders."""
        for path, data in self.before.items():
            target = self.root / path
            if data is None:
                target.unlink(missing_ok=True)
                _remove_empty_parents(self.root, target)
            else:
                _write(target, data, self.modes.get(path))


def apply(project: Project, result: updating.Merge) -> Applied:
    """Write the merge's changes into the work tree (nothing staged). On any failure or Ctrl-C
    the files are put back before it raises."""
    applied = Applied(project.root)
    try:
        for path, how in sorted(result.changed.items()):
            target = project.root / path
            if target.is_file():
                applied.before[path] = target.read_bytes()
                applied.modes[path] = target.stat().st_mode & 0o7777
            else:
                applied.before[path] = None
            if how == "deleted":
                target.unlink(missing_ok=True)
                _remove_empty_parents(project.root, target)
            else:
                source = result.work / path
                _write(target, source.read_bytes(), source.stat().st_mode & 0o7777)
    except BaseException:
        applied.undo()
        raise
    return applied


def _write(target: Path, data: bytes, mode: int | None) -> None:
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".{target.name}.webkit-tmp")
    tmp.write_bytes(data)
    if mode is not None:
        tmp.chmod(mode)
    os.replace(tmp, target)


def _remove_empty_parents(root: Path, target: Path) -> None:
    parent = target.parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
