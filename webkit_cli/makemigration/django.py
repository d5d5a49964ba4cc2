"""Make and apply one resource's migration in a Django project (see __init__.py)."""

import json
import os
import signal
import subprocess
import sys
import traceback
from pathlib import Path


def answer(**fields):
    print("WEBKIT-RESULT " + json.dumps(fields), flush=True)


def main():
    app_label, mode, model, name = sys.argv[1:5]
    # What every Django project of webkit's imports, loaded while webkit writes the files;
    # the project itself only once they are there (webkit says "go").
    import django
    import django.db.migrations.autodetector
    import django.db.models
    import pydantic  # noqa: F401

    if sys.stdin.readline().strip() != "go":
        return None
    sys.path.insert(0, os.getcwd())
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

    django.setup()
    from django.apps import apps
    from django.core.management import call_command
    from django.db import connection
    from django.db.migrations.autodetector import MigrationAutodetector
    from django.db.migrations.executor import MigrationExecutor
    from django.db.migrations.questioner import NonInteractiveMigrationQuestioner
    from django.db.migrations.state import ProjectState

    executor = MigrationExecutor(connection)
    graph = executor.loader.graph
    if executor.migration_plan(graph.leaf_nodes()):
        return answer(ok=False, kind="pending", message="the database lacks migrations")
    detector = MigrationAutodetector(
        executor.loader.project_state(),
        ProjectState.from_apps(apps),
        NonInteractiveMigrationQuestioner(specified_apps=set(), dry_run=True),
    )
    ours, others = [], []
    for label, migrations in detector.changes(graph=graph).items():
        for migration in migrations:
            for operation in migration.operations:
                about = getattr(operation, "model_name", None) or getattr(operation, "name", "")
                mine = label == app_label and about.lower() == model
                (ours if mine else others).append(f"{label}: {operation.describe()}")
    if others:
        return answer(ok=False, kind="other-changes", message=", ".join(others[:5]))
    wanted = "Create model" if mode == "create" else "Delete model"
    if not any(text.split(": ", 1)[1].startswith(wanted) for text in ours):
        return answer(ok=False, kind="no-change", message=f"{wanted} {model}")
    folder = Path(apps.get_app_config(app_label).path) / "migrations"
    before = set(folder.glob("*.py"))
    leaves = [leaf for leaf in graph.leaf_nodes() if leaf[0] == app_label]
    previous = leaves[0][1] if leaves else "zero"
    table = apps.get_model(app_label, model)._meta.db_table if mode == "create" else None
    tables_before = set(connection.introspection.table_names())
    try:
        call_command("makemigrations", app_label, name=name, interactive=False, verbosity=0)
        written = sorted(set(folder.glob("*.py")) - before)
        if len(written) != 1:
            raise RuntimeError("makemigrations wrote no migration")
        # Django does not format what it writes: ruff does, as the project's README says.
        ruff = Path(sys.executable).with_name("ruff")
        subprocess.run([str(ruff), "format", "-q", str(written[0])], check=False)
        call_command("migrate", app_label, interactive=False, verbosity=0)
    except BaseException as error:
        signal.signal(signal.SIGINT, signal.SIG_IGN)  # the undo finishes
        _undo(app_label, previous, folder, before, table, tables_before)
        if isinstance(error, KeyboardInterrupt):
            return answer(ok=False, kind="interrupted", message="interrupted")
        return answer(ok=False, kind="failed", message=_reason(error))
    return answer(ok=True, migration=written[0].relative_to(Path.cwd()).as_posix())


def _undo(app_label, previous, folder, before, table, tables_before):
    """Back to before: the app's migrations to the one it had (and a table this migration
    created without finishing dropped), the new migration file removed."""
    from django.db import connection
    from django.db.migrations.recorder import MigrationRecorder

    try:
        new = {path.stem for path in set(folder.glob("*.py")) - before}
        applied = MigrationRecorder(connection).applied_migrations()
        if any((app_label, stem) in applied for stem in new):
            from django.core.management import call_command

            call_command("migrate", app_label, previous, interactive=False, verbosity=0)
        made = table and table not in tables_before
        if made and table in connection.introspection.table_names():
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE {connection.ops.quote_name(table)}")
    finally:
        for path in set(folder.glob("*.py")) - before:
            path.unlink(missing_ok=True)


def _reason(error):
    lines = [line for line in str(error).splitlines() if line.strip()]
    return lines[0] if lines else type(error).__name__


if __name__ == "__main__":
    try:
        main()
    except Exception as exc:  # the project failed to load: say why, in one line
        traceback.print_exc()
        answer(ok=False, kind="failed", message=_reason(exc))
    # The answer is out and the database's connections are closed: skip the interpreter's
    # teardown of the framework's thousands of objects, a third of a second that `webkit
    # generate` would wait for (measured on a Flask project: 0.33 s to the answer, 0.70 s to
    # the exit).
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)
