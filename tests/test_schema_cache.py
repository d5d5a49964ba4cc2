"""webkit's schema cache (webkit_cli/schema_cache.py): a new project's first migration kept, and
given to the next project made of the same things. What makes a hit, what makes a miss, and
that a damaged entry, a database already there, a server database or an interrupt never cost
a project its migration or leave a stray file. tests/test_e2e_schema_cache.py compares restored
databases with migrated ones for real projects."""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
from pathlib import Path

import pytest

from webkit_cli import environment, first_migration, installers, project, schema_cache
from webkit_cli.record import Record

LOCK = "# Runtime dependencies\nflask==3.1.3\nsqlalchemy==2.1.9\n"


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    folder = tmp_path / "cache"
    monkeypatch.setenv("WEBKIT_CACHE_DIR", str(folder))
    monkeypatch.delenv("WEBKIT_NO_CACHE", raising=False)
    monkeypatch.delenv("DATABASE_URL", raising=False)
    return folder / schema_cache.FOLDER


def make_project(
    where: Path,
    framework: str = "flask",
    package: str = "shop",
    features: dict | None = None,
    lock: str = LOCK,
    url: str | None = None,
) -> project.Project:
    """A project as `webkit new` has it when the migration starts: rendered, .venv made (its
    Python is this one), requirements.lock written, no database yet."""
    from webkit_cli import frameworks

    root = where / package
    (root / ".venv" / "bin").mkdir(parents=True)
    (root / ".venv" / "bin" / "python").symlink_to(sys.executable)
    (root / "requirements.lock").write_text(lock)
    if url is not None:
        (root / ".env").write_text(f"DATABASE_URL={url}\n")
    database = "sqlite" if url is None or url.startswith("sqlite") else "postgres"
    record = Record(
        framework=framework,
        package=package,
        template_version="6",
        answers={"project_name": package, "database": database},
        features=features or {},
    )
    return project.Project(
        root=root,
        framework=frameworks.get(framework),
        package=package,
        answers=dict(record.answers),
        record=record,
    )


def template(where: Path, text: str = "models v1") -> Path:
    folder = where / "template"
    folder.mkdir(exist_ok=True)
    (folder / "cookiecutter.json").write_text('{"template_version": "6"}')
    (folder / "models.py").write_text(text)
    return folder


def migrate_for_real(proj: project.Project, table: str = "item") -> Path:
    """What the framework's migration does here: a database with a table and its history."""
    database = schema_cache.sqlite_database(proj)
    database.parent.mkdir(parents=True, exist_ok=True)
    with sqlite3.connect(database) as connection:
        connection.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, name TEXT)")
        connection.execute("CREATE TABLE alembic_version (version_num VARCHAR(32))")
        connection.execute("INSERT INTO alembic_version VALUES ('0001')")
    connection.close()
    return database


def schema(database: Path) -> list[tuple]:
    with sqlite3.connect(database) as connection:
        rows = connection.execute("SELECT type, name, sql FROM sqlite_master ORDER BY name")
        return rows.fetchall()


def stored(tmp_path: Path, proj: project.Project, tpl: Path) -> schema_cache.Entry:
    entry = schema_cache.lookup(proj, tpl)
    assert entry is not None and not entry.restore()  # nothing cached yet: a miss
    migrate_for_real(proj)
    assert entry.store()
    return entry


def test_the_next_project_of_the_same_ingredients_gets_the_database_without_migrating(
    tmp_path, cache
):
    tpl = template(tmp_path)
    first = make_project(tmp_path / "a")
    entry = stored(tmp_path, first, tpl)
    assert entry.file.is_file() and entry.meta.is_file()

    second = make_project(tmp_path / "b")
    again = schema_cache.lookup(second, tpl)
    assert again is not None and again.key == entry.key
    assert again.restore()
    restored = second.root / "instance" / "shop.db"  # where Flask-SQLAlchemy puts it
    assert restored.read_bytes() == (first.root / "instance" / "shop.db").read_bytes()
    assert schema(restored) == schema(first.root / "instance" / "shop.db")
    assert oct(restored.stat().st_mode & 0o777) == oct(0o644 & ~_umask())
    assert sorted(p.name for p in restored.parent.iterdir()) == ["shop.db"]  # no partial file


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


