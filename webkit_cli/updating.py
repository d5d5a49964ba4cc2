"""Bring a change of the record (a newer template release, a feature turned on) into a project
by git's three-way merge, the way `git merge` would, without losing anything the user wrote.

    base   = the pristine render of the record as the project has it (what `webkit new` wrote)
    theirs = the pristine render of the changed record
    ours   = the project's HEAD

The merge runs first in a scratch work tree and index of the project's repository (git
merge-recursive with base as the merge base), so an interrupted or failed merge leaves the
project as it was. `apply` then copies the result into the project: changed files, and the
index entries, with the three stages of each conflict, so that `git status`, `git mergetool`
and editors see an ordinary merge conflict. Rules on top of git's merge:

- a file the user deleted stays deleted, also when the template changed it;
- a file the user changed stays, also when the template removed it;
- a migration the project has is never changed (it may have run on a database): the template's
  change to it is left out and reported; new migrations from the template are added;
- .env is never merged (it is the user's and git-ignored): keys the new render has and .env
  lacks are added to it, nothing else is touched;
- lock files are the project's (the renders have none): `update` writes them again afterwards.

`apply` records what it did in .git/webkit/update.json, for `abort` (undo it all) and for
`--continue` after the user resolved the conflicts.
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path

from webkit_cli import pristine
from webkit_cli.errors import StepFailed, UsageError
from webkit_cli.git import Entry, Repo, ls_stage
from webkit_cli.project import Project
from webkit_cli.record import PLACEHOLDER_SECRETS, Record

# The first commit of a project made by `webkit new`: its tree is the untouched render.
INITIAL_COMMIT = "Initial commit from webkit new"
STATE = "webkit/update.json"


@dataclass
class Merge:
    """The result of a merge in the scratch work tree, not yet in the project."""

    work: Path  # the scratch work tree
    env: dict[str, str]  # GIT_INDEX_FILE and GIT_WORK_TREE of the scratch merge
    trees: tuple[str, str] = ("", "")  # the two renders merged: before and after the change
    changed: dict[str, str] = field(default_factory=dict)  # path -> added/modified/deleted
    conflicts: list[str] = field(default_factory=list)
    kept_deleted: list[str] = field(default_factory=list)  # the user deleted, template changed
    kept_changed: list[str] = field(default_factory=list)  # the user changed, template removed
    # How a Resolver settled conflicts: both sides' lines kept, or the user's file kept whole.
    merged_beside: list[str] = field(default_factory=list)
    kept_yours: list[str] = field(default_factory=list)
    kept_migrations: list[str] = field(default_factory=list)  # the template changed one
    env_keys: list[str] = field(default_factory=list)  # lines the new render's .env adds
    new_env: Path | None = None  # the new render's .env
    env_values: dict[str, str] = field(default_factory=dict)  # its settings

    @property
    def empty(self) -> bool:
        return not self.changed and not self.env_keys


@dataclass
class State:
    """What `apply` did, in .git/webkit/update.json."""

    head: str
    label: str
    written: list[str]  # paths changed or added in the work tree and index
    added: list[str]  # of those, the ones HEAD does not have
    deleted: list[str]
    env_backup: str | None = None  # a copy of .env from before, when the update changed it
    dependencies: list = field(default_factory=list)  # runtime and dev requirements before it

    @classmethod
    def load(cls, repo: Repo) -> State | None:
        path = repo.dir / STATE
        try:
            return cls(**json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            return None
        except (OSError, ValueError, TypeError) as exc:
            raise UsageError(
                f"{path} is not readable ({exc})",
                f"delete it if no update is in progress: rm {path}",
            ) from None

    @classmethod
    def pending(cls, repo: Repo) -> State | None:
        """The update not committed yet, if any. One whose HEAD is gone was committed (or the
        branch moved on): it is over, and its record is removed."""
        state = cls.load(repo)
        if state is not None and state.head != repo.head():
            cls.clear(repo)
            return None
        return state

    def save(self, repo: Repo) -> None:
        path = repo.dir / STATE
        path.parent.mkdir(exist_ok=True)
        tmp = path.with_suffix(".tmp")
        tmp.write_text(json.dumps(asdict(self), indent=2), encoding="utf-8")
        os.replace(tmp, path)

    @staticmethod
    def clear(repo: Repo) -> None:
        (repo.dir / STATE).unlink(missing_ok=True)
        backup = repo.dir / "webkit" / "env.backup"
        backup.unlink(missing_ok=True)


def refuse_if_pending(root: Path, command: str) -> None:
    """A UsageError when an update or add not committed yet is in the project's repository
    (checked before anything else: its merged record would say there is nothing to do)."""
    if (root / ".git" / STATE).is_file():
        repo = Repo.of(root, command)
        if State.pending(repo) is not None:
            check_ready(repo, command)


def check_ready(repo: Repo, command: str) -> None:
    """The repository is in a state an update may start from, or a UsageError says why."""
    if State.pending(repo) is not None:
        raise UsageError(
            "an earlier `webkit update` or `webkit add` is not committed yet",
            "commit it (after resolving any conflicts: `webkit update --continue`), or undo it: "
            "webkit update --abort",
        )
    busy = repo.in_progress()
    if busy:
        raise UsageError(f"cannot run {command}: {busy}", "then run it again")
    changed = repo.changed()
    if changed:
        shown = ", ".join(changed[:5]) + (
            f" and {len(changed) - 5} more" if len(changed) > 5 else ""
        )
        raise UsageError(
            f"cannot run {command}: the git tree has uncommitted changes ({shown})",
            "commit or stash them first (git stash), so that the merge can be undone exactly",
        )


def _base_tree(repo: Repo, project: Project, scratch: Path) -> str:
    """The tree of what `webkit new` wrote for the project's record, lock files left out."""
    record = project.record
    roots = repo.root_commits()
    if record.template_version == "1" and len(roots) == 1 and roots[0][1] == INITIAL_COMMIT:
        # Release 1 changed while it kept its number: its projects' first commit is the truth.
        env = {"GIT_INDEX_FILE": str(scratch / "base-index")}
        repo.git("read-tree", roots[0][0], env=env)
        repo.git("update-index", "--force-remove", "--", *pristine.GENERATED, env=env)
        return repo.git("write-tree", env=env).output.strip()
    base = pristine.render(record, scratch / "base")
    return repo.write_tree(base, scratch)


