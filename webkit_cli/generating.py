"""`webkit generate` and `webkit destroy`: what they check before anything is written, the
record change they make, and the merge that writes it (webkit_cli/worktree.py).

A resource or an app is a record change, like `webkit add`: the record gains (or loses) an
entry, and the difference between the two pristine renders is merged into the work tree.
Every refusal here comes before anything is written (exit 2, nothing changed).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from webkit_cli import apps, inflection, resources, template_store, updating, worktree
from webkit_cli.errors import UsageError
from webkit_cli.git import Repo
from webkit_cli.project import Project
from webkit_cli.record import Record

_CLASS = re.compile(r"^class\s+(\w+)\s*[(:]", re.MULTILINE)
_TABLE = re.compile(r"""(?:__tablename__|db_table)\s*=\s*["'](\w+)["']""")


def ready(proj: Project, command: str) -> Repo:
    """The project's repository, when a record change may start: the record at the release
    webkit carries, no update half done, no merge or rebase under way."""
    record = proj.record
    updating.refuse_if_pending(proj.root, command)
    current = template_store.current_version(record.framework)
    if record.template_version != current:
        raise UsageError(
            f"the project has {record.framework} template release {record.template_version}, "
            f"and {command} writes with release {current}",
            "update it first: webkit update (then commit), then run it again",
        )
    repo = Repo.of(proj.root, command)
    busy = repo.in_progress()
    if busy:
        raise UsageError(f"cannot run {command}: {busy}", "then run it again")
    return repo


def can_migrate(proj: Project, command: str) -> None:
    """A UsageError unless the project's .venv runs: the migration is made with it."""
    from webkit_cli import virtualenvs

    problem = virtualenvs.venv_problem(proj.python)
    if problem is not None:
        raise UsageError(
            f".venv is {problem}, and {command} makes the migration with it",
            "repair it with `webkit setup`, or pass --no-migrate and make it later",
        )


def new_resource(
    proj: Project, name: str, specs: list[str], plural: str | None
) -> tuple[resources.Resource, Record]:
    """The resource the user asked for and the record with it, or a UsageError saying why not:
    a name or a field that cannot be, or that the project has already."""
    record = proj.record
    resource = resources.parse(name, specs, plural)
    known = record.parsed_resources()
    fw = proj.framework
    example = resources.parse(fw.example_resource, ["name:str"])
    for other in [*known, example]:
        shared = resources.same(resource, other)
        if shared:
            what = "the example model" if other is example else "a resource"
            raise UsageError(
                f"'{name}' would share its {shared} with {what} the project has, "
                f"{other.class_name}",
                "choose another name (webkit destroy resource NAME removes a generated one)",
            )
    if resource.class_name in fw.reserved_classes:
        raise UsageError(
            f"'{name}' would be the class {resource.class_name}, a name the project's "
            "models or pages import already",
            f"choose another name, e.g. '{resource.class_name}Entry'",
        )
    defined, tables = _models_of(proj)
    if resource.class_name in defined:
        raise UsageError(
            f"{proj.package}/models.py defines a class {resource.class_name} already",
            "choose another name, or make it yourself: it is your model",
        )
    table = fw.resource_table.format(
        snake=resource.snake, model=resource.class_name.lower(), package=proj.package
    )
    if table in tables:
        raise UsageError(
            f"'{name}' would have the table '{table}', which a model of the project has",
            "choose another name",
        )
    url = resources.template_values(resource, [resource])["url"]
    if url in fw.reserved_urls or url in ("docs", "openapi.json"):
        raise UsageError(
            f"'{name}' would be served under /{url}/, a URL the project uses already",
            "choose another name, or another plural with --plural",
        )
    for field in resource.fields:
        if field.ref is None:
            continue
        target = resources.find([*known, resource], field.ref)
        if target is None:
            names = ", ".join(r.name for r in known) or "none yet"
            raise UsageError(
                f"field '{field.spec}' refers to '{field.ref}', which is not a resource of "
                f"the project (it has: {names})",
                f"generate {field.ref} first, then {name}",
            )
        if target is resource and not field.optional:
            raise UsageError(
                f"field '{field.spec}' refers to {resource.class_name} itself and is required: "
                "the first one could refer to none",
                f"make it optional: {field.spec}?",
            )
    changed = record.replace(resources=(*record.resources, resource.record()))
    return resource, changed


def _models_of(proj: Project) -> tuple[set[str], set[str]]:
    """The classes that models.py defines, and the tables the package's code names."""
    package = proj.root / proj.package
    classes: set[str] = set()
    tables: set[str] = {"alembic_version", "django_migrations"}
    models = package / "models.py"
    if models.is_file():
        text = models.read_text(encoding="utf-8", errors="replace")
        classes = set(_CLASS.findall(text))
        tables |= {
            proj.framework.resource_table.format(
                snake="_".join(inflection.words(name)), model=name.lower(), package=proj.package
            )
            for name in classes
        }
    for path in package.rglob("*.py"):
        try:
            tables |= set(_TABLE.findall(path.read_text(encoding="utf-8", errors="replace")))
        except OSError:
            continue
    return classes, tables


def new_app(proj: Project, name: str) -> Record:
    """The record with the app `name`, or a UsageError saying why it cannot be."""
    record = proj.record
    apps.check(name)
    taken = {app["name"] for app in record.apps} | {proj.package}
    taken |= {r.plural for r in record.parsed_resources()}
    if name in taken:
        raise UsageError(
            f"'{name}' is taken in this project (an app, a resource's module, or the package)",
            "choose another name",
        )
    if name in proj.framework.reserved_urls:
        raise UsageError(
            f"'{name}' would be served under /{name}/, a URL the project uses", "choose another"
        )
    # A Django app sits beside the project's package; a Flask blueprint inside it.
    folder = proj.root if proj.framework.name == "django" else proj.root / proj.package
    if (folder / name).exists() or (folder / f"{name}.py").exists():
        raise UsageError(
            f"{(folder / name).relative_to(proj.root)} is in the project already",
            "choose another name",
        )
    return record.replace(apps=(*record.apps, {"name": name}))


def removed_resource(proj: Project, name: str) -> tuple[resources.Resource, Record]:
    """The recorded resource `name` and the record without it, or a UsageError."""
    record = proj.record
    known = record.parsed_resources()
    resource = resources.find(known, name)
    if resource is None:
        names = ", ".join(r.name for r in known) or "none"
        raise UsageError(
            f"the project has no generated resource '{name}' (it has: {names})",
            "webkit destroy resource removes what `webkit generate resource` made",
        )
    for other in known:
        if other is resource:
            continue
        for field in other.fields:
            if field.ref and resources.find([resource], field.ref):
                raise UsageError(
                    f"{other.name} refers to {resource.name} ({field.spec})",
                    f"destroy {other.name} first (or remove that field), then {resource.name}",
                )
    index = known.index(resource)
    remaining = record.resources[:index] + record.resources[index + 1 :]
    return resource, record.replace(resources=remaining)


@contextmanager
def merged(
    repo: Repo, proj: Project, record: Record, label: str, *, removing: bool
) -> Iterator[updating.Merge]:
    """The merge of the change to `record` into a copy of the work tree (in a scratch folder
    that goes on exit); a UsageError when a file it adds is in the project already."""
    import tempfile

    with tempfile.TemporaryDirectory(prefix="webkit-generate-") as scratch:
        result = worktree.merge(repo, proj, record, Path(scratch), label, removing=removing)
        if not removing:
            base, theirs = result.trees
            added = repo.git(
                "diff-tree", "-r", "-z", "--name-only", "--diff-filter=A", base, theirs
            )
            existing = [
                p for p in filter(None, added.output.split("\0")) if (proj.root / p).exists()
            ]
            if existing:
                raise UsageError(
                    f"{label} would write {', '.join(existing[:3])}, which the project has already",
                    "choose another name, or move that file away",
                )
        yield result


def migration_values(proj: Project, resource: resources.Resource, mode: str) -> tuple[str, str]:
    """What the migration scripts are given: the table or model they must be about, and the
    migration's name."""
    fw = proj.framework
    values = {
        "snake": resource.snake,
        "model": resource.class_name.lower(),
        "package": proj.package,
    }
    name = fw.migration_names[0 if mode == "create" else 1].format(**values)
    return fw.migration_target.format(**values), name
