"""For webkit's developers: after changing a project template, keep its last release and bump
its version, so that every project ever rendered can be rendered again exactly.

    python tools/bump_template.py          # every framework whose template changed
    python tools/bump_template.py --check  # only say what would change; exit 1 if anything

A template whose files differ from the digest recorded for its version is handled so:
- its version is already in HEAD's templates/releases/versions.json (released): HEAD's files of
  that release are kept as differences in templates/releases/<framework>/<version>/ (see
  webkit_cli/template_store.py), the version in cookiecutter.json goes up by one, and the new
  release's digest is recorded;
- its version is new in this working tree (not committed yet): its digest is recorded again.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from webkit_cli import template_store  # noqa: E402

TEMPLATES = REPO / "templates"
VERSIONS = TEMPLATES / template_store.RELEASES / template_store.VERSIONS_FILE


def head_file(relative: str) -> bytes | None:
    result = subprocess.run(
        ["git", "show", f"HEAD:{relative}"], cwd=REPO, capture_output=True, check=False
    )
    return result.stdout if result.returncode == 0 else None


def export_head(framework: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "archive", "--format=tar", "HEAD", f"templates/{framework}"],
        cwd=REPO,
        capture_output=True,
        check=True,
    ).stdout
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "templates" / framework


def keep_release(root: Path, framework: str, version: str, old: Path, new: Path) -> list[str]:
    """Write release `version` (the files in `old`) as its differences from `new`, into the
    releases of the templates folder `root`."""
    old_files, new_files = template_store.template_files(old), template_store.template_files(new)
    kept = root / template_store.RELEASES / framework / version
    written = []
    for relative, path in sorted(old_files.items()):
        other = new_files.get(relative)
        same = (
            other is not None
            and other.read_bytes() == path.read_bytes()
            and (other.stat().st_mode & 0o111 != 0) == (path.stat().st_mode & 0o111 != 0)
        )
        if not same:
            destination = kept / relative
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(path.read_bytes())
            destination.chmod(path.stat().st_mode & 0o777)
            written.append(relative)
    added = sorted(set(new_files) - set(old_files))
    if added:
        kept.with_name(f"{version}.absent").write_text("".join(f"{p}\n" for p in added))
    return written


def set_version(template: Path, version: str, new_version: str) -> None:
    path = template / "cookiecutter.json"
    text = path.read_text(encoding="utf-8")
    data = json.loads(text)
    if str(data.get("template_version")) != version:
        raise SystemExit(f"{path}: template_version is not {version!r}")
    path.write_text(
        text.replace(f'"template_version": "{version}"', f'"template_version": "{new_version}"'),
        encoding="utf-8",
    )
    if template_store.version_of(template) != new_version:
        raise SystemExit(f"{path}: could not set template_version to {new_version!r}")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="change nothing; exit 1 if needed")
    args = parser.parse_args()
    recorded = json.loads(VERSIONS.read_text()) if VERSIONS.is_file() else {}
    released = json.loads(head_file(f"templates/{template_store.RELEASES}/versions.json") or "{}")
    changed = False
    for cookiecutter_json in sorted(TEMPLATES.glob("*/cookiecutter.json")):
        template = cookiecutter_json.parent
        framework = template.name
        version = template_store.version_of(template)
        now = template_store.digest(template)
        if recorded.get(framework, {}).get(version) == now:
            continue
        changed = True
        if args.check:
            print(f"{framework}: template {version} changed")
            continue
        if version not in released.get(framework, {}):
            recorded.setdefault(framework, {})[version] = now
            print(f"{framework}: recorded the digest of unreleased template {version}")
            continue
        with tempfile.TemporaryDirectory() as scratch:
            old = export_head(framework, Path(scratch))
            if template_store.digest(old) != released[framework][version]:
                raise SystemExit(
                    f"{framework}: HEAD's template does not match release {version}'s digest"
                )
            new_version = str(int(version) + 1)
            set_version(template, version, new_version)
            kept = keep_release(TEMPLATES, framework, version, old, template)
        recorded[framework][new_version] = template_store.digest(template)
        print(f"{framework}: kept release {version} ({len(kept)} files); now {new_version}")
    if not args.check:
        VERSIONS.parent.mkdir(parents=True, exist_ok=True)
        VERSIONS.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")
    return 1 if changed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
