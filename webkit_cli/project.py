"""Find the webkit project around a directory and read its [tool.webkit] table."""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from webkit_cli.errors import UsageError
from webkit_cli.frameworks import Framework

if TYPE_CHECKING:
    from webkit_cli.record import Record

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

LOCK_FILE = "requirements.lock"
DEV_LOCK_FILE = "requirements-dev.lock"


@dataclass(frozen=True)
class Project:
    root: Path
    framework: Framework
    package: str
    answers: dict[str, Any] = field(default_factory=dict)
    pyproject: dict[str, Any] = field(default_factory=dict)
    record: Record | None = None  # what webkit rendered (None only for a Project made by hand)

    @property
    def venv(self) -> Path:
        return self.root / ".venv"

    @property
    def python(self) -> Path:
        return venv_python(self.venv)

    @property
    def dependencies(self) -> list[str]:
        return list(self.pyproject.get("project", {}).get("dependencies", []))

    @property
    def dev_dependencies(self) -> list[str]:
        return dependency_group(self.pyproject.get("dependency-groups", {}), "dev")

    def dotenv(self) -> dict[str, str]:
        """The values in the project's .env (empty when there is none)."""
        path = self.root / ".env"
        if not path.is_file():
            return {}
        from dotenv import dotenv_values

        try:
            values = dotenv_values(path)
        except (OSError, UnicodeDecodeError) as exc:
            reason = getattr(exc, "strerror", None) or str(exc)
            raise UsageError(
                f"cannot read {path}: {reason}",
                "fix the file (UTF-8 text, KEY=value lines); .env.example lists the keys",
            ) from None
        return {k: v for k, v in values.items() if v is not None}

    def setting(self, name: str) -> str | None:
        """A setting as the project sees it: the environment wins over .env."""
        return os.environ.get(name) or self.dotenv().get(name)

    @property
    def lock_file(self) -> Path:
        return self.root / LOCK_FILE

    @property
    def dev_lock_file(self) -> Path:
        return self.root / DEV_LOCK_FILE


def dependency_group(groups: dict[str, Any], name: str, seen: tuple[str, ...] = ()) -> list[str]:
    """The requirements of a PEP 735 dependency group, with `{include-group = ...}` expanded."""
    if name in seen:
        raise UsageError(f"pyproject.toml: dependency group '{name}' includes itself")
    result: list[str] = []
    for item in groups.get(name, []):
        if isinstance(item, str):
            result.append(item)
        elif isinstance(item, dict) and "include-group" in item:
            result += dependency_group(groups, item["include-group"], (*seen, name))
    return result


def venv_python(venv: Path) -> Path:
    if os.name == "nt":  # pragma: no cover
        return venv / "Scripts" / "python.exe"
    return venv / "bin" / "python"


def read_pyproject(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:  # TOML is UTF-8 only
        raise UsageError(
            f"{path} is not valid TOML: {exc}",
            "fix the file (git diff shows what changed), then run the command again",
        ) from None
    except OSError as exc:
        raise UsageError(f"cannot read {path}: {exc.strerror}") from None


def _pyprojects(start: Path):
    for directory in [start, *start.parents]:
        candidate = directory / "pyproject.toml"
        if candidate.is_file():
            try:
                text = candidate.read_text(encoding="utf-8", errors="replace")
            except OSError:
                continue
            yield directory, "tool.webkit" in text


def find_root(start: Path) -> Path | None:
    """The nearest directory at or above `start` whose pyproject.toml has a [tool.webkit] table."""
    return next((d for d, is_webkit in _pyprojects(start) if is_webkit), None)


def load(root: Path) -> Project:
    from webkit_cli import frameworks, record

    path = root / "pyproject.toml"
    data = read_pyproject(path)
    recorded = record.from_pyproject(data, str(path))
    return Project(
        root=root,
        framework=frameworks.get(recorded.framework),
        package=recorded.package,
        answers=dict(recorded.answers),
        pyproject=data,
        record=recorded,
    )


def find(start: Path | None = None) -> Project:
    """The project around `start` (default: the current directory), or a UsageError."""
    start = (start or Path.cwd()).resolve()
    plain = None
    for directory, is_webkit in _pyprojects(start):
        if is_webkit:
            return load(directory)
        plain = plain or directory
    if plain is not None:
        raise UsageError(
            f"{plain / 'pyproject.toml'} has no [tool.webkit] table, so this is not a webkit project",
            "run webkit inside a project made by `webkit new`, or create one: `webkit new NAME`",
        )
    raise UsageError(
        f"{start} is not inside a webkit project (no pyproject.toml with [tool.webkit] here "
        "or above)",
        "cd into a project made by `webkit new`, or create one: `webkit new NAME`",
    )
