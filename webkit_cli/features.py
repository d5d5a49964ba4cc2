"""The optional features a project can be created with (`auth`, `jobs`, ...).

The one list of valid feature names: the user defaults (config.toml's `features`,
WEBKIT_FEATURES) are checked against it, and each feature's work adds its name here.
"""

from __future__ import annotations

NAMES: tuple[str, ...] = ()


def describe_choices() -> str:
    """The valid names, for a hint."""
    return ", ".join(NAMES) if NAMES else "none yet (this webkit has no optional features)"
