"""The project's Python, its .venv, the packages installed there and the lock files."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from webkit_cli import interpreters, locks, virtualenvs
from webkit_cli.doctor import Check, checks
from webkit_cli.errors import WebkitError
from webkit_cli.project import DEV_LOCK_FILE, LOCK_FILE, Project

LISTED = 3  # problems named in a detail; the rest are counted


def _listing(items: list[str]) -> str:
    shown = "; ".join(items[:LISTED])
    return shown + (f"; and {len(items) - LISTED} more" if len(items) > LISTED else "")


def _version(version: tuple[int, ...]) -> str:
    return ".".join(map(str, version))


def _python_check(proj: Project, found: interpreters.Interpreter | None) -> Check:
    from packaging.specifiers import InvalidSpecifier, SpecifierSet

    own = f"webkit: Python {_version(sys.version_info[:3])}"
    minimum = _version(proj.framework.min_python)
    requires = proj.pyproject.get("project", {}).get("requires-python") or f">={minimum}"
    recorded = proj.answers.get("python_version")
    recorded = recorded if isinstance(recorded, str) and recorded else None
    if found is not None:
        version = _version(found.version)
        try:
            fits = SpecifierSet(str(requires)).contains(version, prereleases=True)
        except InvalidSpecifier:
            fits = True  # the lock files check reports a broken pyproject.toml
        if not fits or found.version[:2] < proj.framework.min_python:
            return Check(
                "python",
                False,
                f".venv has Python {version}, but the project needs {requires}",
                f"webkit setup --recreate --python {recorded or minimum}",
            )
        made = f", made with {recorded}" if recorded else ""
        return Check("python", True, f".venv: Python {version} (needs {requires}{made}); {own}")
    # No .venv Python that runs: the one `webkit setup` would make it with.
    try:
        chosen = interpreters.find_python(recorded, proj.framework.min_python)
    except WebkitError:
        return Check(
            "python",
            False,
            f"Python {recorded}, which the project was made with, is not installed here",
            f"uv python install {recorded} (or webkit setup --python with one you have)",
        )
    return Check(
        "python",
        True,
        f"no .venv Python yet; webkit setup would use Python {_version(chosen.version)} "
        f"({chosen.path}); {own}",
    )


def _venv_check(proj: Project, found: interpreters.Interpreter | None) -> Check:
    problem = virtualenvs.venv_problem(proj.python, run=False, moved=False)
    if problem is None and found is None:
        problem = "broken (its Python does not run)"
    if problem is not None:
        return Check("venv", False, f".venv is {problem}", "webkit setup")
    moved = virtualenvs.moved_from(proj.venv)
    if moved is not None:
        return Check(
            "venv",
            False,
            f".venv was made in {moved.parent}, not here: its commands (pytest, ...) look "
            "for that folder",
            "webkit setup --recreate",
        )
    return Check("venv", True, f".venv at {proj.venv}")


@checks("python", "venv")
def interpreter(proj: Project) -> list[Check]:
    """The project's Python and its .venv, from one run of the .venv's Python."""
    found = interpreters.probe(str(proj.python)) if proj.python.is_file() else None
    return [_python_check(proj, found), _venv_check(proj, found)]


def installed(site_packages: Path) -> dict[str, str]:
    """{normalized name: version} of what is installed, as a freeze lists it (without what no
    lock lists, and without editable installs), read from the .dist-info folders' names."""
    found = {}
    for entry in site_packages.glob("*.dist-info"):
        name, _, version = entry.name.removesuffix(".dist-info").partition("-")
        direct = entry / "direct_url.json"
        if direct.is_file() and '"editable": true' in direct.read_text(errors="replace"):
            continue
        found.update(locks.pin_versions([f"{name}=={version}"]))
    return found


def _same(a: str, b: str) -> bool:
    from packaging.version import InvalidVersion, Version

    try:
        return Version(a) == Version(b)
    except InvalidVersion:
        return a == b


