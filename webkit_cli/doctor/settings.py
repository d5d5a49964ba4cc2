"""The project's .env: there, readable by its owner only, with a SECRET_KEY of its own."""

from __future__ import annotations

import os
import stat

from webkit_cli.doctor import Check, checks
from webkit_cli.errors import WebkitError
from webkit_cli.project import Project

# A key of its own, for .env (which runs no command): the line to put there is SECRET_KEY=<it>.
MAKE_KEY = "python3 -c 'import secrets; print(secrets.token_urlsafe(50))'"
# Values that documentation and examples use, and that a project must never run with.
PLACEHOLDERS = {
    "",
    "change-me",
    "changeme",
    "secret",
    "secret-key",
    "your-secret-key",
    "replace-me",
    "dev-only-insecure-key",  # the Flask template's development fallback
}


@checks("env-file")
def env_file(proj: Project) -> list[Check]:
    path = proj.root / ".env"
    if not path.exists():
        if (proj.root / ".env.example").is_file():
            fix = (
                f"cp .env.example .env && chmod 600 .env, then set SECRET_KEY in it to: {MAKE_KEY}"
            )
        else:
            fix = f"create .env (chmod 600) with SECRET_KEY set to the output of: {MAKE_KEY}"
        return [
            Check("env-file", False, ".env is missing: the project runs without its settings", fix)
        ]
    if not path.is_file():
        return [
            Check("env-file", False, ".env is not a file", "move it away and create a .env file")
        ]
    mode = stat.S_IMODE(path.stat().st_mode)
    if mode & 0o077:
        return [
            Check(
                "env-file",
                False,
                f".env has mode {mode:o}: other users can read its secrets",
                "chmod 600 .env",
            )
        ]
    return [Check("env-file", True, f".env is there, mode {mode:o}")]


@checks("secret-key")
def secret_key(proj: Project) -> list[Check]:
    try:
        value = proj.setting("SECRET_KEY")
        example = _example_key(proj)
    except WebkitError as exc:
        return [Check("secret-key", False, exc.message, exc.hint)]
    where = "the environment" if os.environ.get("SECRET_KEY") else ".env"
    if not value:
        return [
            Check(
                "secret-key",
                False,
                "SECRET_KEY is not set in .env or the environment",
                f"set SECRET_KEY in .env to the output of: {MAKE_KEY}",
            )
        ]
    if value.strip().lower() in PLACEHOLDERS or (example and value == example):
        source = ".env.example's" if example and value == example else "a placeholder"
        fix = (
            "unset SECRET_KEY, or export a key of its own"
            if where == "the environment"
            else f"set SECRET_KEY in .env to the output of: {MAKE_KEY}"
        )
        return [Check("secret-key", False, f"SECRET_KEY in {where} is {source}", fix)]
    return [Check("secret-key", True, f"SECRET_KEY is set in {where}, {len(value)} characters")]


def _example_key(proj: Project) -> str:
    path = proj.root / ".env.example"
    if not path.is_file():
        return ""
    from dotenv import dotenv_values

    try:
        return dotenv_values(path).get("SECRET_KEY") or ""
    except (OSError, UnicodeDecodeError):
        return ""


GROUPS = [env_file, secret_key]
