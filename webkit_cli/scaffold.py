"""Render a project template into a temporary sibling, then move it into place in one rename.

An interrupted or failed render leaves nothing behind: the temporary directory is removed, and
the target path only ever appears whole.
"""

from __future__ import annotations

import errno
import functools
import os
import secrets
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from webkit_cli.errors import StepFailed, UsageError

SECRET_FILES = (".env",)
# Variables that hold tables and lists (the record's features and resources): given to the
# template as they are, where cookiecutter would merge them into the template's defaults.
STRUCTURED = ("_features", "_resources", "_apps")
# A template's optional features live in its include folder, templates/<framework>/templates/
# features/<name>/: the text the feature adds to shared files (included by name, like the
# database's in templates/database/<db>/), and an overlay, a folder like the template's own
# project folder, rendered on top of the project when the feature is on.
FEATURES_DIR = "templates/features"
# A generated resource's own files (model aside: shared files include its parts), rendered on
# top of the project once per resource of the record, with `resource` (resources.py's names);
# likewise a generated app's, with `app`; and once, when there is either, what they share.
OVERLAYS = {"_resources": ("templates/resource", "resource"), "_apps": ("templates/app", "app")}
GENERATED_DIR = "templates/generated"
# pip compiles every .py file of a wheel it installs, the template's own too (sources with Jinja
# in them): that bytecode is no part of any project. Copied without a look (cookiecutter would
# sniff each file), then removed from the render.
BYTECODE_DIR = "__pycache__"


def template_dir(name: str) -> Path:
    """The current release of the template `name` (see template_store)."""
    from webkit_cli import template_store

    return template_store.current_dir(name)


# What makes a file a Jinja template: without any of these, rendering gives the file back.
_JINJA_MARKERS = (b"{{", b"{%", b"{#")


@functools.cache  # `new` renders twice (pyproject.toml alone, then all); the files stay put
def _plain_files(template: Path) -> tuple[str, ...]:
    """The files of `template` that a render would write back unchanged (no Jinja in them, and
    "\n" line ends, which cookiecutter keeps), as patterns for cookiecutter's
    `_copy_without_render`: copied, rather than sniffed by binaryornot and compiled by Jinja,
    about half the time of a render. Paths are relative to the project folder of the template,
    as cookiecutter matches them, and escaped, as fnmatch reads them."""
    import glob

    from cookiecutter.find import find_template
    from jinja2 import Environment

    try:
        root = Path(find_template(template, Environment(autoescape=True)))
    except Exception:  # the render itself reports a template it cannot use
        return ()
    plain = []
    for path in sorted(root.rglob("*")):
        if BYTECODE_DIR in path.relative_to(root).parts:
            continue
        try:
            data = path.read_bytes() if path.is_file() and not path.is_symlink() else None
        except OSError:
            continue
        if data is None or b"\r" in data or any(m in data for m in _JINJA_MARKERS):
            continue
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            continue  # cookiecutter copies binary files as they are anyway
        plain.append(glob.escape(str(path.relative_to(root))))
    return tuple(plain)


@functools.cache
def _compiled_templates() -> Any:
    """Jinja's compiled templates: kept for the process (`update`, `add` and `generate` render
    two records of one template), and in webkit's cache folder for the next command (see
    bytecode.cache_dir; `webkit cache clean` removes them too). Keyed by each file's name and
    source, so a rebuilt earlier release (in a temporary folder) shares what did not change,
    and an edited template is compiled again."""
    import hashlib
    import sys

    from jinja2.bccache import Bucket, BytecodeCache

    from webkit_cli import bytecode

    cache = bytecode.cache_dir()
    folder = None
    if cache is not None:
        folder = cache / "bytecode" / f"webkit-templates-{sys.implementation.cache_tag}"

    class Compiled(BytecodeCache):
        def __init__(self) -> None:
            self.code: dict[str, bytes] = {}

        def get_bucket(self, environment: Any, name: str, filename: str | None, source: str):
            key = hashlib.sha256(f"{name}\0{source}".encode()).hexdigest()
            bucket = Bucket(environment, key, self.get_source_checksum(source))
            self.load_bytecode(bucket)
            return bucket

        def load_bytecode(self, bucket: Bucket) -> None:
            code = self.code.get(bucket.key)
            if code is None and folder is not None:
                try:
                    code = (folder / bucket.key).read_bytes()
                except OSError:
                    return
            if code is not None:
                bucket.bytecode_from_string(code)

        def dump_bytecode(self, bucket: Bucket) -> None:
            code = self.code[bucket.key] = bucket.bytecode_to_string()
            if folder is None:
                return
            try:  # a cache: when it cannot be written, the next command compiles again
                folder.mkdir(parents=True, exist_ok=True)
                tmp = folder / f".{bucket.key}.{os.getpid()}"
                tmp.write_bytes(code)
                os.replace(tmp, folder / bucket.key)
            except OSError:
                pass

    return Compiled()


