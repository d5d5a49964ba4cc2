"""The schema cache end to end (webkit_cli/schema_cache.py): for each template, each setting of
each feature that record.FEATURES has, and a resource generated afterwards, a database that
`webkit new` took from the cache is the one the framework's own migration makes in that same
project: table by table (sqlite_master's SQL), row by row (the migration history, timestamps
aside, Django's content types and permissions), and the framework's tool finds nothing to
apply. The project ends with the same files as one that migrated.

One cache for the whole module: the first project of each case must migrate (so no case is
served another case's database), the second, in another folder, must get it from the cache.
"""

from __future__ import annotations

import contextlib
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.conftest import in_venv, webkit
from webkit_cli import project as projects
from webkit_cli import project_commands, schema_cache
from webkit_cli.record import CHOICES, FEATURES

pytestmark = pytest.mark.e2e

FRAMEWORKS = ("flask", "django")
CACHED = "the migrated database from webkit's cache"
# How `webkit new` turns on each setting of each feature. A feature or a setting that
# record.FEATURES gains without a line here fails test_every_feature_setting_has_a_case.
OPTIONS: dict[tuple[str, str, object], tuple[str, ...]] = {
    ("jobs", "backend", "database"): ("--jobs", "database"),
    ("jobs", "backend", "redis"): ("--jobs", "redis"),
    ("auth", "email_verification", False): ("--auth", "--no-email-verification"),
    ("auth", "email_verification", True): ("--auth", "--email-verification"),
}
# The framework's own word that the database is current: (argv, what its output says).
FRAMEWORK_CHECKS = {
    "flask": [
        (("-m", "flask", "--app", "{package}", "db", "current"), "(head)"),
        (("-m", "flask", "--app", "{package}", "db", "check"), "No new upgrade operations"),
    ],
    "django": [(("manage.py", "migrate", "--check"), "")],
}
# Rows whose values are the time they were written, not what was written.
TIMESTAMPS = {"django_migrations": ("applied",)}


def feature_settings() -> list[tuple[str, str, object]]:
    """Every value of every setting of every feature: a choice's values, a boolean's two."""
    found = []
    for feature, settings in FEATURES.items():
        for key, default in settings.items():
            if (feature, key) in CHOICES:
                values: tuple[object, ...] = CHOICES[(feature, key)]
            elif isinstance(default, bool):
                values = (False, True)
            else:
                values = (default,)
            found += [(feature, key, value) for value in values]
    return found


def test_every_feature_setting_has_a_case():
    missing = [setting for setting in feature_settings() if setting not in OPTIONS]
    assert missing == [], f"add the `webkit new` options of {missing} to OPTIONS"


CASES = [("plain", ())] + [
    (f"{feature}-{key}-{value}".lower(), OPTIONS.get((feature, key, value), ()))
    for feature, key, value in feature_settings()
]


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("schema-cache")
    return folder


