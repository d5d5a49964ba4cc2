"""The project's git repository: the first commit (`webkit new`, or `webkit setup` after
`--no-git`), and the lock files that a later `webkit setup` writes."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

from webkit_cli import runner
from webkit_cli.errors import StepFailed

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
