"""The environment steps shared by `webkit new` and `webkit setup`: install and lock (the first
migration of a new project is first_migration.py's; project_commands runs the project's own)."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from webkit_cli import installers, locks, virtualenvs
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
    write_runtime_lock(project, installer, runtime)
    return len(runtime)


def write_runtime_lock(project: Project, installer: installers.Installer, pins: list[str]) -> None:
    locks.write_lock(project.lock_file, pins, installer.name, "Runtime dependencies")


def write_dev_lock(
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
    write_runtime_lock(project, installer, pins)
    write_dev_lock(project, installer)
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
    return write_dev_lock(project, installer)


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
    write_runtime_lock(project, installer, installer.freeze(project.python, project.root))
    _install_keeping(project, installer, project.dev_dependencies, old[project.dev_lock_file])
    return write_dev_lock(project, installer)


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
