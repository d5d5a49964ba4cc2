"""The optional features a project can be created with (`auth`, `jobs`, ...).

The valid feature names: the user defaults (config.toml's `features`, WEBKIT_FEATURES) are
checked against them. Each feature registers itself, with its settings, in record.FEATURES.
"""

from __future__ import annotations

from webkit_cli.record import FEATURES

# The registry is record.FEATURES (each feature with its default settings).
NAMES: tuple[str, ...] = tuple(FEATURES)


def describe_choices() -> str:
    """The valid names, for a hint."""
    return ", ".join(NAMES) if NAMES else "none yet (this webkit has no optional features)"