def new(where: Path, name: str, framework: str, cache: Path, *options: str, git=False) -> str:
    where.mkdir(parents=True, exist_ok=True)
    result = webkit(
        "new",
        name,
        "--framework",
        framework,
        *(() if git else ("--no-git",)),
        "-y",
        *options,
        cwd=where,
        env={"WEBKIT_CACHE_DIR": str(cache)},
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


def tables(database: Path) -> dict[str, object]:
    """What a database holds: each object's SQL, and each table's rows (sorted; timestamps
    left out). Read as a file nobody writes (no -wal or -shm files made beside it)."""
    with contextlib.closing(sqlite3.connect(f"file:{database}?immutable=1", uri=True)) as db:
        objects = db.execute(
            "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name"
        ).fetchall()
        held: dict[str, object] = {"sqlite_master": objects}
        for kind, name, *_rest in objects:
            if kind != "table" or name.startswith("sqlite_"):
                continue
            columns = [row[1] for row in db.execute(f'PRAGMA table_info("{name}")')]
            kept = [c for c in columns if c not in TIMESTAMPS.get(name, ())]
            listed = ", ".join(f'"{c}"' for c in kept)
            query = f'SELECT {listed} FROM "{name}"'  # noqa: S608 (names from sqlite_master)
            rows = db.execute(query).fetchall()
            held[name] = sorted(rows, key=repr)
        return held


def history(database: Path) -> list:
    held = tables(database)
    return held.get("alembic_version") or held.get("django_migrations") or []


def files(root: Path) -> dict[str, int]:
    """The project's files and folders with their modes: .venv, .git and bytecode aside."""
    found = {}
    for path in sorted(root.rglob("*")):
        relative = path.relative_to(root)
        if relative.parts[0] in {".venv", ".git"} or "__pycache__" in relative.parts:
            continue
        found[relative.as_posix()] = path.lstat().st_mode
    return found


def migrated_again(proj: projects.Project, database: Path) -> Path:
    """The framework's migration, run from nothing in the same project: the restored database
    is set aside first and given back after."""
    aside = database.with_name(database.name + ".restored")
    shutil.move(database, aside)
    project_commands.migrate(proj)
    fresh = database.with_name(database.name + ".migrated")
    shutil.move(database, fresh)
    shutil.move(aside, database)
    return fresh


@pytest.mark.parametrize("framework", FRAMEWORKS)
@pytest.mark.parametrize(("case", "options"), CASES, ids=[c for c, _ in CASES])
def test_a_cached_database_is_the_one_the_migration_makes(
    tmp_path, cache, framework, case, options
):
    migrating = new(tmp_path / "first", "shop", framework, cache, *options)
    assert CACHED not in migrating, f"{case}: served another case's database"
    cached = new(tmp_path / "second", "shop", framework, cache, *options)
    assert CACHED in cached, cached
    # uv's cache had every package: one install, with no migration to wait for
    assert "Installed the dependencies and the dev tools" in cached, cached

    first, root = tmp_path / "first" / "shop", tmp_path / "second" / "shop"
    # The same files as the project that migrated (the database's name and mode included),
    # and the same lock files, though one install wrote both.
    assert files(root) == files(first)
    for lock in ("requirements.lock", "requirements-dev.lock"):
        assert (root / lock).read_text() == (first / lock).read_text(), lock
    proj = projects.load(root)
    database = schema_cache.sqlite_database(proj)
    assert database is not None and database.is_file()
    # The framework's own tool finds nothing to apply, on the database as webkit left it.
    assert project_commands.migrations_pending(proj) is False
    for argv, expected in FRAMEWORK_CHECKS[framework]:
        check = in_venv(root, *proj.framework.argv(argv, package=proj.package))
        assert check.returncode == 0 and expected in check.stdout, check.stdout + check.stderr
    # Against the framework's migration from nothing, in this project.
    fresh = migrated_again(proj, database)
    restored, migrated = tables(database), tables(fresh)
    assert restored.keys() == migrated.keys()
    for name in migrated:
        assert restored[name] == migrated[name], f"{case}: {name} differs"
    assert history(database) and history(database) == history(fresh)
    fresh.unlink()


def test_a_flask_project_of_another_name_gets_the_same_database(tmp_path, cache):
    """Flask's tables do not carry the package's name, so one entry serves every name."""
    new(tmp_path / "a", "orders", "flask", cache)
    out = new(tmp_path / "b", "blog-two", "flask", cache)
    assert CACHED in out
    proj = projects.load(tmp_path / "b" / "blog-two")
    database = schema_cache.sqlite_database(proj)
    assert database == tmp_path / "b" / "blog-two" / "instance" / "blog_two.db"
    fresh = migrated_again(proj, database)
    assert tables(database) == tables(fresh)
    assert project_commands.migrations_pending(proj) is False


def test_a_django_project_of_another_package_migrates(tmp_path, cache):
    """Django's app label is the package: its tables and history differ by name."""
    new(tmp_path / "a", "depot", "django", cache)
    assert CACHED not in new(tmp_path / "b", "store", "django", cache)
    # The same package under another project name is served.
    assert CACHED in new(tmp_path / "c", "Store", "django", cache)


@pytest.mark.parametrize("framework", FRAMEWORKS)
def test_a_resource_generated_on_a_cached_database_migrates_as_on_a_migrated_one(
    tmp_path, cache, framework
):
    new(tmp_path / "first", "shop", framework, cache)
    assert CACHED in new(tmp_path / "second", "shop", framework, cache, git=True)
    root = tmp_path / "second" / "shop"
    generated = webkit(
        "generate",
        "resource",
        "Post",
        "title:str:120",
        "views:int:index",
        "published_on:date?",
        cwd=root,
        env={"WEBKIT_CACHE_DIR": str(cache)},
    )
    assert generated.returncode == 0, generated.stdout + generated.stderr
    proj = projects.load(root)
    database = schema_cache.sqlite_database(proj)
    assert project_commands.migrations_pending(proj) is False
    fresh = migrated_again(proj, database)
    restored, migrated = tables(database), tables(fresh)
    assert restored == migrated
    assert any("post" in str(name) for name in restored)
    assert len(history(database)) >= 1 and history(database) == history(fresh)
    tests = in_venv(root, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", timeout=900)
    assert tests.returncode == 0, tests.stdout[-4000:]
