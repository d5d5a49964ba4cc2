"""The {{ app.name }} blueprint: its pages under /{{ app.url }}/.

Its templates are in templates/{{ app.name }}/ here. Written by `webkit generate app`;
create_app registers it.
"""

from __future__ import annotations

from flask import Blueprint, render_template
from flask.typing import ResponseReturnValue

bp = Blueprint(
    "{{ app.name }}",
    __name__,
    url_prefix="/{{ app.url }}",
    template_folder="templates",
)


@bp.get("/")
def index() -> ResponseReturnValue:
    return render_template("{{ app.name }}/index.html")
