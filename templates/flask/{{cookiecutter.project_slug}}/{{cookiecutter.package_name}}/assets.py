"""Cache-busting URLs for static files.

`url_for("static", filename="css/app.css")` becomes `/static/css/app.css?v=<hash>`, where the
hash is of the file's content: the URL changes exactly when the file does, and is the same in
every worker and on every server. Production tells browsers to keep static files for a year
(SEND_FILE_MAX_AGE_DEFAULT in config.py). This needs no build step and no extra package
(WhiteNoise would serve the files, but Flask has no manifest to give them hashed names); in
front of gunicorn, nginx can serve /static/ itself with the same Cache-Control header.
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache
from typing import Any

from flask import Flask, current_app
from werkzeug.security import safe_join


def init_app(app: Flask) -> None:
    app.url_defaults(add_static_version)


def add_static_version(endpoint: str, values: dict[str, Any]) -> None:
    if endpoint != "static" or "v" in values or not current_app.static_folder:
        return
    version = static_version(current_app.static_folder, values.get("filename", ""))
    if version:
        values["v"] = version


def static_version(folder: str, filename: str) -> str | None:
    """A short hash of the file's content, or None if there is no such file."""
    path = safe_join(folder, filename)
    if path is None:
        return None
    try:
        stat = os.stat(path)
    except OSError:
        return None
    return _content_hash(path, stat.st_mtime_ns, stat.st_size)


@lru_cache(maxsize=512)
def _content_hash(path: str, mtime_ns: int, size: int) -> str:
    # mtime and size are part of the cache key, so an edited file is hashed again.
    with open(path, "rb") as file:
        return hashlib.sha256(file.read()).hexdigest()[:12]