def render_context(template: Path, values: dict[str, Any]) -> dict[str, Any]:
    """The full cookiecutter context: the template's defaults, overridden by `values`."""
    from cookiecutter.generate import generate_context
    from cookiecutter.prompt import prompt_for_config

    context = generate_context(
        context_file=str(template / "cookiecutter.json"),
        default_context={},
        extra_context={key: value for key, value in values.items() if key not in STRUCTURED},
    )
    declared = context["cookiecutter"]
    structured = {key: values[key] for key in STRUCTURED if key in declared and key in values}
    context["cookiecutter"] = {**prompt_for_config(context, no_input=True), **structured}
    context["_cookiecutter"] = {
        k: v for k, v in context["cookiecutter"].items() if not k.startswith("_")
    }
    # cookiecutter creates its Jinja environment with these (and the template's own).
    env_vars = dict(context["cookiecutter"].get("_jinja2_env_vars", {}))
    context["cookiecutter"]["_jinja2_env_vars"] = {
        **env_vars,
        "bytecode_cache": _compiled_templates(),
    }
    copy_only = context["cookiecutter"].get("_copy_without_render", [])
    context["cookiecutter"]["_copy_without_render"] = [
        *copy_only,
        *_plain_files(template),
        f"*{BYTECODE_DIR}",
    ]
    context["cookiecutter"]["_template"] = str(template)
    context["cookiecutter"]["_repo_dir"] = str(template)
    return context


def _generate(template: Path, values: dict[str, Any], output_dir: Path) -> Path:
    # cookiecutter's own entry point also writes a replay file (with the secret key in it) to
    # the user's home; rendering through generate_files writes only the project.
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.generate import generate_files

    try:
        context = render_context(template, values)
        context["cookiecutter"]["_output_dir"] = str(output_dir)
        result = generate_files(
            repo_dir=str(template),
            context=context,
            output_dir=str(output_dir),
            accept_hooks=False,
        )
        rendered = Path(result)
        overlays = [
            (template / FEATURES_DIR / feature, {})
            for feature in context["cookiecutter"].get("_features", {})
        ]
        for variable, (folder, name) in OVERLAYS.items():
            overlays += [
                (template / folder, {name: item})
                for item in context["cookiecutter"].get(variable, [])
            ]
        if any(context["cookiecutter"].get(variable) for variable in OVERLAYS):
            overlays.append((template / GENERATED_DIR, {"part": {"name": "of the generated"}}))
        for overlay, extra in overlays:
            if overlay.is_dir():
                with tempfile.TemporaryDirectory(dir=output_dir) as scratch:
                    layer = generate_files(
                        repo_dir=str(overlay),
                        context=_overlay_context(overlay, context, extra),
                        output_dir=scratch,
                        accept_hooks=False,
                    )
                    _lay(Path(layer), rendered, extra)
    except CookiecutterException as exc:
        raise _template_bug(exc) from exc
    for cache in sorted(rendered.rglob(BYTECODE_DIR), reverse=True):
        if cache.is_dir() and not cache.is_symlink():
            shutil.rmtree(cache)
    for name in SECRET_FILES:
        secret = rendered / name
        if secret.is_file():
            secret.chmod(0o600)
    return rendered


def _lay(layer: Path, rendered: Path, extra: dict[str, Any]) -> None:
    """Copy an overlay's files onto the project. A feature's may replace the project's; a
    resource's or an app's (`extra` names it) only add files (those they share, such as a
    resource's helpers, are the same for each), so one that would change a file is refused."""
    for source in sorted(layer.rglob("*")):
        if not source.is_file():
            continue
        relative = source.relative_to(layer)
        target = rendered / relative
        if extra and target.is_file() and target.read_bytes() != source.read_bytes():
            kind, item = next(iter(extra.items()))
            raise UsageError(
                f"the {kind} {item.get('class_name') or item.get('name', '')} would write "
                f"{relative.as_posix()}, which the project has already",
                "choose another name",
            )
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target)


