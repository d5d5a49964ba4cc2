"""Health check for load balancers, orchestrators and uptime monitors."""

from __future__ import annotations

import logging

from flask import Blueprint
from flask.typing import ResponseReturnValue
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from .extensions import db

log = logging.getLogger(__name__)

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz() -> ResponseReturnValue:
    headers = {"Cache-Control": "no-store"}
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        # One line, not a traceback: monitors call this every few seconds.
        log.error("Health check: the database did not answer: %s", error)
        return {"status": "error", "database": "error"}, 503, headers
    return {"status": "ok", "database": "ok"}, 200, headers