@pytest.mark.parametrize(
    ("change", "same"),
    [
        ({"features": {"jobs": {"backend": "database"}}}, False),
        ({"features": {"jobs": {"backend": "redis"}}}, False),
        ({"lock": LOCK.replace("2.1.9", "2.1.10")}, False),
        ({"package": "blog"}, True),  # Flask's tables do not carry the package's name
        ({"framework": "django"}, False),
    ],
    ids=["jobs-database", "jobs-redis", "other-versions", "flask-other-name", "django"],
)
def test_what_decides_the_schema_decides_the_entry(tmp_path, cache, change, same):
    tpl = template(tmp_path)
    key = schema_cache.lookup(make_project(tmp_path / "a"), tpl).key
    other = schema_cache.lookup(make_project(tmp_path / "b", **change), tpl).key
    assert (other == key) == same


def test_django_keeps_one_database_per_package_name(tmp_path, cache):
    tpl = template(tmp_path)
    shop = schema_cache.lookup(make_project(tmp_path / "a", "django", "shop"), tpl)
    blog = schema_cache.lookup(make_project(tmp_path / "b", "django", "blog"), tpl)
    assert shop.key != blog.key  # the app label names its tables
    assert shop.database.name == "db.sqlite3"


def test_an_edited_template_is_another_entry(tmp_path, cache):
    proj = make_project(tmp_path / "a")
    before = schema_cache.lookup(proj, template(tmp_path)).key
    after = schema_cache.lookup(proj, template(tmp_path, "models v2")).key
    assert before != after


@pytest.mark.parametrize("damage", ["truncated", "flipped", "no-meta", "bad-meta"])
def test_a_damaged_entry_is_a_miss_and_the_migration_stores_a_whole_one(tmp_path, cache, damage):
    tpl = template(tmp_path)
    entry = stored(tmp_path, make_project(tmp_path / "a"), tpl)
    data = entry.file.read_bytes()
    if damage == "truncated":
        entry.file.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":
        entry.file.write_bytes(data[:-1] + bytes([data[-1] ^ 1]))
    elif damage == "no-meta":
        entry.meta.unlink()
    else:
        entry.meta.write_text("{not json")
    second = make_project(tmp_path / "b")
    again = schema_cache.lookup(second, tpl)
    assert not again.restore()
    assert not (second.root / "instance").exists()  # nothing written into the project
    migrate_for_real(second)
    assert again.store()
    third = make_project(tmp_path / "c")
    assert schema_cache.lookup(third, tpl).restore()
    assert schema(third.root / "instance" / "shop.db") == schema(
        second.root / "instance" / "shop.db"
    )


def test_a_database_already_there_is_never_replaced(tmp_path, cache):
    tpl = template(tmp_path)
    stored(tmp_path, make_project(tmp_path / "a"), tpl)
    proj = make_project(tmp_path / "b")
    entry = schema_cache.lookup(proj, tpl)
    mine = migrate_for_real(proj, table="mine")
    before = mine.read_bytes()
    assert not entry.restore()
    assert mine.read_bytes() == before
    assert schema_cache.lookup(proj, tpl) is None  # and a later look finds nothing to do


def test_a_database_server_or_a_cache_turned_off_is_never_cached(tmp_path, cache, monkeypatch):
    tpl = template(tmp_path)
    server = make_project(tmp_path / "a", url="postgresql+psycopg://127.0.0.1/shop")
    assert schema_cache.lookup(server, tpl) is None
    monkeypatch.setenv("WEBKIT_NO_CACHE", "1")
    assert schema_cache.lookup(make_project(tmp_path / "b"), tpl) is None


