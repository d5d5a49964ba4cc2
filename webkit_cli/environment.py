"""The environment steps shared by `webkit new` and `webkit setup`: install, lock, and the
migration that runs while the dev tools install (project_commands runs the project's own)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from webkit_cli import bytecode, installers, locks, runner, virtualenvs
from webkit_cli.errors import StepFailed
from webkit_cli.project import Project
from webkit_cli.project_commands import migrate
from webkit_cli.virtualenvs import INCOMPLETE_MARKER


def _lock_differs(project: Project, installer: installers.Installer) -> bool:
    wanted = locks.read_lock(project.dev_lock_file)
    installed = installer.freeze(project.python, project.root)
    return {p.lower() for p in wanted} != {p.lower() for p in installed}


def install_runtime(
    project: Project,
    installer: installers.Installer,
    *,
    upgrade: bool = False,
    pins: list[str] | None = None,
    cache_lacks: bool = False,
    seed: Sequence[str] = (),
) -> int:
    """Install the runtime dependencies and write requirements.lock. Returns the package count.

    `pins`: the exact versions resolved for these dependencies moments ago (resolution.Resolution),
    tried from the installer's cache first; from the index at once where the cache lacks them
    (`cache_lacks`: it could not even resolve them). `seed`: what a .venv created without it gets too (pip), and
    no lock file lists."""
    wanted = [*project.dependencies, *seed]
    if wanted:
        _install(project, installer, wanted, upgrade=upgrade, pins=pins, cache_lacks=cache_lacks)
    runtime = installer.freeze(project.python, project.root)
    _write_runtime_lock(project, installer, runtime)
    return len(runtime)


def _write_runtime_lock(project: Project, installer: installers.Installer, pins: list[str]) -> None:
    locks.write_lock(project.lock_file, pins, installer.name, "Runtime dependencies")


def _write_dev_lock(
    project: Project, installer: installers.Installer, everything: list[str] | None = None
) -> int:
    """requirements-dev.lock: what .venv holds now (`everything`, where the caller has just
    listed it). Returns the package count."""
    if everything is None:
        everything = installer.freeze(project.python, project.root)
    locks.write_lock(
        project.dev_lock_file, everything, installer.name, "Runtime and development dependencies"
    )
    return len(everything)


def behind(lock: Path, latest: Sequence[str]) -> list[tuple[str, str, str]]:
    """How the lock file differs from `latest`, the versions the index resolves now:
    (name, locked version or "none", latest version or "none") for each package that differs."""
    locked = locks.pin_versions(locks.read_lock(lock))
    wanted = locks.pin_versions(latest)
    return [
        (name, locked.get(name, "none"), wanted.get(name, "none"))
        for name in sorted(locked.keys() | wanted.keys())
        if locked.get(name) != wanted.get(name)
    ]


def catch_up(
    project: Project,
    installer: installers.Installer,
    runtime: Sequence[str],
    everything: Sequence[str],
    *,
    migrate_again: bool,
) -> None:
    """Move an environment installed from uv's cache to the newer versions that the index has
    since reported (`runtime`: for the runtime dependencies; `everything`: for those and the dev
    group): install exactly those, rewrite both lock files, and migrate again if asked (a
    runtime package changed: a newer framework may bring migrations of its own).

    An install that fails and leaves .venv exactly as requirements-dev.lock says (uv resolves
    and fetches everything before it changes anything) raises NotCaughtUp: the project is whole,
    with the versions it had. Seen on CI: the index listed a release to `uv pip compile` that
    the install, a moment later, was told did not exist."""
    try:
        installer.install(project.python, list(everything), project.root)
    except StepFailed as exc:
        try:
            kept = installer.freeze(project.python, project.root)
        except StepFailed:
            raise exc from None
        if locks.pin_versions(kept) != locks.pin_versions(locks.read_lock(project.dev_lock_file)):
            raise
        (project.venv / INCOMPLETE_MARKER).unlink(missing_ok=True)
        raise NotCaughtUp(exc.message, exc.hint) from None
    pins = sorted((f"{n}=={v}" for n, v in locks.pin_versions(runtime).items()), key=str.lower)
    _write_runtime_lock(project, installer, pins)
    _write_dev_lock(project, installer)
    if migrate_again:
        migrate(project)


def install_dev(
    project: Project,
    installer: installers.Installer,
    *,
    upgrade: bool = False,
    pins: list[str] | None = None,
    cache_lacks: bool = False,
) -> int:
    """Install the dev group on top and write requirements-dev.lock. Returns the package count.

    `pins`: exact versions of the runtime and dev packages together (resolution.Resolution), as
    install_runtime takes them."""
    if project.dev_dependencies:
        _install(
            project,
            installer,
            project.dev_dependencies,
            upgrade=upgrade,
            pins=pins,
            cache_lacks=cache_lacks,
        )
    return _write_dev_lock(project, installer)


def _install(
    project: Project,
    installer: installers.Installer,
    wanted: Sequence[str],
    *,
    upgrade: bool,
    pins: list[str] | None,
    cache_lacks: bool,
) -> None:
    """Install `wanted`: as `pins` say first, from the installer's cache, or from the index
    where the cache lacks them (an offline attempt would only fail); the ranges from the index
    if that fails."""
    extra = ["--upgrade"] if upgrade else []
    installer.install(
        project.python,
        [*extra, *wanted],
        project.root,
        offline_first=pins,
        cache_lacks=cache_lacks,
    )


def install_from_pyproject(
    project: Project, installer: installers.Installer, *, upgrade: bool = False
) -> int:
    """Install runtime then dev dependencies; write both lock files. Returns the package count.

    In a fresh .venv only: requirements.lock is what .venv holds after the runtime install, so
    anything there before (the dev group, a dependency since removed) would be locked too."""
    install_runtime(project, installer, upgrade=upgrade)
    return install_dev(project, installer, upgrade=upgrade)


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
        beside=lambda: install_dev(project, installer, pins=pins, cache_lacks=cache_lacks),
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
):
    """The schema cache's entry for the first migration of `project` (rendered from `template`
    moments ago, its .venv made and empty) once it has the runtime versions `runtime`; None
    where the cache does not hold it, or does not apply. Never for pip: see
    test_a_project_installed_by_pip_gets_a_database_but_stores_none."""
    from webkit_cli import schema_cache

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
    entry,
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
    _write_runtime_lock(project, installer, runtime_lock)
    count = _write_dev_lock(project, installer, installed)
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

    from webkit_cli import schema_cache

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


def install_from_lock(project: Project, installer: installers.Installer) -> bool:
    """Install exactly the dev lock file; False when the environment already matches it."""
    if not _lock_differs(project, installer):
        return False
    # Exact versions: uv's cache alone serves them when it has them all (no round trip to the
    # index), and the index the rest.
    lock = ["-r", str(project.dev_lock_file)]
    installer.install(project.python, lock, project.root, offline_first=lock)
    return True


class NotCaughtUp(StepFailed):
    """catch_up's install failed, and .venv still holds what the lock files say."""


