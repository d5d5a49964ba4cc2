"""User defaults for `webkit new`: a config file in the platform's config folder, then WEBKIT_*
environment variables, then the command line, each overriding the one before.

    # $XDG_CONFIG_HOME/webkit/config.toml (~/.config/webkit/config.toml on Linux)
    [new]
    framework = "django"      # WEBKIT_FRAMEWORK, --framework
    database = "postgres"     # WEBKIT_DATABASE,  --db
    installer = "uv"          # WEBKIT_INSTALLER, --installer
    python = "3.12"           # WEBKIT_PYTHON,    --python
    features = []             # WEBKIT_FEATURES (comma-separated)

Everything is checked before `new` touches anything: a malformed file, an unknown key or a bad
value is a UsageError naming the file (or the variable) and the key.
"""

from __future__ import annotations

import json
import os
import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click

from webkit_cli.errors import UsageError

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

TABLE = "new"
ENV_PREFIX = "WEBKIT_"
# key -> (the parameter of `webkit new` it is the default of, its option)
PARAMETERS: dict[str, tuple[str | None, str | None]] = {
    "framework": ("framework", "--framework"),
    "database": ("db", "--db"),
    "installer": ("installer", "--installer"),
    "python": ("python_spec", "--python"),
    "features": (None, None),
}
KEYS = tuple(PARAMETERS)
# Asked on a terminal when nothing else chose them (see commands/new.py).
_PROMPTED = ("framework", "database")

COMMAND_LINE, ENVIRONMENT, CONFIG, ASKED, DEFAULT = "option", "variable", "file", "asked", "default"
_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?$")


class BadValue(ValueError):
    def __init__(self, reason: str, hint: str):
        super().__init__(reason)
        self.reason, self.hint = reason, hint


def config_path() -> Path:
    """config.toml in the platform's user config folder ($XDG_CONFIG_HOME/webkit on Linux)."""
    from platformdirs import user_config_path

    return user_config_path("webkit", appauthor=False) / "config.toml"


def _choice(value: Any, choices: tuple[str, ...], what: str) -> str:
    if not isinstance(value, str):
        raise BadValue(
            f"is a {_toml_type(value)}, not a string", f"choose one of: {', '.join(choices)}"
        )
    if value not in choices:
        raise BadValue(f"is not {what} webkit knows", f"choose one of: {', '.join(choices)}")
    return value


def _framework(value: Any) -> str:
    from webkit_cli import frameworks

    return _choice(value, frameworks.NAMES, "a framework")


def _database(value: Any) -> str:
    from webkit_cli.database import DATABASES

    return _choice(value, DATABASES, "a database")


def _installer(value: Any) -> str:
    from webkit_cli.installers import INSTALLERS

    return _choice(value, INSTALLERS, "an installer")


def _python(value: Any) -> str:
    hint = "use a version such as 3.12, or the path of a python executable"
    if not isinstance(value, str):
        raise BadValue(f"is a {_toml_type(value)}, not a string", hint)
    text = value.strip()
    if _VERSION.match(text):
        return text
    if os.sep in text or text.startswith(("~", ".")):
        if not Path(text).expanduser().exists():
            raise BadValue("names no file", hint)
        return text
    raise BadValue("is neither a version nor a path", hint)


def _features(value: Any) -> tuple[str, ...]:
    from webkit_cli import features

    if isinstance(value, str):  # WEBKIT_FEATURES=auth,jobs
        value = [part.strip() for part in value.split(",") if part.strip()]
    if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
        raise BadValue(
            "is not a list of feature names", 'write it as a list, e.g. features = ["auth"]'
        )
    for name in value:
        if name not in features.NAMES:
            raise BadValue(
                f"names the unknown feature {name!r}",
                f"valid features: {features.describe_choices()}",
            )
    return tuple(dict.fromkeys(value))


_VALIDATORS = {
    "framework": _framework,
    "database": _database,
    "installer": _installer,
    "python": _python,
    "features": _features,
}


def _toml_type(value: Any) -> str:
    names = {bool: "boolean", int: "number", float: "number", list: "list", dict: "table"}
    return names.get(type(value), type(value).__name__)


def _shown(path: Path) -> str:
    """The path with the home folder as ~, as users type it."""
    home = Path.home()
    return f"~/{path.relative_to(home)}" if path.is_relative_to(home) else str(path)