def test_a_store_while_another_webkit_stores_is_skipped(tmp_path, cache):
    import fcntl

    tpl = template(tmp_path)
    proj = make_project(tmp_path / "a")
    entry = schema_cache.lookup(proj, tpl)
    migrate_for_real(proj)
    cache.mkdir(parents=True)
    with open(cache / ".lock", "w") as held:
        fcntl.flock(held, fcntl.LOCK_EX)
        assert not entry.store()
    assert not entry.meta.exists()
    assert entry.store()


def test_an_interrupted_restore_leaves_no_database_and_no_partial_file(
    tmp_path, cache, monkeypatch
):
    tpl = template(tmp_path)
    stored(tmp_path, make_project(tmp_path / "a"), tpl)
    proj = make_project(tmp_path / "b")
    entry = schema_cache.lookup(proj, tpl)

    def interrupted(*args):
        raise KeyboardInterrupt

    monkeypatch.setattr(os, "link", interrupted)
    with pytest.raises(KeyboardInterrupt):
        entry.restore()
    assert list((proj.root / "instance").iterdir()) == []


def test_new_restores_the_database_instead_of_migrating_the_second_time(
    tmp_path, cache, monkeypatch
):
    """first_migration.install_dev_while_migrating, as `webkit new` calls it: the first project
    migrates and stores, the second gets the database and no migration runs."""
    from webkit_cli import bytecode

    tpl = template(tmp_path)
    migrated = []

    def migrate(proj):
        migrated.append(proj.root)
        migrate_for_real(proj)

    monkeypatch.setattr(first_migration, "migrate", migrate)
    monkeypatch.setattr(environment, "install_dev", lambda *args, **kwargs: 42)
    for name in ("restore_bytecode", "compile_bytecode", "compile_project"):
        monkeypatch.setattr(bytecode, name, lambda *args: None)
    monkeypatch.setattr(bytecode, "start_saving_bytecode", lambda *args: None)
    uv = installers.UvInstaller("uv")
    first, second = make_project(tmp_path / "a"), make_project(tmp_path / "b")
    assert first_migration.install_dev_while_migrating(first, uv, unfinished=[], template=tpl) == (
        42,
        False,
    )
    assert first_migration.install_dev_while_migrating(second, uv, unfinished=[], template=tpl) == (
        42,
        True,
    )
    assert migrated == [first.root]
    # `webkit setup` and the rest name no template: they always migrate
    third = make_project(tmp_path / "c")
    assert first_migration.install_dev_while_migrating(third, uv, unfinished=[]) == (42, False)
    assert migrated == [first.root, third.root]


def test_a_failed_migration_stores_nothing(tmp_path, cache, monkeypatch):
    from webkit_cli import bytecode
    from webkit_cli.errors import StepFailed

    def migrate(proj):
        schema_cache.sqlite_database(proj).parent.mkdir(parents=True)
        sqlite3.connect(schema_cache.sqlite_database(proj)).close()  # half made
        raise StepFailed("applying the migrations failed: boom")

    monkeypatch.setattr(first_migration, "migrate", migrate)
    monkeypatch.setattr(environment, "install_dev", lambda *args, **kwargs: 42)
    for name in ("restore_bytecode", "compile_bytecode", "compile_project"):
        monkeypatch.setattr(bytecode, name, lambda *args: None)
    with pytest.raises(StepFailed):
        first_migration.install_dev_while_migrating(
            make_project(tmp_path / "a"),
            installers.UvInstaller("uv"),
            unfinished=[],
            template=template(tmp_path),
        )
    assert not cache.exists() or list(cache.glob("*.json")) == []


def test_cache_info_and_clean_cover_the_databases(tmp_path, cache, invoke):
    tpl = template(tmp_path)
    stored(tmp_path, make_project(tmp_path / "a"), tpl)
    stored(tmp_path, make_project(tmp_path / "b", features={"jobs": {"backend": "redis"}}), tpl)
    result = invoke("cache", "info")
    assert result.exit_code == 0, result.output
    assert "flask template 6, no features: 1 database" in result.output
    assert "flask template 6, jobs: 1 database" in result.output
    assert "In all: 2 databases" in result.output
    result = invoke("cache", "clean")
    assert result.exit_code == 0, result.output
    assert "Removed 2 databases" in result.output
    assert not cache.exists()
    assert "Empty." in invoke("cache", "info").output