# Settles git's conflicts its own way before webkit's rules (see worktree.py): given the
# merge and the conflicted paths with their stages, it resolves some and removes them.
Resolver = Callable[[Repo, "Merge", dict[str, dict[int, Entry]]], None]


def merge(
    repo: Repo,
    project: Project,
    record: Record,
    scratch: Path,
    label: str,
    *,
    ours: str | None = None,
    resolve: Resolver | None = None,
) -> Merge:
    """Merge the change from the project's record to `record` into a scratch copy of HEAD (or
    of the tree `ours`)."""
    base = _base_tree(repo, project, scratch)
    theirs_dir = pristine.render(record, scratch / "theirs")
    theirs = repo.write_tree(theirs_dir, scratch)
    work = scratch / "work"
    work.mkdir()
    env = {
        "GIT_DIR": str(repo.dir),
        "GIT_INDEX_FILE": str(scratch / "index"),
        "GIT_WORK_TREE": str(work),
    }
    result = Merge(work=work, env=env, trees=(base, theirs))
    _env_additions(project, theirs_dir, result)
    if base == theirs:
        return result
    head = ours or repo.head()
    repo.git("read-tree", head, env=env)
    repo.git("checkout-index", "--all", env=env)
    repo.git("update-index", "-q", "--refresh", env=env, check=False)
    # The names on git's conflict markers: git looks them up for the commit names it is given.
    labels = {f"GITHEAD_{head}": "your project", f"GITHEAD_{theirs}": label}
    done = repo.git("merge-recursive", base, "--", head, theirs, env={**env, **labels}, check=False)
    if done.returncode not in (0, 1):
        raise StepFailed(f"git could not merge the template's changes: {done.tail()}")
    _settle(repo, project, result, head, resolve)
    return result