@checks("packages")
def packages(proj: Project) -> list[Check]:
    site = virtualenvs.site_packages(proj.venv)
    if virtualenvs.venv_problem(proj.python, run=False, moved=False) is not None or site is None:
        return [Check("packages", False, "not checked: .venv is missing or broken", "webkit setup")]
    if not proj.dev_lock_file.is_file():
        return [Check("packages", False, f"{DEV_LOCK_FILE} is missing", "webkit setup")]
    locked = locks.pin_versions(locks.read_lock(proj.dev_lock_file))
    have = installed(site)
    wrong = [
        f"{name} {have[name]} installed, {version} locked"
        if name in have
        else f"{name} {version} is not installed"
        for name, version in sorted(locked.items())
        if not (name in have and _same(have[name], version))
    ]
    extra = sorted(set(have) - set(locked))
    if wrong:
        return [
            Check(
                "packages",
                False,
                f"{len(wrong)} differ from {DEV_LOCK_FILE}: {_listing(wrong)}",
                "webkit setup",
            )
        ]
    if extra:
        return [
            Check(
                "packages",
                False,
                f"installed but in no lock file: {', '.join(extra)}",
                f"webkit run python -m pip uninstall -y {' '.join(extra)} (or add them to "
                "pyproject.toml, then webkit setup --upgrade)",
            )
        ]
    return [Check("packages", True, f"{len(locked)} packages, as {DEV_LOCK_FILE} pins them")]


def _marker_environment(proj: Project) -> dict[str, str]:
    """The Python that markers are evaluated for: the .venv's (pyvenv.cfg), else this one."""
    try:
        config = (proj.venv / "pyvenv.cfg").read_text(encoding="utf-8", errors="replace")
    except OSError:
        config = ""
    match = re.search(r"^version(?:_info)?\s*=\s*(\d+)\.(\d+)\.(\d+)", config, re.MULTILINE)
    version = tuple(match.groups()) if match else tuple(map(str, sys.version_info[:3]))
    return {"python_version": ".".join(version[:2]), "python_full_version": ".".join(version)}


@checks("locks")
def lock_files(proj: Project) -> list[Check]:
    """Both lock files exist, pin a version inside pyproject.toml's range for every
    requirement, and agree with each other."""
    from packaging.requirements import InvalidRequirement, Requirement
    from packaging.utils import canonicalize_name

    if not proj.dev_lock_file.is_file():
        return [Check("locks", False, f"{DEV_LOCK_FILE} is missing", "webkit setup")]
    if not proj.lock_file.is_file():
        return [Check("locks", False, f"{LOCK_FILE} is missing", "webkit setup --upgrade")]
    runtime = locks.pin_versions(locks.read_lock(proj.lock_file))
    everything = locks.pin_versions(locks.read_lock(proj.dev_lock_file))
    environment = _marker_environment(proj)
    problems: list[str] = []

    def check(line: str, pins: dict[str, str], lock: str) -> None:
        try:
            requirement = Requirement(line)
        except InvalidRequirement:
            problems.append(f"pyproject.toml: {line!r} is not a requirement")
            return
        if requirement.marker is not None and not requirement.marker.evaluate(environment):
            return
        version = pins.get(canonicalize_name(requirement.name))
        if version is None:
            problems.append(f"{lock} lacks {requirement.name}")
        elif not requirement.specifier.contains(version, prereleases=True):
            problems.append(
                f"{lock} has {requirement.name} {version}, outside {requirement.specifier}"
            )

    for line in proj.dependencies:
        check(line, runtime, LOCK_FILE)
        check(line, everything, DEV_LOCK_FILE)
    for line in proj.dev_dependencies:
        check(line, everything, DEV_LOCK_FILE)
    problems += [
        f"{LOCK_FILE} has {name} {version}, {DEV_LOCK_FILE} {everything.get(name, 'none')}"
        for name, version in sorted(runtime.items())
        if everything.get(name) != version
    ]
    if problems:
        return [
            Check(
                "locks",
                False,
                f"the lock files do not match pyproject.toml: {_listing(problems)}",
                "webkit setup --upgrade",
            )
        ]
    return [
        Check(
            "locks",
            True,
            f"{LOCK_FILE} ({len(runtime)}) and {DEV_LOCK_FILE} ({len(everything)}) are within "
            "pyproject.toml's ranges",
        )
    ]


GROUPS = [interpreter, packages, lock_files]