def test_concurrent_stores_leave_one_whole_entry(tmp_path, cache):
    tpl = template(tmp_path)
    projects = [make_project(tmp_path / str(n)) for n in range(4)]
    entries = [schema_cache.lookup(p, tpl) for p in projects]
    for proj in projects:
        migrate_for_real(proj)
    threads = [threading.Thread(target=entry.store) for entry in entries]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(p.suffix for p in cache.iterdir() if not p.name.startswith(".")) == [
        ".json",
        ".sqlite3",
    ]
    assert not [p for p in cache.iterdir() if p.name.endswith(".partial")]
    fresh = make_project(tmp_path / "fresh")
    assert schema_cache.lookup(fresh, tpl).restore()


@pytest.mark.parametrize(
    ("options", "env", "said"),
    [((), {}, True), (("--db", "postgres"), {}, False), ((), {"WEBKIT_NO_CACHE": "1"}, False)],
    ids=["sqlite", "server", "cache-off"],
)
def test_the_dry_run_says_where_the_database_may_come_from(
    tmp_path, cache, invoke, monkeypatch, options, env, said
):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    result = invoke("new", "shop", "--dry-run", "--no-git", *options, cwd=tmp_path)
    assert result.exit_code == 0, result.output
    assert "Migrate" in result.output
    assert ("from webkit's cache" in result.output) == said
    assert not (tmp_path / "shop").exists() and not cache.exists()  # a dry run writes nothing


def test_a_project_installed_by_pip_gets_a_database_but_stores_none(tmp_path, cache, monkeypatch):
    """pip compiles everything as it installs, so webkit's bytecode cache gets nothing from its
    projects' migrations: a database stored from one would give a later uv project no bytecode
    for what its app imports. Such a project migrates and stores nothing; it may still get a
    database that a uv project stored."""
    from webkit_cli import bytecode

    tpl = template(tmp_path)
    migrated = []
    monkeypatch.setattr(
        first_migration, "migrate", lambda proj: migrated.append(migrate_for_real(proj))
    )
    monkeypatch.setattr(environment, "install_dev", lambda *args, **kwargs: 7)
    for name in ("restore_bytecode", "compile_bytecode", "compile_project"):
        monkeypatch.setattr(bytecode, name, lambda *args: None)
    monkeypatch.setattr(bytecode, "start_saving_bytecode", lambda *args: None)
    pip, uv = installers.PipInstaller(), installers.UvInstaller("uv")
    run = first_migration.install_dev_while_migrating
    assert run(make_project(tmp_path / "a"), pip, unfinished=[], template=tpl) == (7, False)
    assert not cache.exists() or list(cache.glob("*.json")) == []
    assert run(make_project(tmp_path / "b"), uv, unfinished=[], template=tpl) == (7, False)
    assert run(make_project(tmp_path / "c"), pip, unfinished=[], template=tpl) == (7, True)
    assert len(migrated) == 2


# ---------------------------------------------------------------------------------------------
# One install where the database comes from the cache (first_migration.install_at_once)

RUNTIME_PINS = ["flask==3.1.3", "pip==26.3", "sqlalchemy==2.1.9"]
EVERYTHING_PINS = [*RUNTIME_PINS, "pytest==9.0.1", "ruff==0.15.0"]


class CachedUv(installers.UvInstaller):
    """uv whose cache holds `have`: an offline install of pins it lacks installs nothing and
    fails; else each package gets its metadata in site-packages, and freeze lists them."""

    def __init__(self, site: Path, have: set[str]):
        super().__init__("uv")
        self.site, self.have, self.runs = site, have, []

    def offline_argv(self, python, args):
        return ["uv-offline", *args]

    def freeze(self, python, cwd):
        found = sorted(p.name.removesuffix(".dist-info") for p in self.site.glob("*.dist-info"))
        return [line.replace("-", "==", 1) for line in found if not line.startswith("pip-")]


