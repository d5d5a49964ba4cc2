"""The pristine render of a project: exactly the files `webkit new` wrote for its record.

`render(record, into)` renders the record with the release of the template it names (see
template_store), with placeholders for the secrets it does not record; everything but .env is
then what the project's first commit held, bar the files webkit generates after the render.
"""

from __future__ import annotations

from pathlib import Path

from webkit_cli import scaffold, template_store
from webkit_cli.frameworks import Framework
from webkit_cli.record import Record

# Written after the render (by the installs), not by the template.
GENERATED = ("requirements.lock", "requirements-dev.lock")
# Rendered with the record's placeholders instead of the project's secrets.
PRIVATE = scaffold.SECRET_FILES


def render(record: Record, into: Path) -> Path:
    """Render `record` into `into`, a directory that must not exist yet (or be empty)."""
    into.parent.mkdir(parents=True, exist_ok=True)
    with template_store.release(record.framework, record.template_version) as template:
        return scaffold.render(template, record.values(), into)


def files(root: Path) -> dict[str, bytes]:
    """The files of a render that stand for the project's own (all but .env), by path."""
    return {
        path.relative_to(root).as_posix(): path.read_bytes()
        for path in sorted(root.rglob("*"))
        if path.is_file() and path.relative_to(root).as_posix() not in PRIVATE
    }


def generated(framework: Framework, package: str, path: str) -> bool:
    """Whether the project file `path` (posix, from the root) is one that its tools write
    rather than the template: a lock file, or a migration (`webkit generate` and `destroy`,
    and the user, make them with the framework's own tool). A render lacks them; one that a
    render has is the template's, and compared like any other file."""
    if path in GENERATED:
        return True
    folders = [d.format(package=package).rstrip("/") + "/" for d in framework.migration_dirs]
    return path.startswith(tuple(folders)) and path.endswith(".py")