def dependency_sets(project: Project) -> tuple[list[str], list[str]]:
    """The runtime and dev requirements that pyproject.toml asks for now."""
    return sorted(project.dependencies), sorted(project.dev_dependencies)


def relock(project: Project, installer: installers.Installer, interpreter) -> int:
    """pyproject.toml's dependencies changed (an update, a feature added): a fresh .venv with
    them, keeping each locked version where it still fits, and both lock files written from it.
    Fresh, because a freeze of the old one would lock what it holds besides (the dev group in
    requirements.lock, packages no longer asked for). Returns the package count."""
    old = {
        path: path.read_text(encoding="utf-8") if path.is_file() else ""
        for path in (project.lock_file, project.dev_lock_file)
    }
    virtualenvs.create_venv(interpreter, project.venv, pip=not installer.installs_pip)
    seed = installers.SEED_PACKAGES if installer.installs_pip else ()
    _install_keeping(project, installer, [*project.dependencies, *seed], old[project.lock_file])
    _write_runtime_lock(project, installer, installer.freeze(project.python, project.root))
    _install_keeping(project, installer, project.dev_dependencies, old[project.dev_lock_file])
    return _write_dev_lock(project, installer)


def _install_keeping(
    project: Project, installer: installers.Installer, wanted: list[str], lock: str
) -> None:
    """Install `wanted` with the versions of `lock` as constraints (a package it does not need
    is not installed for them); without them when they no longer fit."""
    if not wanted:
        return
    import tempfile

    with tempfile.TemporaryDirectory(prefix="webkit-relock-") as scratch:
        constraints = Path(scratch) / "constraints.txt"
        pins = [line for line in lock.splitlines() if "==" in line and not line.startswith("#")]
        constraints.write_text("".join(f"{pin}\n" for pin in pins), encoding="utf-8")
        try:
            installer.install(project.python, [*wanted, "-c", str(constraints)], project.root)
            return
        except StepFailed:  # no resolution within them: nothing was installed
            (project.venv / INCOMPLETE_MARKER).unlink(missing_ok=True)
    installer.install(project.python, wanted, project.root)
