"""Error responses: JSON under /api, HTML pages elsewhere.

Under /api every error has the shape {"error": "Not Found", "message": "..."}: 400, 404 (with
or without a trailing slash), 405, 413, 415 and 500 alike.
"""

from __future__ import annotations

from flask import Flask, render_template
from flask.typing import ResponseReturnValue
from werkzeug.exceptions import HTTPException

from .api import is_api_request

HTML_PAGES = {404: "404.html", 500: "500.html"}


def init_app(app: Flask) -> None:
    # Registered on the app, not the API blueprint: a URL that matches no route (404) or no
    # method (405) never reaches a blueprint's handlers. Unhandled exceptions arrive here as
    # InternalServerError (500), after Flask has logged them.
    app.register_error_handler(HTTPException, handle_http_error)


def handle_http_error(error: HTTPException) -> ResponseReturnValue:
    if is_api_request():
        # Keep the error's own headers, such as Allow on a 405, but not its HTML content type.
        headers = [(key, value) for key, value in error.get_headers() if key != "Content-Type"]
        body = {"error": error.name, "message": error.description}
        return body, error.code or 500, headers
    if error.code in HTML_PAGES:
        return render_template(HTML_PAGES[error.code], error=error), error.code
    return error