def _overlay_context(
    overlay: Path, context: dict[str, Any], extra: dict[str, Any]
) -> dict[str, Any]:
    """The base render's context, with the overlay's own plain files copied as they are, and
    `extra` variables (the resource or app it renders)."""
    cookiecutter = dict(context["cookiecutter"])
    cookiecutter["_copy_without_render"] = [*_plain_files(overlay), f"*{BYTECODE_DIR}"]
    cookiecutter["_template"] = cookiecutter["_repo_dir"] = str(overlay)
    return {**context, "cookiecutter": cookiecutter, **extra}


@contextmanager
def _temporary_sibling(target: Path) -> Iterator[Path]:
    # The name is chosen before the folder is made, so that the cleanup knows it even when a
    # Ctrl-C is handled right after mkdir(2) (tempfile.mkdtemp would not have returned it yet).
    staging = target.parent / f".{target.name}.webkit-{secrets.token_hex(8)}"
    theirs = False  # the name was taken: by someone else's folder, never ours to remove
    try:
        try:
            os.mkdir(staging, 0o700)
        except FileExistsError:
            theirs = True
            raise UsageError(f"{staging} is in the way", "remove it, then run again") from None
        except OSError as exc:
            raise UsageError(
                f"cannot write in {target.parent}: {exc.strerror}",
                "choose a directory you can write to with --output-dir",
            ) from None
        yield staging
    finally:
        if not theirs:
            shutil.rmtree(staging, ignore_errors=True)


def render(template: Path, values: dict[str, Any], target: Path) -> Path:
    """Render `template` with `values` so that it appears at `target` whole, or not at all.

    rename(2) replaces an empty directory and refuses a non-empty one, so of two concurrent
    renders into the same place exactly one wins.
    """
    with _temporary_sibling(target) as staging:
        try:
            rendered = _generate(template, values, staging)
        except OSError as exc:
            raise StepFailed(
                f"writing the project failed: {exc.strerror or exc}",
                f"free some space or fix permissions in {target.parent}, then run again",
            ) from None
        try:
            os.rename(rendered, target)
        except OSError as exc:
            if exc.errno in (errno.EEXIST, errno.ENOTEMPTY, errno.EISDIR, errno.ENOTDIR):
                raise UsageError(
                    f"{target} appeared while the project was being rendered",
                    "another process created it; choose another name or remove it",
                ) from None
            raise StepFailed(f"moving the project into place failed: {exc.strerror}") from None
    return target


def render_one(template: Path, values: dict[str, Any], relative: str) -> str:
    """The text one file of the template renders to (`relative` to the project's root), as
    the whole render would write it, without writing anything."""
    from cookiecutter.environment import StrictEnvironment
    from cookiecutter.exceptions import CookiecutterException
    from cookiecutter.find import find_template
    from jinja2 import FileSystemLoader, TemplateError

    try:
        context = render_context(template, values)
        env = StrictEnvironment(context=context, keep_trailing_newline=True)
        project = find_template(template, env)
        # as generate_files sets it: the project folder, and the template's shared fragments
        env.loader = FileSystemLoader([str(project), str(project.parent / "templates")])
        text = (project / relative).read_text(encoding="utf-8")
        return env.from_string(text).render(**context)
    except (CookiecutterException, TemplateError, OSError) as exc:
        raise _template_bug(exc) from exc


def _template_bug(exc: Exception) -> StepFailed:
    return StepFailed(
        f"the template could not be rendered: {exc}",
        "this is a bug in webkit's template; run with --debug and report it",
    )


def preview(template: Path, values: dict[str, Any]) -> list[str]:
    """The relative paths a render would create, computed in the system temp directory."""
    with tempfile.TemporaryDirectory(prefix="webkit-preview-") as scratch:
        rendered = _generate(template, values, Path(scratch))
        return sorted(
            str(path.relative_to(rendered)) for path in rendered.rglob("*") if path.is_file()
        )
