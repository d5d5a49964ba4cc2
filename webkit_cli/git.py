"""The project's git repository, through the git command: the first commit (`webkit new`, or
`webkit setup` after `--no-git`), the lock files a later `webkit setup` writes, and what
`update` and `add` ask of it (Repo). Nothing here prints; every command runs without a shell."""

from __future__ import annotations

import os
import shutil
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from webkit_cli import runner
from webkit_cli.errors import StepFailed, UsageError

# Who the commits are by when git knows no one (no user.email in any git config).
FALLBACK_NAME, FALLBACK_EMAIL = "webkit", "webkit@localhost"
FALLBACK_IDENTITY = f"{FALLBACK_NAME} <{FALLBACK_EMAIL}>"
FALLBACK_WARNING = f"the commit is authored as {FALLBACK_IDENTITY}: git knows no user here"
FALLBACK_HINT = (
    "set yours (git config --global user.name NAME; git config --global user.email EMAIL), "
    "then run `git commit --amend --reset-author --no-edit` in the project"
)


@dataclass(frozen=True)
class Commit:
    what: str  # "repository" (git init and a first commit) or "files"
    fallback_identity: bool  # authored as FALLBACK_IDENTITY: git knows no user here


def _git() -> str:
    git = shutil.which("git")
    if git is None:
        raise StepFailed(
            "git is not installed, so the project has no repository",
            "install git, then run `webkit setup` in the project (or pass --no-git)",
        )
    return git


def _run(argv: list[str], root: Path) -> runner.Result:
    return runner.run(argv, cwd=root, env=runner.child_env())


def _identity(git: str, root: Path) -> list[str]:
    """git's -c options for a commit: none when git knows who the user is."""
    if _run([git, "config", "user.email"], root).ok:
        return []
    return ["-c", f"user.name={FALLBACK_NAME}", "-c", f"user.email={FALLBACK_EMAIL}"]


def _check(result: runner.Result) -> None:
    if not result.ok:
        raise StepFailed(
            f"git failed: {result.tail()}",
            "fix the cause, then run `webkit setup` in the project (it makes the first commit)",
        )


def toplevel(root: Path) -> Path | None:
    """The top of the git repository that holds `root` (the nearest folder at or above it
    with a .git folder or file), or None. Read from the disk rather than asked of git, which
    may refuse to answer (a repository of another user's) without there being none."""
    root = root.resolve()
    return next((d for d in [root, *root.parents] if (d / ".git").exists()), None)


def init(root: Path, message: str) -> Commit:
    """`git init` in `root`, then a first commit of everything that .gitignore lets in."""
    git = _git()
    identity = _identity(git, root)
    for argv in (
        [git, "init", "-q"],
        [git, "add", "-A"],
        [git, *identity, "commit", "-q", "--no-verify", "-m", message],
    ):
        _check(_run(argv, root))
    return Commit("repository", fallback_identity=bool(identity))


def commit_new_files(root: Path, names: list[str], message: str) -> Commit | None:
    """Commit those of `names` (files in `root`, the top of its repository) that git does not
    track yet and does not ignore, and nothing else, whatever else is staged. None: nothing
    to commit."""
    git = _git()
    untracked = _run([git, "ls-files", "--others", "--exclude-standard", "--", *names], root)
    _check(untracked)
    files = [line for line in untracked.output.splitlines() if line.strip()]
    if not files:
        return None
    identity = _identity(git, root)
    _check(_run([git, "add", "--", *files], root))
    _check(_run([git, *identity, "commit", "-q", "--no-verify", "-m", message, "--", *files], root))
    return Commit("files", fallback_identity=bool(identity))


# Files in .git that say an operation is under way, and what to do about each.
_IN_PROGRESS = {
    "MERGE_HEAD": "a merge is in progress: finish it (git commit) or undo it (git merge --abort)",
    "rebase-merge": "a rebase is in progress: finish it (git rebase --continue) or undo it "
    "(git rebase --abort)",
    "rebase-apply": "a rebase or `git am` is in progress: finish it or undo it (--abort)",
    "CHERRY_PICK_HEAD": "a cherry-pick is in progress: finish it or undo it "
    "(git cherry-pick --abort)",
    "REVERT_HEAD": "a revert is in progress: finish it or undo it (git revert --abort)",
    "BISECT_LOG": "a bisect is in progress: end it with git bisect reset",
}


@dataclass(frozen=True)
class Entry:
    """One line of `git ls-files --stage`: an index entry, at stage 0 or (conflict) 1-3."""

    mode: str
    sha: str
    stage: int
    path: str


