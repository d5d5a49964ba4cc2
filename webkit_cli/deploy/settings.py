"""The settings of `webkit deploy-config`, validated before anything is rendered.

Every value here ends up inside nginx, systemd, YAML, Dockerfile or shell syntax, so each is
checked against a strict pattern: what cannot be a host name, a user name or a number never
reaches a template.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import asdict, dataclass
from typing import Any

from webkit_cli.errors import UsageError

TARGETS = ("gunicorn", "nginx", "systemd", "docker", "compose", "k8s", "procfile")

DEFAULT_DOMAIN = "example.com"
DEFAULT_PORT = 8000
DEFAULT_USER = "app"
DEFAULT_OUTPUT = "deploy"
MAX_WORKERS = 512

_LABEL = re.compile(r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?")
# useradd's default NAME_REGEX on Debian, and at most 32 characters.
_USER = re.compile(r"[a-z_][a-z0-9_-]{0,31}")
# A path goes into nginx, systemd and YAML unquoted: plain characters only.
_PATH_PART = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")


@dataclass(frozen=True)
class Settings:
    domain: str
    workers: int | None
    port: int
    user: str
    app_dir: str
    output: str

    def recorded(self) -> dict[str, Any]:
        """What the manifest keeps, so that the next run starts from the same settings."""
        return asdict(self)


def domain(value: str) -> str:
    """A DNS host name (RFC 1123), lower-cased; refused with a hint otherwise."""
    text = value.strip().lower()
    labels = text.split(".")
    valid = (
        0 < len(text) <= 253
        and len(labels) >= 2
        and all(_LABEL.fullmatch(label) for label in labels)
        and not labels[-1].isdigit()  # an IP address, or a made-up numeric top-level domain
    )
    if not valid:
        raise UsageError(
            f"--domain {value!r} is not a valid host name",
            "pass the site's public name, e.g. --domain shop.example.com "
            "(letters, digits, hyphens and dots; no scheme, port or path)",
        )
    return text


def _positive(option: str, value: str | int, maximum: int, example: str) -> int:
    text = str(value).strip()
    if not re.fullmatch(r"[0-9]+", text) or not 1 <= int(text) <= maximum:
        raise UsageError(
            f"{option} {str(value)!r} is not a whole number from 1 to {maximum}",
            f"pass a positive integer, e.g. {option} {example}",
        )
    return int(text)


def workers(value: str | int | None) -> int | None:
    """A worker count, or None (also for "auto"): gunicorn.conf.py's one per CPU, two at least."""
    if value is None or str(value).strip().lower() == "auto":
        return None
    return _positive("--workers", value, MAX_WORKERS, "4")


def port(value: str | int) -> int:
    return _positive("--port", value, 65535, "8000")


def user(value: str) -> str:
    if not _USER.fullmatch(value):
        raise UsageError(
            f"--user {value!r} is not a valid user name",
            "use lower-case letters, digits, '_' and '-', starting with a letter or '_' "
            "(at most 32), e.g. --user app",
        )
    if value == "root":
        raise UsageError(
            "--user root would run the app with every privilege",
            "pick an unprivileged system user, e.g. --user app",
        )
    return value


def _plain_path(option: str, value: str, parts: list[str], example: str) -> None:
    if not parts or not all(_PATH_PART.fullmatch(part) for part in parts):
        raise UsageError(
            f"{option} {value!r} is not a plain path",
            f"use letters, digits, '.', '_', '-' and '/' only (no '..'), e.g. {option} {example}",
        )


def app_dir(value: str) -> str:
    """Where the project lives on the server: an absolute path without surprises."""
    parts = value.strip("/").split("/")
    if not value.startswith("/"):
        raise UsageError(
            f"--app-dir {value!r} is not an absolute path",
            "pass where the project will live on the server, e.g. --app-dir /srv/shop",
        )
    _plain_path("--app-dir", value, parts, "/srv/shop")
    return "/" + "/".join(parts)


def output(value: str) -> str:
    """The output directory, relative to the project root (the files refer to each other)."""
    text = value.strip()
    parts = [part for part in text.split("/") if part not in ("", ".")]
    if text.startswith("/") or "\\" in text:
        raise UsageError(
            f"--output {value!r} must be a relative path inside the project",
            "the files refer to each other by paths inside the project, e.g. --output deploy",
        )
    _plain_path("--output", value, parts, "deploy")
    return "/".join(parts)


def targets(values: Iterable[str]) -> tuple[str, ...]:
    """--target may repeat and may hold a comma-separated list; none means all."""
    chosen: list[str] = []
    for value in values:
        for name in value.split(","):
            name = name.strip().lower()
            if not name:
                continue
            if name not in TARGETS:
                raise UsageError(
                    f"unknown target {name!r}",
                    f"choose from: {', '.join(TARGETS)} (repeat --target, or omit it for all)",
                )
            if name not in chosen:
                chosen.append(name)
    return tuple(chosen) or TARGETS


def from_options(
    options: dict[str, Any], recorded: dict[str, Any], default_app_dir: str
) -> Settings:
    """Options given on the command line win; then what the last run recorded; then defaults.

    Recorded values are validated again: the manifest is a file in the repository that
    anyone may have edited.
    """

    def pick(name: str, default: Any) -> Any:
        if options.get(name) is not None:
            return options[name]
        if recorded.get(name) is not None:
            return recorded[name]
        return default

    return Settings(
        domain=domain(str(pick("domain", DEFAULT_DOMAIN))),
        workers=workers(pick("workers", None)),
        port=port(pick("port", DEFAULT_PORT)),
        user=user(str(pick("user", DEFAULT_USER))),
        app_dir=app_dir(str(pick("app_dir", default_app_dir))),
        output=output(str(options.get("output") or DEFAULT_OUTPUT)),
    )
