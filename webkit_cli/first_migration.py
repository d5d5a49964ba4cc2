"""A new project's first migration (`webkit new`): beside the dev group's install, or, where
webkit's schema cache holds its database, after one install of everything.

The migration mostly imports, and an import compiles what has no bytecode yet: for a new
project that is most of the framework, seconds of CPU on one core. So the installed packages
get the bytecode webkit's cache holds for them first (bytecode_cache.py), and an embedded
database comes from the schema cache (schema_cache.py) where it holds the one the migration
would make.
"""

from __future__ import annotations

from pathlib import Path

from webkit_cli import bytecode, environment, installers, locks, runner, schema_cache
from webkit_cli.project import Project
from webkit_cli.project_commands import migrate


def install_dev_while_migrating(
    project: Project,
    installer: installers.Installer,
    *,
    unfinished: list[runner.Background],
    pins: list[str] | None = None,
    cache_lacks: bool = False,
    template: Path | None = None,
) -> tuple[int, bool]:
    """Apply the migrations (they need only the runtime packages, installed by now) while the
    dev group installs. Returns the package count, and whether the database came from webkit's
    schema cache.

    `template`: the template that rendered the project moments ago, nothing changed since
    (`webkit new`). An embedded database then comes from webkit's schema cache where it holds
    the one this migration makes (schema_cache.py), and is stored there where it does not.

    What is left once both are done (caching the bytecode the migration wrote) is started in
    the background and added to `unfinished`, for the caller to collect or stop.

    The migration mostly imports, and an import compiles what has no bytecode yet: for a new
    project that is most of the framework, seconds of CPU on one core. So first the installed
    packages get the bytecode that webkit's cache holds for them (see bytecode_cache.py), a
    fraction of a second, while the project's own modules compile on the other core; then,
    while the migration runs, the framework's largest packages, which it imports most of, are
    compiled on the other core where the cache lacked them; and what the migration compiled
    itself is cached after it. uv's install mostly waits on the network and the disk. pip
    compiles as it installs.

    The dev install does not replace a runtime package under the running migration: without
    --upgrade, uv and pip keep installed versions that satisfy the dev group's requirements.
    """
    return _migrating(
        project,
        installer,
        template,
        unfinished,
        beside=lambda: environment.install_dev(
            project, installer, pins=pins, cache_lacks=cache_lacks
        ),
    )


def _migrating(
    project: Project,
    installer: installers.Installer,
    template: Path | None,
    unfinished: list[runner.Background],
    beside=None,
) -> tuple[int, bool]:
    """_first_migration on other threads while `beside` (an install), if given, runs on this
    one: a failure of either, or Ctrl-C, stops what still runs. Returns what `beside` returned
    (0 without it), and whether the database came from the schema cache."""
    import threading
    from concurrent.futures import ThreadPoolExecutor

    stopping = threading.Event()  # set before what runs is stopped: start nothing after it
    with ThreadPoolExecutor(max_workers=3, thread_name_prefix="new") as pool:
        migration = pool.submit(
            _first_migration, project, installer, template, pool, stopping, unfinished
        )
        try:
            count = beside() if beside is not None else 0
            restored = migration.result()  # its StepFailed, if any
        except BaseException:
            stopping.set()
            runner.stop_children()  # Ctrl-C or a failure: what still runs stops too
            raise
    return count, restored


def cached_database(
    project: Project, installer: installers.Installer, runtime: list[str], template: Path
) -> schema_cache.Entry | None:
    """The schema cache's entry for the first migration of `project` (rendered from `template`
    moments ago, its .venv made and empty) once it has the runtime versions `runtime`; None
    where the cache does not hold it, or does not apply. Never for pip: see
    test_a_project_installed_by_pip_gets_a_database_but_stores_none."""
    if installer.compiles_bytecode:
        return None
    entry = schema_cache.lookup(project, template, lock=runtime)
    return entry if entry is not None and entry.present() else None


