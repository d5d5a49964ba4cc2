"""What webkit rendered, as recorded in the project's pyproject.toml ([tool.webkit]).

A record holds everything the render of a project depends on, except its secrets (the
SECRET_KEY and a database URL that may carry a password, which live in .env only):

    [tool.webkit]
    framework = "flask"
    package = "shop"
    template_version = "2"

    [tool.webkit.answers]            # the template's variables, as given to it
    project_name = "shop"
    project_slug = "shop"
    description = "A Flask web application."
    python_version = "3.11"
    database = "sqlite"

    [tool.webkit.features.NAME]      # each optional feature turned on, with its settings
    [[tool.webkit.resources]]        # each generated resource: name and fields, as typed
    [[tool.webkit.apps]]             # each generated app (Django) or blueprint (Flask): name

The template renders this table itself, from the same values, so a render of a record contains
that record. Projects made before the record existed (template_version "1") have only
project_name, database and python_version as answers: the rest is what `webkit new` gave then.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from webkit_cli import apps as generated_apps
from webkit_cli import resources
from webkit_cli.errors import UsageError

DATABASES = ("sqlite", "postgres", "mysql")
# The template variables a record keeps (package_name is [tool.webkit] package).
ANSWERS = ("project_name", "project_slug", "description", "python_version", "database")
# Optional features a project can have, with the settings each takes and their defaults.
FEATURES: dict[str, dict[str, Any]] = {
    # Background jobs (Huey): the queue in the project's own database, or in Redis.
    "jobs": {"backend": "database"},
    # User accounts (login by email, Argon2id, throttling, API tokens); new users confirm their
    # email address before they can log in when email_verification is on.
    "auth": {"email_verification": False},
}
# The values a feature's setting may take, where they are few.
CHOICES: dict[tuple[str, str], tuple[str, ...]] = {
    ("jobs", "backend"): ("database", "redis"),
}
# Template variables that never enter a record: they go to .env only.
SECRETS = ("secret_key", "database_url")
# What a render of a record writes in place of the secrets it does not know (.env only).
PLACEHOLDER_SECRETS = {"secret_key": "not-recorded", "database_url": ""}


def _fix(key: str) -> str:
    return f"fix {key} in pyproject.toml's [tool.webkit] (git diff shows what changed)"


@dataclass(frozen=True)
class Record:
    framework: str
    package: str
    template_version: str
    answers: Mapping[str, str]
    features: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    resources: tuple[Mapping[str, Any], ...] = ()
    apps: tuple[Mapping[str, Any], ...] = ()

    @property
    def database(self) -> str:
        return self.answers.get("database", "sqlite")

    def values(self, secrets: Mapping[str, str] | None = None) -> dict[str, Any]:
        """The template's variables for a render of this record, with `secrets` (or
        placeholders, for a render whose .env nobody uses)."""
        parsed = self.parsed_resources()
        values: dict[str, Any] = {
            **self.answers,
            "package_name": self.package,
            "template_version": self.template_version,
            **PLACEHOLDER_SECRETS,
            **(secrets or {}),
            "_features": {name: dict(settings) for name, settings in self.features.items()},
            # What the user gave, with the names webkit derives from it (resources.py); the
            # record itself (record.toml) renders only what was given.
            "_resources": [resources.template_values(resource, parsed) for resource in parsed],
            "_apps": [generated_apps.template_values(app["name"]) for app in self.apps],
        }
        return values

    def parsed_resources(self) -> list[resources.Resource]:
        return [resources.from_record(entry) for entry in self.resources]

    def replace(self, **changes: Any) -> Record:
        return dataclasses.replace(self, **changes)

    def with_answers(self, **answers: str) -> Record:
        return self.replace(answers={**self.answers, **answers})


def from_pyproject(data: Mapping[str, Any], where: str = "pyproject.toml") -> Record:
    """The record in a parsed pyproject.toml; a UsageError naming the key when it is malformed."""
    from webkit_cli import frameworks

    table = data.get("tool", {}).get("webkit")
    if not isinstance(table, dict):
        raise UsageError(
            f"{where} has no [tool.webkit] table",
            "run this in a project created by `webkit new`, or create one: webkit new NAME",
        )
    name = table.get("framework")
    if not isinstance(name, str) or name not in frameworks.NAMES:
        raise UsageError(
            f"{where}: [tool.webkit] framework = {name!r} is not one webkit knows",
            f"set it to one of: {', '.join(frameworks.NAMES)}",
        )
    package = table.get("package")
    if not isinstance(package, str) or not package.isidentifier():
        raise UsageError(
            f"{where}: [tool.webkit] package = {package!r} is not a Python package name",
            "set it to the name of the project's package directory",
        )
    version = table.get("template_version", "1")
    if not isinstance(version, str):
        raise UsageError(
            f"{where}: [tool.webkit] template_version = {version!r} is not a string",
            _fix("template_version"),
        )
    answers = table.get("answers", {})
    if not isinstance(answers, dict):
        raise UsageError(f"{where}: [tool.webkit.answers] is not a table", _fix("answers"))
    answers = {key: value for key, value in answers.items() if key in ANSWERS}
    for key, value in answers.items():
        if not isinstance(value, str):
            raise UsageError(
                f"{where}: [tool.webkit.answers] {key} = {value!r} is not a string", _fix(key)
            )
    if answers.get("database", "sqlite") not in DATABASES:
        raise UsageError(
            f"{where}: [tool.webkit.answers] database = {answers['database']!r} is not one "
            "webkit knows",
            f"set it to one of: {', '.join(DATABASES)}",
        )
    if version == "1":
        answers = _answers_of_release_1(name, answers, data)
    return Record(
        framework=name,
        package=package,
        template_version=version,
        answers=answers,
        features=_features(table.get("features", {}), where),
        resources=_resources(table.get("resources", []), where),
        apps=_apps(table.get("apps", []), where),
    )


def _answers_of_release_1(framework: str, answers: dict[str, str], data: Mapping[str, Any]):
    """Release 1 recorded project_name, database and python_version; `webkit new` derived the
    slug from the name and gave the framework's own description."""
    from webkit_cli import frameworks, names

    project = data.get("project", {})
    try:
        slug = names.validate(answers.get("project_name", "")).distribution
    except UsageError:
        slug = str(project.get("name", ""))
    return {
        "project_slug": slug,
        "description": frameworks.get(framework).description,
        **answers,
    }


