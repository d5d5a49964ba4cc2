"""The one exception type users see: a message, a hint and an exit code."""

from __future__ import annotations

EXIT_FAILED = 1
EXIT_USAGE = 2
EXIT_INTERRUPTED = 130


class WebkitError(Exception):
    """A failure webkit can explain: one line of what went wrong, one of what to do."""

    exit_code = EXIT_FAILED

    def __init__(self, message: str, hint: str | None = None, exit_code: int | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint
        if exit_code is not None:
            self.exit_code = exit_code


class UsageError(WebkitError):
    """Bad input: a name, an option value or a place that cannot be used (exit 2)."""

    exit_code = EXIT_USAGE


class StepFailed(WebkitError):
    """A step of a command failed (exit 1); the hint says how to resume."""

    exit_code = EXIT_FAILED
