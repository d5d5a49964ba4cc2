"""Lock files: requirements.lock and requirements-dev.lock, in pip's freeze format."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from pathlib import Path

# Seeded by virtualenv and not part of the project's dependency set.
NOT_LOCKED = frozenset({"pip", "setuptools", "wheel", "distribute"})


def write_lock(path: Path, pins: list[str], installer: str, what: str) -> None:
    header = (
        f"# {what}: the exact versions webkit installed and the tests passed with.\n"
        f"# Written by webkit (installer: {installer}); regenerate with `webkit setup --upgrade`.\n"
        f"# Install: pip install -r {path.name}\n"
    )
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(header + "".join(f"{pin}\n" for pin in pins), encoding="utf-8")
    os.replace(tmp, path)


def pin_name(pin: str) -> str:
    """The package of a `name==version` line (or of a requirement), named as PEP 503
    normalises it."""
    return re.sub(r"[-_.]+", "-", re.split(r"[\[=<>!~;\s]", pin.strip(), maxsplit=1)[0]).lower()


def pin_versions(pins: Sequence[str]) -> dict[str, str]:
    """{normalized name: version} of `name==version` lines, without what no lock file lists."""
    versions = {}
    for pin in pins:
        name, version = pin_name(pin), pin.partition("==")[2]
        if version and name not in NOT_LOCKED:
            versions[name] = version.strip()
    return versions


def read_lock(path: Path) -> list[str]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return sorted(
        (line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")),
        key=str.lower,
    )
