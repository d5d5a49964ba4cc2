"""The environment steps shared by `webkit new` and `webkit setup`: install, lock, database,
migrate."""

from __future__ import annotations

from webkit_cli import runner, venvs
from webkit_cli.errors import StepFailed
from webkit_cli.project import Project


def _lock_differs(project: Project, installer: venvs.Installer) -> bool:
    wanted = venvs.read_lock(project.dev_lock_file)
    installed = installer.freeze(project.python, project.root)
    return {p.lower() for p in wanted} != {p.lower() for p in installed}


def install_runtime(project: Project, installer: venvs.Installer, *, upgrade: bool = False) -> int:
    """Install the runtime dependencies and write requirements.lock. Returns the package count."""
    if project.dependencies:
        extra = ["--upgrade"] if upgrade else []
        installer.install(project.python, [*extra, *project.dependencies], project.root)
    runtime = installer.freeze(project.python, project.root)
    venvs.write_lock(project.lock_file, runtime, installer.name, "Runtime dependencies")
    return len(runtime)


def install_dev(project: Project, installer: venvs.Installer, *, upgrade: bool = False) -> int:
    """Install the dev group on top and write requirements-dev.lock. Returns the package count."""
    if project.dev_dependencies:
        extra = ["--upgrade"] if upgrade else []
        installer.install(project.python, [*extra, *project.dev_dependencies], project.root)
    everything = installer.freeze(project.python, project.root)
    venvs.write_lock(
        project.dev_lock_file, everything, installer.name, "Runtime and development dependencies"
    )
    return len(everything)


def install_from_pyproject(
    project: Project, installer: venvs.Installer, *, upgrade: bool = False
) -> int:
    """Install runtime then dev dependencies; write both lock files. Returns the package count."""
    install_runtime(project, installer, upgrade=upgrade)
    return install_dev(project, installer, upgrade=upgrade)


def install_dev_while_migrating(project: Project, installer: venvs.Installer) -> int:
    """Apply the migrations (they need only the runtime packages, installed by now) while the
    dev group installs, and while the framework's largest packages are compiled to bytecode on
    the other core. The migration mostly compiles and imports; the install mostly waits on the
    network and the disk; so the three take about as long as the migration alone, which is
    itself shorter when part of what it imports is compiled by then. Returns the package count.

    The dev install does not replace a runtime package under the running migration: without
    --upgrade, uv and pip keep installed versions that satisfy the dev group's requirements.
    """
    from concurrent.futures import ThreadPoolExecutor

    site = venvs.site_packages(project.venv)
    heavy = [site / part for part in project.framework.precompile] if site else []
    heavy = [path for path in heavy if path.is_dir()]
    with ThreadPoolExecutor(max_workers=2, thread_name_prefix="new") as pool:
        migration = pool.submit(migrate, project)
        if heavy and not installer.compiles_bytecode:
            pool.submit(venvs.compile_bytecode, project.python, heavy)
        try:
            count = install_dev(project, installer)
            migration.result()  # its StepFailed, if any
        except BaseException:
            runner.stop_children()  # Ctrl-C or a failure: what still runs stops too
            raise
    return count


def install_from_lock(project: Project, installer: venvs.Installer) -> bool:
    """Install exactly the dev lock file; False when the environment already matches it."""
    if not _lock_differs(project, installer):
        return False
    installer.install(project.python, ["-r", str(project.dev_lock_file)], project.root)
    return True


def _run_in_project(project: Project, argv: tuple[str, ...], timeout: float) -> runner.Result:
    """Run one of the framework's commands with the project's .venv Python, in its root."""
    return runner.run(
        [str(project.python), *project.framework.argv(argv, package=project.package)],
        cwd=project.root,
        env=runner.child_env(venv=project.venv),
        timeout=timeout,
    )


def migrations_pending(project: Project) -> bool:
    fw = project.framework
    result = _run_in_project(project, fw.pending_migrations, timeout=120)
    if fw.up_to_date_marker is not None:
        return not (result.ok and fw.up_to_date_marker in result.output)
    return not result.ok


def migrate(project: Project) -> None:
    result = _run_in_project(project, project.framework.migrate, timeout=300)
    if not result.ok:
        raise StepFailed(
            f"applying the migrations failed: {result.tail()}",
            "fix the cause (run with --verbose for the whole output), then run `webkit setup`",
        )


def prepare_database(project: Project):
    """Create the development database when the project uses a server that lacks it."""
    from webkit_cli import database

    url = project.setting("DATABASE_URL")
    if not database.is_postgres(url):
        return None
    return database.ensure(project, url)
