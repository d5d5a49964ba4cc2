"""For webkit's developers: after changing a project template, keep its last release and bump
its version, so that every project ever rendered can be rendered again exactly.

    python tools/bump_template.py          # every framework whose template changed
    python tools/bump_template.py --check  # only say what would change; exit 1 if anything
    python tools/bump_template.py --base main  # the last release is main's, not HEAD's: a
                                               # branch's (or merge's) changes fold into one

A template whose files differ from the digest recorded for its version gets the next version
(unless this tree has bumped it already), HEAD's release of it is kept as its differences from
this tree in templates/releases/<framework>/<version>/ (see webkit_cli/template_store.py), and
the digest of this tree's release is recorded. Run it again after further changes before you
commit: it writes the kept release again.
"""

from __future__ import annotations

import argparse
import io
import json
import shutil
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


BASE = "HEAD"  # the commit whose templates are the last releases (--base)


def head_file(relative: str) -> bytes | None:
    result = subprocess.run(
        ["git", "show", f"{BASE}:{relative}"], cwd=REPO, capture_output=True, check=False
    )
    return result.stdout if result.returncode == 0 else None


def export_head(framework: str, into: Path) -> Path:
    archive = subprocess.run(
        # all of templates/: a template's files may be links to templates/shared/
        ["git", "archive", "--format=tar", BASE, "templates"],
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
    parser.add_argument(
        "--base", default="HEAD", help="the commit that has the last releases (default HEAD)"
    )
    args = parser.parse_args()
    global BASE
    BASE = args.base
    recorded = json.loads(VERSIONS.read_text()) if VERSIONS.is_file() else {}
    released = json.loads(head_file(f"templates/{template_store.RELEASES}/versions.json") or "{}")
    changed = False
    for cookiecutter_json in sorted(TEMPLATES.glob("*/cookiecutter.json")):
        template = cookiecutter_json.parent
        framework = template.name
        version = template_store.version_of(template)
        now = template_store.digest(template)
        ahead = framework in released and version not in released[framework]
        if recorded.get(framework, {}).get(version) == now and not ahead:
            continue
        if args.check:
            if recorded.get(framework, {}).get(version) != now:
                changed = True
                print(f"{framework}: template {version} changed")
            continue
        if framework not in released:  # a template new in this tree: its first release
            recorded.setdefault(framework, {})[version] = now
            print(f"{framework}: recorded the digest of new template {version}")
            continue
        with tempfile.TemporaryDirectory() as scratch:
            old = export_head(framework, Path(scratch))
            last = template_store.version_of(old)  # the release HEAD has
            if template_store.digest(old) != released[framework].get(last):
                raise SystemExit(
                    f"{framework}: {BASE}'s template does not match release {last}'s digest"
                )
            if version == last:  # changed in place: the next release
                version = str(int(last) + 1)
                set_version(template, last, version)
            # Release `last` as its differences from this tree, written again at each run.
            kept_dir = TEMPLATES / template_store.RELEASES / framework / last
            shutil.rmtree(kept_dir, ignore_errors=True)
            kept_dir.with_name(f"{last}.absent").unlink(missing_ok=True)
            kept = keep_release(TEMPLATES, framework, last, old, template)
        recorded[framework][version] = template_store.digest(template)
        print(f"{framework}: kept release {last} ({len(kept)} files); now {version}")
    if not args.check:
        VERSIONS.parent.mkdir(parents=True, exist_ok=True)
        VERSIONS.write_text(json.dumps(recorded, indent=2, sort_keys=True) + "\n")
    return 1 if changed and args.check else 0


if __name__ == "__main__":
    sys.exit(main())