def _env_additions(project: Project, rendered: Path, result: Merge) -> None:
    """The settings of the new render's .env that the project's .env lacks."""
    from dotenv import dotenv_values

    new_env, env_file = rendered / ".env", project.root / ".env"
    if not new_env.is_file() or not env_file.is_file():
        return  # no .env here (a fresh clone): `webkit setup` and .env.example make it
    have = dotenv_values(env_file)
    wanted = dotenv_values(new_env)
    result.env_keys = [
        key
        for key, value in wanted.items()
        if key not in have and (value or "") not in PLACEHOLDER_SECRETS.values()
    ]
    result.new_env = new_env
    result.env_values = {key: value or "" for key, value in wanted.items()}


def _settle(
    repo: Repo, project: Project, result: Merge, head: str, resolve: Resolver | None
) -> None:
    """Apply webkit's rules to git's result in the scratch index, then list what changed
    (from `head`)."""
    env = result.env
    stages: dict[str, dict[int, Entry]] = {}
    for entry in ls_stage(repo.git("ls-files", "--stage", "-u", "-z", env=env).output):
        stages.setdefault(entry.path, {})[entry.stage] = entry
    if resolve is not None:
        resolve(repo, result, stages)
    for path, by_stage in stages.items():
        if 2 not in by_stage and 3 in by_stage:  # deleted by the user, changed by the template
            repo.git("update-index", "--force-remove", "--", path, env=env)
            (result.work / path).unlink(missing_ok=True)
            result.kept_deleted.append(path)
        elif 3 not in by_stage and 2 in by_stage:  # removed by the template, changed by the user
            ours = by_stage[2]
            repo.git(
                "update-index", "--add", "--cacheinfo", f"{ours.mode},{ours.sha},{path}", env=env
            )
            repo.git("checkout-index", "-f", "--", path, env=env)
            result.kept_changed.append(path)
    migrations = [
        d.format(package=project.package).rstrip("/") + "/"
        for d in project.framework.migration_dirs
    ]
    status = repo.git("diff-index", "--cached", "--name-status", "-z", head, env=env).output
    fields = status.split("\0")
    for code, path in zip(fields[0::2], fields[1::2], strict=False):
        if not path:
            continue
        in_head = code[:1] not in ("A",)
        if in_head and path.startswith(tuple(migrations)) and code[:1] in ("M", "U", "D"):
            repo.git("reset", "-q", head, "--", path, env=env)
            repo.git("checkout-index", "-f", "--", path, env=env)
            result.kept_migrations.append(path)
            continue
        if code[:1] == "U":
            result.conflicts.append(path)
            result.changed[path] = "conflict"
        else:
            result.changed[path] = {"A": "added", "D": "deleted"}.get(code[:1], "modified")
    result.conflicts.sort()


def diff(repo: Repo, result: Merge) -> str:
    """The change the merge would make, as `git diff` shows it (conflicts with their markers)."""
    return repo.git("diff", "HEAD", "--", *sorted(result.changed), env=result.env).output


