"""A project name -> its directory, distribution and package names, or a clear refusal."""

from __future__ import annotations

import keyword
import re
import sys
from dataclasses import dataclass

from webkit_cli.errors import UsageError

MAX_LENGTH = 64
_ALLOWED = re.compile(r"[A-Za-z0-9_-]+")

# Names a generated project imports (its dependencies, theirs and its tools') or ships beside its
# own package: a package with one of these names would shadow it (`import flask` finding the
# project instead of Flask; `python -m pytest` breaking on a project named iniconfig).
RESERVED = frozenset(
    """
    alembic asgiref blinker cachelib click config coverage dj_database_url django environ
    flask flask_caching flask_migrate flask_sqlalchemy flask_wtf gunicorn itsdangerous jinja2
    mako manage markupsafe migrations packaging pip pluggy psycopg psycopg2 pytest pytest_cov
    pytest_django ruff setuptools sqlalchemy sqlparse static templates tests typing_extensions
    uv virtualenv webkit webkit_cli werkzeug whitenoise wsgi wtforms instance dotenv cookiecutter
    iniconfig pygments py conftest greenlet psycopg_binary psycopg_pool
    annotated_types anyio apiflask apispec certifi cffi charset_normalizer cryptography
    django_stubs_ext dns email_validator flask_httpauth flask_marshmallow idna marshmallow
    ninja pydantic pydantic_core pymysql pycparser swagger_ui typing_inspection webargs
    ast_serialize graphql harfile hypothesis hypothesis_graphql jsonschema_rs librt
    markdown_it mdurl mypy mypy_django_plugin mypy_extensions mypyc pathspec pyrate_limiter
    requests rich schemathesis sortedcontainers test urllib3 yaml
    """.split()
    # Directories the projects' .gitignore leaves out: a package there would not be committed.
    + "build dist venv htmlcov media staticfiles".split()
)


@dataclass(frozen=True)
class ProjectNames:
    """What one name typed by the user becomes."""

    name: str  # as typed: also the directory name
    distribution: str  # PEP 503-normalised: my-shop
    package: str  # importable: my_shop

    @property
    def directory(self) -> str:
        return self.name


def _shown(text: str) -> str:
    """`text` as typed, with what a terminal would not show (control characters) escaped."""
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def _suggest(package: str) -> str:
    return f"my-{package.replace('_', '-')}"


def validate(name: str) -> ProjectNames:
    """Return the names for `name`, or raise UsageError with the reason and a suggestion."""
    hint_rule = "use letters, digits, '-' and '_', starting with a letter, e.g. 'my-shop'"
    if not name or not name.strip():
        raise UsageError("the project name is empty", hint_rule)
    shown = _shown(name)
    if name != name.strip() or any(c.isspace() for c in name):
        raise UsageError(f"project name '{shown}' contains whitespace", hint_rule)
    if "/" in name or "\\" in name or name in {".", ".."}:
        raise UsageError(
            f"project name '{shown}' is a path, not a name",
            "give a plain name and choose the parent directory with --output-dir",
        )
    if not name.isascii():
        raise UsageError(f"project name '{shown}' has non-ASCII characters", hint_rule)
    if len(name) > MAX_LENGTH:
        raise UsageError(
            f"project name is {len(name)} characters long; the limit is {MAX_LENGTH}",
            "choose a shorter name",
        )
    if not _ALLOWED.fullmatch(name):
        bad = sorted({c for c in name if not re.fullmatch(r"[A-Za-z0-9_-]", c)})
        shown_bad = " ".join(f'"{c}"' if c == "'" else f"'{_shown(c)}'" for c in bad)
        raise UsageError(
            f"project name '{shown}' contains {shown_bad}: only letters, digits, '-' and '_' "
            "are allowed",
            hint_rule,
        )
    if not name[0].isalpha():
        what = "a digit" if name[0].isdigit() else f"'{name[0]}'"
        suggestion = "my-" + name.lstrip("-_")
        raise UsageError(
            f"project name '{name}' starts with {what}; a Python package cannot",
            f"start with a letter, e.g. '{suggestion}'",
        )
    if name[-1] in "-_":
        raise UsageError(
            f"project name '{name}' ends with '{name[-1]}'",
            f"end with a letter or digit, e.g. '{name.rstrip('-_')}'",
        )

    package = name.lower().replace("-", "_")
    distribution = re.sub(r"[-_.]+", "-", name).lower()
    if keyword.iskeyword(package) or keyword.iskeyword(name):
        raise UsageError(
            f"project name '{name}' is a Python keyword",
            f"choose another name, e.g. '{_suggest(package)}'",
        )
    if package in sys.stdlib_module_names:
        raise UsageError(
            f"project name '{name}' is a standard-library module; "
            f"'import {package}' would be ambiguous",
            f"choose another name, e.g. '{_suggest(package)}'",
        )
    if package in RESERVED:
        raise UsageError(
            f"project name '{name}' is the name of a package the project uses or ships",
            f"choose another name, e.g. '{_suggest(package)}'",
        )
    return ProjectNames(name=name, distribution=distribution, package=package)