@pytest.fixture
def cached_uv(monkeypatch):
    from webkit_cli import runner

    real_run = runner.run

    def make(proj: project.Project, have: set[str]) -> CachedUv:
        site = proj.venv / "lib" / "python3.11" / "site-packages"
        site.mkdir(parents=True, exist_ok=True)
        uv = CachedUv(site, have)

        def run(argv, **kwargs):
            if argv[0] != "uv-offline":
                return real_run(argv, **kwargs)
            uv.runs.append(list(argv))
            pins = argv[1:]
            if not set(pins) <= uv.have:
                return runner.Result(list(argv), 2, "error: not in the cache (offline)")
            for pin in pins:
                (site / (pin.replace("==", "-") + ".dist-info")).mkdir()
            return runner.Result(list(argv), 0, "")

        monkeypatch.setattr(runner, "run", run)
        return uv

    return make


def test_with_the_database_cached_new_installs_everything_at_once(
    tmp_path, cache, monkeypatch, cached_uv
):
    """One install of the runtime and dev packages, the lock files that two installs would
    have written (requirements.lock: the runtime packages alone, pip aside), the database from
    the cache and no migration."""
    from webkit_cli import bytecode

    tpl = template(tmp_path)
    runtime_lock = "".join(f"{p}\n" for p in RUNTIME_PINS if not p.startswith("pip"))
    stored(tmp_path, make_project(tmp_path / "a", lock=runtime_lock), tpl)
    migrated, started = [], []
    monkeypatch.setattr(first_migration, "migrate", migrated.append)
    for name in ("start_restoring", "start_compiling_project"):
        monkeypatch.setattr(bytecode, name, lambda *args, name=name: started.append(name))
    proj = make_project(tmp_path / "b", lock="")
    (proj.root / "requirements.lock").unlink()  # `new` writes it: here, at once
    uv = cached_uv(proj, set(EVERYTHING_PINS))

    entry = first_migration.cached_database(proj, uv, RUNTIME_PINS, tpl)
    assert entry is not None
    outcome = first_migration.install_at_once(
        proj,
        uv,
        runtime=RUNTIME_PINS,
        everything=EVERYTHING_PINS,
        entry=entry,
        template=tpl,
        unfinished=[],
    )
    assert outcome == (4, True)
    assert uv.runs == [["uv-offline", *EVERYTHING_PINS]]
    assert migrated == []
    assert started == ["start_restoring", "start_compiling_project"]  # left to run meanwhile
    assert schema(schema_cache.sqlite_database(proj))  # the cached database, tables and all
    from webkit_cli import locks

    assert locks.read_lock(proj.lock_file) == ["flask==3.1.3", "sqlalchemy==2.1.9"]
    assert locks.read_lock(proj.dev_lock_file) == [
        "flask==3.1.3",
        "pytest==9.0.1",
        "ruff==0.15.0",
        "sqlalchemy==2.1.9",
    ]
    assert not (proj.venv / ".webkit-install-incomplete").exists()


def test_no_one_install_without_the_database_in_the_cache_or_with_pip(tmp_path, cache):
    tpl = template(tmp_path)
    proj = make_project(tmp_path / "a")
    uv = installers.UvInstaller("uv")
    assert first_migration.cached_database(proj, uv, RUNTIME_PINS, tpl) is None  # not stored yet
    stored(tmp_path, make_project(tmp_path / "b"), tpl)
    runtime = ["flask==3.1.3", "sqlalchemy==2.1.9"]
    assert first_migration.cached_database(proj, uv, runtime, tpl) is not None
    assert (
        first_migration.cached_database(proj, uv, ["flask==3.1.2", "sqlalchemy==2.1.9"], tpl)
        is None
    )
    assert first_migration.cached_database(proj, installers.PipInstaller(), runtime, tpl) is None


