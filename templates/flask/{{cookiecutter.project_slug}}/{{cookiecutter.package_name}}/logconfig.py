"""Logging: one line per record on stderr, where gunicorn, systemd and Docker collect it."""

from __future__ import annotations

from logging.config import dictConfig


def configure_logging(level: str = "INFO") -> None:
    """Configure the root logger; call it before the app is created (see create_app)."""
    dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "default": {"format": "%(asctime)s %(levelname)s [%(name)s] %(message)s"},
                "bare": {"format": "%(message)s"},
            },
            "handlers": {
                "stderr": {
                    "class": "logging.StreamHandler",
                    "stream": "ext://sys.stderr",
                    "formatter": "default",
                },
                "bare_stderr": {
                    "class": "logging.StreamHandler",
                    "stream": "ext://sys.stderr",
                    "formatter": "bare",
                },
            },
            "root": {"level": level, "handlers": ["stderr"]},
            "loggers": {
                # The development server's request lines carry their own timestamp.
                "werkzeug": {"handlers": ["bare_stderr"], "propagate": False},
            },
        }
    )