class Repo:
    def __init__(self, root: Path, git: str):
        self.root = root
        self.binary = git
        self.dir = root / ".git"

    @classmethod
    def of(cls, root: Path, purpose: str) -> Repo:
        """The repository whose top is `root`; a UsageError when there is none (or no git)."""
        git = shutil.which("git")
        if git is None:
            raise UsageError(
                f"git is not installed, and {purpose} needs it",
                "install git (e.g. apt install git), then run the command again",
            )
        repo = cls(root, git)
        top = repo.git("rev-parse", "--show-toplevel", check=False)
        if not top.ok or Path(top.output.strip()).resolve() != root.resolve():
            raise UsageError(
                f"{root} is not the top of a git repository, and {purpose} needs one "
                "(it merges with git, and git can undo it)",
                "git init && git add -A && git commit -m 'Before webkit', then run it again",
            )
        if not repo.git("rev-parse", "--verify", "-q", "HEAD", check=False).ok:
            raise UsageError(
                f"the git repository in {root} has no commit yet",
                "commit the project first (git add -A && git commit), then run it again",
            )
        return repo

    def git(
        self,
        *args: str,
        env: Mapping[str, str] | None = None,
        check: bool = True,
        cwd: Path | None = None,
    ) -> runner.Result:
        result = runner.run(
            [self.binary, *args],
            cwd=cwd or self.root,
            env=runner.child_env({"GIT_TERMINAL_PROMPT": "0", "LC_ALL": "C", **(env or {})}),
            timeout=300,
        )
        if check and not result.ok:
            raise StepFailed(f"git {args[0]} failed: {result.tail()}")
        return result

    def commit(self, message: str) -> bool:
        """Commit what is staged; True when it was authored as FALLBACK_IDENTITY."""
        identity = _identity(self.binary, self.root)
        self.git(*identity, "commit", "-q", "--no-verify", "-m", message)
        return bool(identity)

    def head(self) -> str:
        return self.git("rev-parse", "HEAD").output.strip()

    def in_progress(self) -> str | None:
        """What operation is under way in the repository (merge, rebase, ...), or None."""
        for name, message in _IN_PROGRESS.items():
            if (self.dir / name).exists():
                return message
        return None

    def changed(self) -> list[str]:
        """Tracked files with changes, staged or not (`git status` without untracked files)."""
        output = self.git("status", "--porcelain=v1", "-z", "--untracked-files=no").output
        return sorted({entry[3:] for entry in output.split("\0") if len(entry) > 3})

    def untracked(self) -> list[str]:
        """Files git does not track and does not ignore."""
        output = self.git("ls-files", "--others", "--exclude-standard", "-z").output
        return sorted(filter(None, output.split("\0")))

    def unmerged(self) -> list[str]:
        output = self.git("diff", "--name-only", "--diff-filter=U", "-z").output
        return sorted(filter(None, output.split("\0")))

    def write_tree(self, directory: Path, scratch: Path) -> str:
        """A tree object of the files of `directory` (as git would add them there: its own
        .gitignore applies), written into this repository's object store; nothing else of the
        repository (index, HEAD, work tree) is touched."""
        env = {
            "GIT_DIR": str(self.dir),
            "GIT_INDEX_FILE": str(scratch / "index"),
            "GIT_WORK_TREE": str(directory),
        }
        self.git("add", "-A", "--", ".", env=env, cwd=directory)
        tree = self.git("write-tree", env=env).output.strip()
        (scratch / "index").unlink(missing_ok=True)
        return tree

    def tree_of(self, revision: str) -> str:
        return self.git("rev-parse", f"{revision}^{{tree}}").output.strip()

    def root_commits(self) -> list[tuple[str, str]]:
        """The commits without a parent (normally one): (sha, subject)."""
        output = self.git("log", "--max-parents=0", "--format=%H%x00%s", "HEAD").output
        return [tuple(line.split("\0", 1)) for line in output.splitlines() if "\0" in line]

    def stage(self, entries: Sequence[Entry], removed: Sequence[str]) -> None:
        """Set these index entries (conflict stages included) and drop `removed` from the index,
        leaving the rest of the index as it is."""
        if removed:
            self.git("update-index", "--force-remove", "--", *removed)
        if entries:
            paths = sorted({entry.path for entry in entries})
            # Clear each path's entries first: a path going from stage 0 to stages 1-3.
            lines = [f"0 {'0' * 40}\t{path}" for path in paths]
            lines += [f"{e.mode} {e.sha} {e.stage}\t{e.path}" for e in entries]
            self._index_info(lines)

    def _index_info(self, lines: Sequence[str]) -> None:
        import subprocess

        data = "".join(f"{line}\0" for line in lines).encode()
        completed = subprocess.run(
            [self.binary, "update-index", "-z", "--index-info"],
            cwd=self.root,
            input=data,
            capture_output=True,
            check=False,
            env={**os.environ, "LC_ALL": "C"},
        )
        if completed.returncode != 0:
            raise StepFailed(
                f"git update-index failed: {completed.stderr.decode(errors='replace').strip()}"
            )


def ls_stage(output: str) -> list[Entry]:
    """Parse `git ls-files --stage -z`."""
    entries = []
    for record in filter(None, output.split("\0")):
        meta, path = record.split("\t", 1)
        mode, sha, stage = meta.split()
        entries.append(Entry(mode, sha, int(stage), path))
    return entries