def test_a_package_missing_from_uv_s_cache_installs_nothing_and_leaves_it_to_two_steps(
    tmp_path, cache, cached_uv
):
    """uv's cache resolved (it has the index's pages) but lacks a wheel: nothing installed,
    no lock file, no database, no marker of a torn install; the caller installs in two steps."""
    tpl = template(tmp_path)
    stored(tmp_path, make_project(tmp_path / "a"), tpl)
    proj = make_project(tmp_path / "b")
    (proj.root / "requirements.lock").unlink()
    uv = cached_uv(proj, set(EVERYTHING_PINS) - {"ruff==0.15.0"})
    runtime = ["flask==3.1.3", "sqlalchemy==2.1.9"]
    entry = first_migration.cached_database(proj, uv, runtime, tpl)
    outcome = first_migration.install_at_once(
        proj,
        uv,
        runtime=runtime,
        everything=EVERYTHING_PINS,
        entry=entry,
        template=tpl,
        unfinished=[],
    )
    assert outcome is None
    assert list(uv.site.iterdir()) == []
    assert sorted(p.name for p in proj.root.iterdir()) == [".venv"]
    assert not (proj.venv / ".webkit-install-incomplete").exists()


def test_an_offline_install_that_fails_halfway_is_an_error_and_marks_the_venv(
    tmp_path, monkeypatch
):
    """A failure after uv began to install (a full disk, say) is no cache miss: the install
    fails, and the .venv stays marked for `webkit setup` to recreate."""
    from webkit_cli import runner
    from webkit_cli.errors import StepFailed

    python = tmp_path / ".venv" / "bin" / "python"
    site = tmp_path / ".venv" / "lib" / "python3.11" / "site-packages"
    site.mkdir(parents=True)

    def run(argv, **kwargs):
        (site / "flask-3.1.3.dist-info").mkdir()
        return runner.Result(list(argv), 2, "error: No space left on device (os error 28)")

    monkeypatch.setattr(runner, "run", run)
    with pytest.raises(StepFailed, match="No space left"):
        installers.UvInstaller("uv").install_offline(python, ["flask==3.1.3"], tmp_path)
    assert (tmp_path / ".venv" / ".webkit-install-incomplete").exists()


def test_a_damaged_entry_found_after_the_one_install_means_a_migration(
    tmp_path, cache, monkeypatch, cached_uv
):
    """The entry was there when `new` chose one install, and turned out damaged: the bytecode
    is restored first, then the migration runs as without the cache, and stores a whole one."""
    from webkit_cli import bytecode

    class Job:
        def __init__(self, name):
            self.name = name

        def result(self, timeout=None):
            events.append(f"{self.name} collected")

    tpl = template(tmp_path)
    entry = stored(tmp_path, make_project(tmp_path / "a"), tpl)
    events: list[str] = []
    monkeypatch.setattr(bytecode, "start_restoring", lambda *args: Job("restore"))
    monkeypatch.setattr(bytecode, "start_compiling_project", lambda *args: Job("compile"))
    for name in ("restore_bytecode", "compile_bytecode", "compile_project"):
        monkeypatch.setattr(bytecode, name, lambda *args: None)
    monkeypatch.setattr(bytecode, "start_saving_bytecode", lambda *args: None)
    monkeypatch.setattr(
        first_migration,
        "migrate",
        lambda proj: events.append("migrate") or migrate_for_real(proj, "again"),
    )
    proj = make_project(tmp_path / "b")
    (proj.root / "requirements.lock").unlink()
    uv = cached_uv(proj, set(EVERYTHING_PINS))
    runtime = ["flask==3.1.3", "sqlalchemy==2.1.9"]
    found = first_migration.cached_database(proj, uv, runtime, tpl)
    assert found is not None
    entry.file.write_bytes(entry.file.read_bytes()[:100])  # damaged since
    unfinished: list = []
    outcome = first_migration.install_at_once(
        proj,
        uv,
        runtime=runtime,
        everything=EVERYTHING_PINS,
        entry=found,
        template=tpl,
        unfinished=unfinished,
    )
    assert outcome == (4, False)
    assert events == ["restore collected", "compile collected", "migrate"]
    assert unfinished == []
    assert any("again" in str(row) for row in schema(schema_cache.sqlite_database(proj)))
    assert schema_cache.lookup(make_project(tmp_path / "c"), tpl).restore()  # stored whole
