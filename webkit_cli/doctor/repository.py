"""What the project keeps in git and beside it: the repository (with .env out of it), the
deploy files against their manifest, and the template the project was made from."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

from webkit_cli.doctor import Check, checks
from webkit_cli.doctor.machine import git_installed
from webkit_cli.errors import WebkitError
from webkit_cli.project import Project


def _git(root: Path, *args: str) -> subprocess.CompletedProcess | None:
    git = shutil.which("git")
    if git is None:
        return None
    try:
        return subprocess.run(
            [git, "-C", str(root), *args],
            capture_output=True,
            text=True,
            timeout=10,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.TimeoutExpired):
        return None


@checks("git")
def git(proj: Project) -> list[Check]:
    tracked = _git(proj.root, "ls-files", "--cached", "--", ".env")
    if tracked is None:
        return [git_installed()]
    if tracked.returncode != 0:
        return [
            Check(
                "git",
                False,
                "the project is not in a git repository",
                "git init && git add -A && git commit -m 'First commit'",
            )
        ]
    if tracked.stdout.strip():
        return [
            Check(
                "git",
                False,
                ".env is tracked by git, so its SECRET_KEY is in the repository's history",
                "git rm --cached .env && git commit -m 'Stop tracking .env', then give .env a "
                "new SECRET_KEY",
            )
        ]
    ignored = _git(proj.root, "check-ignore", "-q", "--", ".env")
    if ignored is not None and ignored.returncode == 1:
        return [
            Check(
                "git",
                False,
                ".env is not git-ignored: `git add -A` would commit its secrets",
                "echo .env >> .gitignore",
            )
        ]
    return [Check("git", True, "a git repository; .env is ignored and not tracked")]


def _manifests(root: Path) -> list[Path]:
    """deploy-config's manifests: in deploy/ (the default --output) or another folder of the
    project, up to two levels down."""
    from webkit_cli.deploy.files import MANIFEST_NAME

    found = [
        path
        for pattern in (f"*/{MANIFEST_NAME}", f"*/*/{MANIFEST_NAME}")
        for path in sorted(root.glob(pattern))
        if not path.relative_to(root).parts[0].startswith(".")
    ]
    return found


def _deploy_problems(proj: Project, manifest_path: Path) -> list[str]:
    from webkit_cli.deploy import files, render
    from webkit_cli.deploy import settings as deploy_settings

    manifest = files.load_manifest(manifest_path)
    problems = []
    targets = set()
    written = {}
    for relpath, entry in sorted(manifest.files.items()):
        path = proj.root / relpath
        targets.add(entry.get("target") if isinstance(entry, dict) else None)
        try:
            content = path.read_text(encoding="utf-8")
        except FileNotFoundError:
            problems.append(f"{relpath} is missing")
            continue
        except (OSError, UnicodeDecodeError):
            problems.append(f"{relpath} cannot be read")
            continue
        if files.sha256(content) != manifest.recorded_hash(relpath):
            problems.append(f"{relpath} was edited since webkit wrote it")
        written[relpath] = content
    if problems:
        return problems
    # Every file is as webkit wrote it: would webkit write the same today (the project, its
    # database or webkit itself may have changed since)?
    output = str(manifest_path.parent.relative_to(proj.root))
    chosen = deploy_settings.from_options(
        {"output": output}, manifest.settings, render.default_app_dir(proj)
    )
    known = tuple(t for t in deploy_settings.TARGETS if t in targets)
    for rendered in render.render(proj, chosen, known, written):
        if manifest.recorded_hash(rendered.path) != files.sha256(rendered.content):
            problems.append(f"{rendered.path} is behind what webkit would write now")
    return problems


@checks("deploy")
def deploy(proj: Project) -> list[Check]:
    manifests = _manifests(proj.root)
    if not manifests:
        return [Check("deploy", True, "no deploy files yet (webkit deploy-config writes them)")]
    problems: list[str] = []
    try:
        for path in manifests:
            problems += _deploy_problems(proj, path)
    except WebkitError as exc:
        return [Check("deploy", False, exc.message, exc.hint)]
    if problems:
        edited = any("edited" in problem for problem in problems)
        shown = "; ".join(problems[:3]) + (
            f"; and {len(problems) - 3} more" if len(problems) > 3 else ""
        )
        fix = (
            "webkit deploy-config --diff shows what webkit would write; --force writes it"
            if edited
            else "webkit deploy-config"
        )
        return [Check("deploy", False, shown, fix)]
    count = sum(len(json.loads(p.read_text(encoding="utf-8")).get("files", {})) for p in manifests)
    return [Check("deploy", True, f"{count} deploy files, as webkit deploy-config wrote them")]


def _number(version: str) -> tuple[int, ...] | None:
    parts = version.split(".")
    return tuple(map(int, parts)) if all(part.isdigit() for part in parts) else None


@checks("template")
def template(proj: Project) -> list[Check]:
    from webkit_cli import scaffold

    table = proj.pyproject.get("tool", {}).get("webkit", {})
    made = str(table.get("template_version", "")).strip()
    try:
        carried_path = scaffold.template_dir(proj.framework.template) / "cookiecutter.json"
        carried = str(json.loads(carried_path.read_text(encoding="utf-8"))["template_version"])
    except (WebkitError, OSError, ValueError, KeyError) as exc:
        message = getattr(exc, "message", None) or str(exc)
        return [
            Check(
                "template",
                False,
                f"cannot read webkit's own template: {message}",
                "pip install --force-reinstall webkit-cli",
            )
        ]
    if not made:
        return [
            Check(
                "template",
                False,
                "pyproject.toml records no [tool.webkit] template_version",
                f'add template_version = "{carried}" under [tool.webkit] if the project is that recent',
            )
        ]
    title = proj.framework.title
    mine, theirs = _number(made), _number(carried)
    if made == carried or (mine is not None and mine == theirs):
        return [
            Check(
                "template", True, f"made from the {title} template {made}, the one webkit carries"
            )
        ]
    if mine is not None and theirs is not None and mine > theirs:
        return [
            Check(
                "template",
                False,
                f"made from the {title} template {made}, newer than this webkit's ({carried})",
                "pip install --upgrade webkit-cli",
            )
        ]
    return [
        Check(
            "template",
            False,
            f"made from the {title} template {made}; webkit carries {carried}",
            "webkit update",
        )
    ]


GROUPS = [git, deploy, template]