def read_config(path: Path) -> dict[str, Any]:
    """The validated [new] table of the config file at `path` (empty when there is none)."""
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except IsADirectoryError:
        raise UsageError(
            f"{path} is a directory, not webkit's config file",
            "remove it, or put a config.toml with a [new] table in it",
        ) from None
    except OSError as exc:
        raise UsageError(
            f"cannot read {path}: {exc.strerror}", "fix its permissions, or remove it"
        ) from None
    except UnicodeDecodeError:
        raise UsageError(f"{path} is not UTF-8 text", "save it as UTF-8, or remove it") from None
    except tomllib.TOMLDecodeError as exc:
        raise UsageError(
            f"{path} is not valid TOML: {exc}",
            "fix the file (the README shows its format), or remove it",
        ) from None
    for key in data:
        if key == TABLE:
            continue
        if key in KEYS:
            raise UsageError(
                f"{path}: {key} is outside the [{TABLE}] table",
                f"put a [{TABLE}] line above it: these are the defaults of `webkit {TABLE}`",
            )
        raise UsageError(
            f"{path}: unknown key {key!r}",
            f"webkit reads only the [{TABLE}] table, with: {', '.join(KEYS)}",
        )
    table = data.get(TABLE, {})
    if not isinstance(table, dict):
        raise UsageError(
            f"{path}: {TABLE} must be a table",
            f"write it as [{TABLE}] followed by key = value lines",
        )
    values = {}
    for key, raw in table.items():
        if key not in _VALIDATORS:
            import difflib

            close = difflib.get_close_matches(key, KEYS, n=1)
            guess = f"did you mean {close[0]}? " if close else ""
            raise UsageError(
                f"{path}: unknown key {TABLE}.{key}", f"{guess}the keys are: {', '.join(KEYS)}"
            )
        try:
            values[key] = _VALIDATORS[key](raw)
        except BadValue as exc:
            raise UsageError(
                f"{path}: {TABLE}.{key} = {json.dumps(raw)} {exc.reason}", exc.hint
            ) from None
    return values


def read_environment() -> dict[str, Any]:
    """The validated WEBKIT_<KEY> variables that are set (an empty one counts as unset)."""
    values = {}
    for key in KEYS:
        name = ENV_PREFIX + key.upper()
        raw = os.environ.get(name, "").strip()
        if not raw:
            continue
        try:
            values[key] = _VALIDATORS[key](raw)
        except BadValue as exc:
            raise UsageError(f"{name}={raw} {exc.reason}", exc.hint) from None
    return values


@dataclass(frozen=True)
class Setting:
    value: Any
    origin: str  # COMMAND_LINE, ENVIRONMENT, CONFIG, ASKED or DEFAULT
    where: str = ""  # the option, the variable or the file

    @property
    def source(self) -> str:
        return self.where or self.origin  # "asked" or "default" have no place


class Defaults:
    """What `webkit new` uses for each key, and where it came from."""

    def __init__(self, settings: dict[str, Setting]):
        self.settings = settings

    def value(self, key: str) -> Any:
        return self.settings[key].value

    def rows(self, shown: dict[str, str]) -> list[tuple[str, str, str]]:
        """(key, value as `shown` gives it, where it came from), one per key."""
        return [(key, shown.get(key, ""), self.settings[key].source) for key in KEYS]

    @contextmanager
    def blame(self, key: str) -> Iterator[None]:
        """A UsageError raised inside (Python 3.99 was not found, say) names the file or the
        variable that asked for it, when that is where the value came from."""
        try:
            yield
        except UsageError as exc:
            setting = self.settings[key]
            if setting.origin == ENVIRONMENT:
                exc.message = f"{exc.message} ({setting.where}={setting.value})"
            elif setting.origin == CONFIG:
                where = f"{TABLE}.{key} = {json.dumps(setting.value)} in {setting.where}"
                exc.message = f"{exc.message} ({where})"
            raise


def for_new(ctx: click.Context, interactive: bool) -> Defaults:
    """The settings of `webkit new`: its options, else WEBKIT_* variables, else the config
    file, else webkit's own defaults (None: decided, or asked, by `new`)."""
    path = config_path()
    from_file = read_config(path)
    from_env = read_environment()
    settings: dict[str, Setting] = {}
    for key, (parameter, option) in PARAMETERS.items():
        given = parameter is not None and ctx.get_parameter_source(parameter) in (
            click.core.ParameterSource.COMMANDLINE,
            click.core.ParameterSource.PROMPT,
        )
        if given:
            settings[key] = Setting(ctx.params[parameter], COMMAND_LINE, option or "")
        elif key in from_env:
            settings[key] = Setting(from_env[key], ENVIRONMENT, ENV_PREFIX + key.upper())
        elif key in from_file:
            settings[key] = Setting(from_file[key], CONFIG, _shown(path))
        else:
            default = ctx.params.get(parameter) if parameter else ()
            asked = interactive and key in _PROMPTED
            settings[key] = Setting(default, ASKED if asked else DEFAULT)
    # --database-url names the database by its scheme: a default from the file or the
    # environment must not contradict it.
    if ctx.params.get("database_url") is not None and settings["database"].origin != COMMAND_LINE:
        settings["database"] = Setting(None, COMMAND_LINE, "--database-url")
    return Defaults(settings)
