"""Make and apply one resource's migration in a Flask project (see __init__.py)."""

import json
import os
import re
import signal
import sys
import traceback
from pathlib import Path


def answer(**fields):
    print("WEBKIT-RESULT " + json.dumps(fields), flush=True)


def main():
    package, mode, table, message = sys.argv[1:5]
    # What every Flask project of webkit's imports, loaded while webkit writes the files;
    # the project itself only once they are there (webkit says "go").
    import alembic.autogenerate  # noqa: F401
    import flask_migrate  # noqa: F401
    import flask_sqlalchemy  # noqa: F401
    import pydantic  # noqa: F401
    from flask.cli import ScriptInfo, load_dotenv

    if sys.stdin.readline().strip() != "go":
        return None
    sys.path.insert(0, os.getcwd())

    load_dotenv()  # as `flask db ...` does
    app = ScriptInfo(app_import_path=package).load_app()
    from alembic.autogenerate import compare_metadata
    from alembic.migration import MigrationContext
    from alembic.script import ScriptDirectory
    from flask_migrate import downgrade, migrate, upgrade
    from sqlalchemy import inspect

    with app.app_context():
        extension = app.extensions["migrate"]
        db = extension.db
        config = extension.migrate.get_config(extension.directory)
        script = ScriptDirectory.from_config(config)
        versions = Path(script.versions)
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection)
            current = set(context.get_current_heads())
            if current != set(script.get_heads()):
                return answer(ok=False, kind="pending", message="the database lacks migrations")
            diffs = compare_metadata(
                MigrationContext.configure(connection, opts={"compare_type": False}), db.metadata
            )
            tables_before = set(inspect(connection).get_table_names())
        wanted = "add_table" if mode == "create" else "remove_table"
        ours, others = [], []
        for diff in _flatten(diffs):
            (ours if _table_of(diff) == table else others).append(diff)
        if others:
            shown = ", ".join(_describe(diff) for diff in others[:5])
            return answer(ok=False, kind="other-changes", message=shown)
        if not any(diff[0] == wanted for diff in ours):
            return answer(ok=False, kind="no-change", message=f"{wanted} {table}")
        numbers = [int(m[1]) for p in versions.glob("*.py") if (m := re.match(r"(\d+)_", p.name))]
        rev_id = str(max(numbers, default=0) + 1).zfill(4)
        before = set(versions.glob("*.py"))
        previous = next(iter(current), None) or "base"
        try:
            migrate(message=message, rev_id=rev_id)
            written = sorted(set(versions.glob("*.py")) - before)
            if len(written) != 1:
                raise RuntimeError("flask db migrate wrote no migration")
            upgrade()
        except BaseException as error:
            signal.signal(signal.SIGINT, signal.SIG_IGN)  # the undo finishes
            _undo(db, downgrade, previous, versions, before, tables_before, mode, table)
            if isinstance(error, KeyboardInterrupt):
                return answer(ok=False, kind="interrupted", message="interrupted")
            return answer(ok=False, kind="failed", message=_reason(error))
        path = written[0].relative_to(Path.cwd())
        return answer(ok=True, migration=path.as_posix())


def _undo(db, downgrade, previous, versions, before, tables_before, mode, table):
    """Back to before: the database to the revision it had (and a table this migration created
    without finishing dropped), the new migration file removed."""
    from alembic.migration import MigrationContext
    from sqlalchemy import inspect, text

    try:
        with db.engine.connect() as connection:
            heads = set(MigrationContext.configure(connection).get_current_heads())
        if heads and previous not in heads:
            downgrade(revision=previous)
        with db.engine.begin() as connection:
            made = mode == "create" and table not in tables_before
            if made and table in inspect(connection).get_table_names():
                quoted = connection.dialect.identifier_preparer.quote(table)
                connection.execute(text(f"DROP TABLE {quoted}"))
    finally:
        for path in set(versions.glob("*.py")) - before:
            path.unlink(missing_ok=True)


def _flatten(diffs):
    for diff in diffs:
        if isinstance(diff, list):  # column changes come as lists of tuples
            yield from diff
        else:
            yield diff


def _table_of(diff):
    """The table a difference found by Alembic is about."""
    for item in diff[1:]:
        name = getattr(item, "name", None)
        if diff[0].endswith("_table") and name is not None:
            return name
        parent = getattr(item, "table", None)
        if parent is not None:
            return parent.name
        if isinstance(item, str):
            return item
    return None


def _describe(diff):
    kind = diff[0].replace("_", " ")
    return f"{kind} {_table_of(diff) or ''}".strip()


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
