"""The project templates webkit carries: the current release of each, and every earlier one.

A project records the `template_version` it was rendered from; re-rendering it exactly (the
pristine render, what `update` merges from and `doctor` compares with) needs that version's
files. templates/<framework>/ holds the current release. An earlier release N is kept as what
changed after it: templates/releases/<framework>/<N>/ holds, at their places in the template,
the files whose release-N text differs from release N+1 (or that N+1 removed), and
templates/releases/<framework>/<N>.absent lists the files N+1 added. Release N is rebuilt by
copying the current template and applying those differences from the newest release down to N.

templates/releases/versions.json records each release's digest: a test fails when a template's
files change while its version stays the same, and `python -m webkit_cli.template_store bump`
(for webkit's developers) keeps the release before the change and bumps the version.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from webkit_cli.errors import StepFailed, UsageError

RELEASES = "releases"
VERSIONS_FILE = "versions.json"
# Never part of a template: bytecode a Python run from a source checkout may leave.
_IGNORED_PARTS = frozenset({"__pycache__", ".DS_Store"})


def templates_root() -> Path:
    """templates/ inside the installed wheel, or at the top of a source checkout; or the folder
    WEBKIT_TEMPLATES_DIR names (a copy of it, for working on the templates)."""
    configured = os.environ.get("WEBKIT_TEMPLATES_DIR")
    if configured:
        return Path(configured).expanduser()
    packaged = Path(__file__).resolve().parent / "templates"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "templates"


def current_dir(framework: str) -> Path:
    """The current release of `framework`'s template."""
    path = templates_root() / framework
    if not (path / "cookiecutter.json").is_file():
        raise StepFailed(
            f"the '{framework}' template is missing from this webkit installation ({path})",
            "reinstall webkit: pip install --force-reinstall webkit-cli",
        )
    return path


def version_of(template: Path) -> str:
    """The template_version a template directory declares."""
    try:
        data = json.loads((template / "cookiecutter.json").read_text(encoding="utf-8"))
        return str(data["template_version"])
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise StepFailed(
            f"{template / 'cookiecutter.json'} declares no template_version ({exc})",
            "this is a bug in webkit's template; reinstall webkit or report it",
        ) from None


def current_version(framework: str) -> str:
    return version_of(current_dir(framework))


def known_versions(framework: str) -> list[str]:
    """Every release of `framework`'s template that webkit can render, oldest first."""
    return sorted(_recorded().get(framework, {}), key=_number)


def _number(version: str) -> int:
    return int(version) if str(version).isdigit() else -1


def _recorded() -> dict[str, dict[str, str]]:
    path = templates_root() / RELEASES / VERSIONS_FILE
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def template_files(template: Path) -> dict[str, Path]:
    """The files of a template directory, by their path relative to it (posix)."""
    files = {}
    for path in template.rglob("*"):
        relative = path.relative_to(template)
        if _IGNORED_PARTS.intersection(relative.parts) or relative.suffix == ".pyc":
            continue
        if path.is_file():
            files[relative.as_posix()] = path
    return files


def digest(template: Path) -> str:
    """One hash of a template's files: their paths, contents and executable bits."""
    hasher = hashlib.sha256()
    for relative, path in sorted(template_files(template).items()):
        executable = path.stat().st_mode & 0o111 != 0
        data = path.read_bytes()
        hasher.update(f"{relative}\0{int(executable)}\0{len(data)}\0".encode())
        hasher.update(data)
    return f"sha256:{hasher.hexdigest()}"


def check_version(framework: str, version: str) -> None:
    """UsageError unless webkit can render `version` of `framework`'s template."""
    versions = known_versions(framework) or [current_version(framework)]
    if version not in versions:
        newest = max(versions, key=_number)
        later = _number(version) > _number(newest)
        raise UsageError(
            f"template_version {version!r} of the {framework} template is not one this webkit "
            f"knows (it has {', '.join(versions)})",
            "upgrade webkit: pip install --upgrade webkit-cli"
            if later
            else 'fix [tool.webkit] template_version in pyproject.toml (e.g. "1")',
        )


@contextmanager
def release(framework: str, version: str) -> Iterator[Path]:
    """The template directory of `version`: the current one, or an earlier release rebuilt in a
    temporary directory (removed on exit)."""
    check_version(framework, version)
    current = current_dir(framework)
    if version == version_of(current):
        yield current
        return
    with tempfile.TemporaryDirectory(prefix=f"webkit-{framework}-{version}-") as scratch:
        rebuilt = Path(scratch) / framework
        shutil.copytree(current, rebuilt, ignore=shutil.ignore_patterns(*_IGNORED_PARTS))
        releases = templates_root() / RELEASES / framework
        newer = [v for v in known_versions(framework) if _number(v) >= _number(version)]
        for step in sorted(newer, key=_number, reverse=True):
            if step == version_of(current):
                continue
            _apply(releases, step, rebuilt)
        yield rebuilt


def _apply(releases: Path, version: str, tree: Path) -> None:
    """Turn the template in `tree` (release version+1) into release `version`."""
    absent = releases / f"{version}.absent"
    if absent.is_file():
        for line in absent.read_text(encoding="utf-8").splitlines():
            if line.strip():
                (tree / line.strip()).unlink(missing_ok=True)
    for relative, source in template_files(releases / version).items():
        destination = tree / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, destination)
    for directory in sorted(tree.rglob("*"), key=lambda p: len(p.parts), reverse=True):
        if directory.is_dir() and not any(directory.iterdir()):
            directory.rmdir()