def _features(table: Any, where: str) -> dict[str, dict[str, Any]]:
    if not isinstance(table, dict):
        raise UsageError(f"{where}: [tool.webkit.features] is not a table", _fix("features"))
    features = {}
    for name, settings in table.items():
        if name not in FEATURES:
            known = ", ".join(FEATURES) or "none yet"
            raise UsageError(
                f"{where}: [tool.webkit.features] {name!r} is not a feature this webkit knows "
                f"(it knows {known})",
                "upgrade webkit (pip install --upgrade webkit-cli), or remove the table",
            )
        if not isinstance(settings, dict):
            raise UsageError(
                f"{where}: [tool.webkit.features.{name}] is not a table", _fix("features")
            )
        features[name] = {**FEATURES[name], **settings}
        for key, value in features[name].items():
            if key not in FEATURES[name]:
                raise UsageError(
                    f"{where}: [tool.webkit.features.{name}] {key!r} is not a setting webkit knows",
                    f"remove it (the settings of {name}: {', '.join(FEATURES[name]) or 'none'})",
                )
            if isinstance(FEATURES[name][key], bool) and not isinstance(value, bool):
                raise UsageError(
                    f"{where}: [tool.webkit.features.{name}] {key} = {value!r} is not a boolean",
                    f"set it to true or false: {key} = false",
                )
            choices = CHOICES.get((name, key))
            if choices is not None and value not in choices:
                raise UsageError(
                    f"{where}: [tool.webkit.features.{name}] {key} = {value!r} is not one "
                    "webkit knows",
                    f"set it to one of: {', '.join(choices)}",
                )
    return features


def _resources(items: Any, where: str) -> tuple[dict[str, Any], ...]:
    if not isinstance(items, list) or not all(
        isinstance(item, dict) and isinstance(item.get("name"), str) for item in items
    ):
        raise UsageError(
            f"{where}: [[tool.webkit.resources]] must be tables with a name", _fix("resources")
        )
    parsed = []
    for item in items:
        try:
            parsed.append(resources.from_record(item))
        except UsageError as exc:
            raise UsageError(f"{where}: {exc.message}", _fix("resources")) from None
        for spec in parsed[-1].fields:
            if spec.ref and resources.find(parsed, spec.ref) is None:
                raise UsageError(
                    f"{where}: [[tool.webkit.resources]] {item['name']}: '{spec.spec}' refers "
                    "to no resource recorded before it",
                    _fix("resources"),
                )
    return tuple(dict(item) for item in items)


def _apps(items: Any, where: str) -> tuple[dict[str, Any], ...]:
    if not isinstance(items, list) or not all(
        isinstance(item, dict) and isinstance(item.get("name"), str) for item in items
    ):
        raise UsageError(f"{where}: [[tool.webkit.apps]] must be tables with a name", _fix("apps"))
    return tuple(dict(item) for item in items)