def apply(
    repo: Repo,
    project: Project,
    result: Merge,
    label: str,
    env_set: dict[str, str] | None = None,
) -> State:
    """Copy the merge into the project (files and index) and record it; set `env_set` in .env
    (the line it replaces stays, as a comment). On any failure or Ctrl-C the project is put back
    as it was before."""
    head = repo.head()
    added = [p for p, how in result.changed.items() if how == "added"]
    in_the_way = [
        p for p in added if (project.root / p).exists() or (project.root / p).is_symlink()
    ]
    if in_the_way:
        raise UsageError(
            f"the template adds {', '.join(in_the_way)}, and the project has an untracked file "
            "there",
            "move it away (or commit it), then run the command again; nothing was changed",
        )
    deleted = [p for p, how in result.changed.items() if how == "deleted"]
    written = sorted(p for p in result.changed if p not in deleted)
    state = State(head, label, written, added, deleted)
    env_file = project.root / ".env"
    if env_file.is_file():
        backup = repo.dir / "webkit" / "env.backup"
        backup.parent.mkdir(exist_ok=True)
        shutil.copy2(env_file, backup)
        state.env_backup = str(backup)
    state.save(repo)
    try:
        entries = (
            ls_stage(repo.git("ls-files", "--stage", "-z", "--", *written, env=result.env).output)
            if written
            else []
        )
        for path in written:
            _copy(result.work / path, project.root / path)
        for path in deleted:
            (project.root / path).unlink(missing_ok=True)
        repo.stage(entries, deleted)
        if result.env_keys:
            _add_env_keys(env_file, result.new_env, result.env_keys)
        if env_set:
            _set_env(env_file, env_set, label)
    except BaseException:
        abort(repo, project)
        raise
    return state


def _copy(source: Path, destination: Path) -> None:
    destination.parent.mkdir(parents=True, exist_ok=True)
    tmp = destination.with_name(f".{destination.name}.webkit-tmp")
    shutil.copy2(source, tmp)
    os.replace(tmp, destination)


def _add_env_keys(env_file: Path, new_env: Path, keys: list[str]) -> None:
    """Append the lines of `new_env` that set `keys` (and the comments just above them)."""
    lines = new_env.read_text(encoding="utf-8").splitlines()
    block: list[str] = []
    comments: list[str] = []
    for line in lines:
        if line.startswith("#"):
            comments.append(line)
            continue
        key = line.split("=", 1)[0].strip()
        if key in keys:
            block += [*comments, line]
        comments = []
    text = env_file.read_text(encoding="utf-8") if env_file.is_file() else ""
    if text and not text.endswith("\n"):
        text += "\n"
    env_file.write_text(text + "\n".join(block) + "\n", encoding="utf-8")
    env_file.chmod(0o600)


def _set_env(env_file: Path, values: dict[str, str], label: str) -> None:
    """Set these keys in .env; a line it replaces stays, commented out (it may be the only
    copy of a password)."""
    lines = env_file.read_text(encoding="utf-8").splitlines() if env_file.is_file() else []
    out, done = [], set()
    for line in lines:
        key = line.split("=", 1)[0].strip()
        if key in values and not line.lstrip().startswith("#"):
            out.append(f"# Before {label}: {line}")
            if key not in done:
                out.append(f"{key}={values[key]}")
                done.add(key)
            continue
        out.append(line)
    out += [f"{key}={value}" for key, value in values.items() if key not in done]
    env_file.write_text("\n".join(out) + "\n", encoding="utf-8")
    env_file.chmod(0o600)


def abort(repo: Repo, project: Project) -> State | None:
    """Undo what `apply` (and the steps after it) did: the files and index entries it wrote go
    back to HEAD's, those it added go, .env comes back. None when there was nothing to undo."""
    state = State.pending(repo)
    if state is None:
        return None
    added = [p for p in state.added if p]
    if added:
        repo.git("rm", "-q", "--cached", "--ignore-unmatch", "-f", "--", *added)
        for path in added:
            (project.root / path).unlink(missing_ok=True)
            _remove_empty_parents(project.root, path)
    restore = sorted(set(state.written) - set(added) | set(state.deleted))
    if restore:
        repo.git("checkout", "HEAD", "--", *restore)
    if state.env_backup and Path(state.env_backup).is_file():
        shutil.copy2(state.env_backup, project.root / ".env")
    State.clear(repo)
    return state


def _remove_empty_parents(root: Path, path: str) -> None:
    parent = (root / path).parent
    while parent != root and parent.is_dir() and not any(parent.iterdir()):
        parent.rmdir()
        parent = parent.parent
