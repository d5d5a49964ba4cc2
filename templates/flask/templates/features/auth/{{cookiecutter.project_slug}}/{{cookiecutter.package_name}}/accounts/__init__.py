"""Accounts: users who log in by email, their pages under /accounts/, and who may write.

- models.py: `User` (an email, unique whatever its case, and an Argon2id password hash) and
  `ApiToken` (kept as a SHA-256 digest: the token itself is shown once, when it is made).
- views.py: signup/, login/, logout/ (POST only), password-change/, password-reset/ (a mailed
  link that works once, for an hour), verify/ (when EMAIL_VERIFICATION is on) and tokens/.
- access.py: `login_required` for pages (a visitor goes to the login page, and comes back),
  `api_auth` for the API's writes (`@bp.auth_required(api_auth)`: a Bearer token, or the
  session with its CSRF token; 401 JSON otherwise), and the login throttling (429).
- passwords.py (hashing, strength), links.py (the signed links), mail.py (EMAIL_URL), and
  cli.py: `flask create-user [--admin] EMAIL`.
"""

from __future__ import annotations

from flask import Flask

from . import cli, mail, views
from .access import api_auth, document_security, limiter, login_manager, login_required

__all__ = ["api_auth", "document_security", "init_app", "login_required"]


def init_app(app: Flask) -> None:
    login_manager.init_app(app)
    limiter.init_app(app)
    mail.init_app(app)
    app.register_blueprint(views.bp)
    app.register_error_handler(429, views.too_many_attempts)
    app.cli.add_command(cli.create_user)
