"""Write the rendered files: never over a user's edit without --force, atomically, and remember
what was written.

The manifest (`<output>/.webkit-manifest.json`, meant to be committed) records the settings of
the last run and, for each file, the sha256 of the content webkit wrote. On the next run a file
on disk is one of:

- missing: `new`, written;
- the same as the new rendering: `unchanged`, left alone (not even its mtime changes);
- as webkit wrote it (its hash is the recorded one) but the rendering changed (new settings, a
  newer webkit): `update`, overwritten;
- anything else (edited since webkit wrote it, or never written by webkit): `conflict`; the
  diff is shown and nothing at all is written unless --force.

All the new contents go to temporary files next to their targets first; only when every one
of them is on disk are they renamed into place (os.replace), the manifest last. A failure
part-way leaves every file either old or new, never half-written.
"""

from __future__ import annotations

import contextlib
import difflib
import hashlib
import json
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from webkit_cli.deploy.outputs import Rendered
from webkit_cli.errors import StepFailed, UsageError

MANIFEST_NAME = ".webkit-manifest.json"
MANIFEST_FORMAT = 1

NEW = "new"
UNCHANGED = "unchanged"
UPDATE = "update"
CONFLICT = "conflict"


def sha256(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class Change:
    file: Rendered
    status: str
    current: str | None  # what is on disk now, if anything

    @property
    def path(self) -> str:
        return self.file.path

    @property
    def writes(self) -> bool:
        return self.status in (NEW, UPDATE, CONFLICT)

    def diff(self) -> str:
        old = (self.current or "").splitlines(keepends=True)
        new = self.file.content.splitlines(keepends=True)
        lines = difflib.unified_diff(
            old,
            new,
            fromfile="/dev/null" if self.current is None else f"a/{self.path}",
            tofile=f"b/{self.path}",
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


@dataclass
class Manifest:
    path: Path
    settings: dict[str, Any]
    files: dict[str, dict[str, str]]

    def recorded_hash(self, relpath: str) -> str | None:
        entry = self.files.get(relpath)
        return entry.get("sha256") if isinstance(entry, dict) else None

    def to_json(self, version: str) -> str:
        data = {
            "format": MANIFEST_FORMAT,
            "generator": f"webkit {version}",
            "note": "Written by `webkit deploy-config`: the sha256 of each file as webkit "
            "wrote it, so that later runs leave your edits alone. Commit it.",
            "settings": self.settings,
            "files": dict(sorted(self.files.items())),
        }
        return json.dumps(data, indent=2) + "\n"


def manifest_path(root: Path, output: str) -> Path:
    return root / output / MANIFEST_NAME


def load_manifest(path: Path) -> Manifest:
    """The manifest at `path`; an empty one when there is none yet."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return Manifest(path, {}, {})
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None
    try:
        data = json.loads(text)
        if not isinstance(data, dict) or data.get("format") != MANIFEST_FORMAT:
            raise ValueError("not a format-1 manifest")
        settings = data.get("settings", {})
        files = data.get("files", {})
        if not isinstance(settings, dict) or not isinstance(files, dict):
            raise ValueError("settings and files must be objects")
    except ValueError as exc:
        raise UsageError(
            f"{path} is not a manifest webkit can read ({exc})",
            "restore it from git, or delete it: every existing file then counts as edited "
            "and needs --force to be replaced",
        ) from None
    return Manifest(path, settings, files)


def _read(path: Path) -> str | None:
    if path.is_symlink() or (path.exists() and not path.is_file()):
        raise UsageError(
            f"{path} exists and is not a regular file",
            "move it out of the way; webkit writes only regular files",
        )
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or str(exc)
        raise UsageError(f"cannot read {path}: {reason}") from None


def _inside(root: Path, path: Path) -> Path:
    """`path`, refused when a symbolic link on the way leads out of the project."""
    if not path.resolve().is_relative_to(root.resolve()):
        raise UsageError(
            f"{path} leads out of the project through a symbolic link",
            "webkit writes only inside the project: replace the link with a real file or "
            "directory, or choose another --output",
        )
    return path


def plan(root: Path, rendered: Iterable[Rendered], manifest: Manifest) -> list[Change]:
    changes = []
    for file in rendered:
        current = _read(_inside(root, root / file.path))
        if current is None:
            status = NEW
        elif current == file.content:
            status = UNCHANGED
        elif manifest.recorded_hash(file.path) == sha256(current):
            status = UPDATE
        else:
            status = CONFLICT
        changes.append(Change(file, status, current))
    return changes


def _stage(target: Path, content: str, mode: int) -> Path:
    """Write `content` to a temporary file beside `target`; return its path."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".webkit-tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, mode)
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def _mode(path: Path) -> int:
    try:
        return path.stat().st_mode & 0o7777
    except FileNotFoundError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


def apply(
    root: Path, changes: list[Change], manifest: Manifest, settings: dict[str, Any], version: str
) -> bool:
    """Write every change that writes, then the manifest; all or nothing up to the renames.

    Returns False when there was nothing to write at all (not even the manifest).
    """
    for change in changes:
        manifest.files[change.path] = {
            "sha256": sha256(change.file.content),
            "target": change.file.target,
        }
    manifest.settings = settings
    text = manifest.to_json(version)
    if not any(change.writes for change in changes) and _read(manifest.path) == text:
        return False
    staged: list[tuple[Path, Path]] = []
    try:
        for change in changes:
            if change.writes:
                target = root / change.path
                staged.append((_stage(target, change.file.content, _mode(target)), target))
        staged.append((_stage(manifest.path, text, _mode(manifest.path)), manifest.path))
        while staged:
            temporary, target = staged[0]
            os.replace(temporary, target)
            staged.pop(0)
    except BaseException as exc:
        for temporary, _ in staged:
            with contextlib.suppress(OSError):
                temporary.unlink(missing_ok=True)
        if isinstance(exc, OSError):
            raise StepFailed(
                f"writing the deployment files failed: {exc.strerror or exc}",
                "free some space or fix the permissions, then run again",
            ) from None
        raise
    return True
