"""Email, with Flask-Mailman: where it goes comes from EMAIL_URL (config.py).

- console:// prints it (development); locmem:// keeps it in memory (the tests).
- smtp://[USER:PASSWORD@]HOST[:PORT] sends it by SMTP: port 25 by default, with STARTTLS on
  port 587; smtp+tls://... with STARTTLS on any port; smtps://... over TLS (port 465).
"""

from __future__ import annotations

import logging
import smtplib
from typing import Any
from urllib.parse import unquote, urlsplit

from flask import Flask, render_template
from flask_mailman import EmailMessage, Mail

log = logging.getLogger(__name__)
mail = Mail()

BACKENDS = {"console": "console", "locmem": "locmem", "dummy": "dummy"}
SMTP = {"smtp": (25, False), "smtp+tls": (587, False), "smtps": (465, True)}
STARTTLS_PORT = 587


def init_app(app: Flask) -> None:
    app.config.update(settings(app.config["EMAIL_URL"]))
    app.config["MAIL_DEFAULT_SENDER"] = app.config["DEFAULT_FROM_EMAIL"]
    mail.init_app(app)


def settings(url: str) -> dict[str, Any]:
    """Flask-Mailman's settings for an EMAIL_URL."""
    parts = urlsplit(url)
    if parts.scheme in BACKENDS:
        return {"MAIL_BACKEND": BACKENDS[parts.scheme]}
    if parts.scheme not in SMTP:
        choices = ", ".join(f"{scheme}://" for scheme in [*BACKENDS, *SMTP])
        raise RuntimeError(f"EMAIL_URL must start with one of {choices}, not {url!r}.")
    default_port, use_ssl = SMTP[parts.scheme]
    port = parts.port or default_port
    return {
        "MAIL_BACKEND": "smtp",
        "MAIL_SERVER": parts.hostname or "localhost",
        "MAIL_PORT": port,
        "MAIL_USERNAME": unquote(parts.username) if parts.username else None,
        "MAIL_PASSWORD": unquote(parts.password) if parts.password else None,
        "MAIL_USE_SSL": use_ssl,
        "MAIL_USE_TLS": parts.scheme == "smtp+tls" or (not use_ssl and port == STARTTLS_PORT),
        "MAIL_TIMEOUT": 10,
    }


def send(to: str, subject: str, template: str, **context: Any) -> bool:
    """Send the text of `accounts/email/<template>.txt` to `to`; False (logged) if the mail
    server refused it or did not answer: the page says the same either way."""
    body = render_template(f"accounts/email/{template}.txt", **context)
    try:
        EmailMessage(subject, body, to=[to]).send()
    except (OSError, smtplib.SMTPException) as error:
        log.error("Could not send %r to %s: %s", subject, to, error)
        return False
    return True
