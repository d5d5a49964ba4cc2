"""/api/docs: the API's documentation page (Swagger UI), served from this app, CDN-free.

Swagger UI's files come from the swagger-ui-py package; the page starts it with
static/js/api-docs.js, since the Content-Security-Policy forbids inline scripts.
"""

from __future__ import annotations

import importlib.util
from importlib.metadata import version
from pathlib import Path

from flask import Blueprint, abort, current_app, render_template, send_from_directory
from flask.typing import ResponseReturnValue

from . import URL_PREFIX

# The package's folder, found without importing it (which would load its framework adapters).
spec = importlib.util.find_spec("swagger_ui")
if spec is None or not spec.submodule_search_locations:
    raise ImportError("swagger-ui-py is not installed: run `webkit setup`.")
SWAGGER_UI_DIR = Path(next(iter(spec.submodule_search_locations))) / "static"
SWAGGER_UI_FILES = {"swagger-ui-bundle.js", "swagger-ui.css"}
SWAGGER_UI_VERSION = version("swagger-ui-py")

# Swagger UI's stylesheet draws its icons as data: URLs.
DOCS_CSP_EXTRA = "; img-src 'self' data:"

bp = Blueprint("api_docs", __name__, url_prefix=URL_PREFIX)


@bp.get("/docs")
def docs() -> ResponseReturnValue:
    csp = current_app.config["CONTENT_SECURITY_POLICY"] + DOCS_CSP_EXTRA
    page = render_template("api_docs.html", swagger_ui_version=SWAGGER_UI_VERSION)
    return page, {"Content-Security-Policy": csp}


@bp.get("/docs/<name>")
def swagger_ui(name: str) -> ResponseReturnValue:
    if name not in SWAGGER_UI_FILES:
        abort(404)
    return send_from_directory(SWAGGER_UI_DIR, name)