def install_at_once(
    project: Project,
    installer: installers.Installer,
    *,
    runtime: list[str],
    everything: list[str],
    entry: schema_cache.Entry,
    template: Path,
    unfinished: list[runner.Background],
) -> tuple[int, bool] | None:
    """`webkit new` where uv's cache holds every package of the resolution and webkit's schema
    cache the database their first migration makes (`entry`, from cached_database): the
    runtime and dev packages in one install from uv's cache (`everything`: their exact
    versions; `runtime`: those of the runtime set), as no migration waits for the runtime ones
    alone, then the lock files and the database. Returns the package count, and whether the
    database came from the schema cache (else, an entry found corrupt, the migration ran);
    None where uv's cache lacks a package after all, with nothing installed (the caller
    installs in two steps, migrating between them).

    The lock files are those of the two steps: requirements.lock lists the runtime packages
    as a freeze after their own install would (`everything` keeps each of their versions: the
    resolution checked). The bytecode from webkit's cache, and the project's own, are left
    running in the background, added to `unfinished`."""
    if not installer.install_offline(project.python, everything, project.root):
        return None
    installed = installer.freeze(project.python, project.root)
    wanted = locks.pin_versions(runtime)
    runtime_lock = [pin for pin in installed if locks.pin_name(pin) in wanted]
    environment.write_runtime_lock(project, installer, runtime_lock)
    count = environment.write_dev_lock(project, installer, installed)
    if locks.pin_versions(runtime_lock) == wanted:  # what the entry was looked up for
        # The bytecode that the app's next start (the server, the tests) imports, while the
        # caller asks the index and runs git: `unfinished`, for it to collect or stop.
        started = [
            job
            for job in (
                bytecode.start_restoring(project.python),
                bytecode.start_compiling_project(project.python, project.root),
            )
            if job is not None
        ]
        unfinished.extend(started)
        if entry.restore():
            return count, True
        for job in started:  # a damaged entry: the migration runs, on that bytecode
            job.result(timeout=120)
            unfinished.remove(job)
    return count, _migrating(project, installer, template, unfinished)[1]


def _first_migration(
    project: Project,
    installer: installers.Installer,
    template: Path | None,
    pool,
    stopping,
    unfinished: list[runner.Background],
) -> bool:
    """The first migration of a project whose runtime packages are installed, with the bytecode
    webkit's cache holds for them, as install_dev_while_migrating describes; `pool` runs what
    goes on beside it (its end waits for that), and once `stopping` is set nothing more starts.
    Returns whether the database came from the schema cache."""
    import time

    use_cache = not installer.compiles_bytecode
    # The project's own modules compile on the other core meanwhile (not waited for: what it
    # has not done yet, the migration does).
    pool.submit(bytecode.compile_project, project.python, project.root)
    # Cache hits only, before the migration starts: about 0.1 to 0.3 s for a Flask project,
    # where compiling on the fly costs seconds. Without a migration (its database from the
    # schema cache), what the app's next start imports (the server, the tests) gets it all the
    # same. Started first: the schema cache's look-up runs meanwhile.
    restoring = pool.submit(bytecode.restore_bytecode, project.python) if use_cache else None
    entry = schema_cache.lookup(project, template) if template is not None else None
    if entry is not None and not stopping.is_set() and entry.restore():
        return True  # the pool's end waits for the bytecode
    if restoring is not None:
        restoring.result()
        if stopping.is_set():
            return False
        pool.submit(bytecode.compile_bytecode, project.python, project.framework.precompile)
    if stopping.is_set():
        return False
    since = time.time_ns()
    migrate(project)
    # Kept where the bytecode of what the migration imported goes to webkit's cache too (uv):
    # a project that later gets this database instead of a migration gets that bytecode from
    # the cache as it would have. pip compiles all as it installs.
    if entry is not None and use_cache and not stopping.is_set():
        entry.store()
    if use_cache and not stopping.is_set():
        job = bytecode.start_saving_bytecode(project.python, since)
        if job is not None:
            unfinished.append(job)
    return False
