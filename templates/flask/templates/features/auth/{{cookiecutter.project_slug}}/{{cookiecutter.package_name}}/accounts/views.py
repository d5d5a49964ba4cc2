"""The pages under /accounts/.

None of them tells whether an address has an account: signup, login and password reset
answer the same, in wording and status, for a known and an unknown address (signup and reset
say so by email, to the address's owner). Logging in starts a new session (nothing from the
one before it is kept); a new password ends every other session.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask.typing import ResponseReturnValue
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from werkzeug.exceptions import TooManyRequests
from werkzeug.wrappers import Response

from .. import errors as error_pages
from ..api import is_api_request
from ..extensions import db
from . import forms, links, mail, passwords
from .access import (
    LOGIN_LIMIT_PER_ACCOUNT,
    LOGIN_LIMIT_PER_ADDRESS,
    MAILING_LIMIT_PER_ADDRESS,
    limiter,
    login_required,
)
from .models import ApiToken, User

INVALID_LOGIN = "The email address or the password is wrong."
SIGNED_UP = "Thanks for signing up. We sent a message to {email}: it says what comes next."
RESET_SENT = (
    "If {email} has an account, we sent it a link to choose a new password. The link works "
    "once, for an hour."
)
CONFIRM_FIRST = "Confirm your address first: we sent a new link to {email}."

bp = Blueprint("accounts", __name__, url_prefix="/accounts")


def page(template: str, status: int = 200, **context: Any) -> ResponseReturnValue:
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return render_template(f"accounts/{template}.html", **context), status


def safe_next(target: str | None) -> str:
    """`target` when it is a path on this site, else the home page: a link to the login page
    cannot send anyone elsewhere once they are logged in."""
    if (
        target
        and target.startswith("/")
        and not target.startswith(("//", "/\\"))
        and "\\" not in target
        and target.isprintable()  # browsers drop tabs and newlines: "/\t/evil.example"
    ):
        parts = urlsplit(target)
        if not parts.scheme and not parts.netloc:
            return target
    return url_for("pages.index")


def start_session(user: User, *, remember: bool = False) -> None:
    """Log `user` in, in a new session: whatever the session held before (that someone could
    have planted) is dropped, and its cookie changes."""
    session.clear()
    login_user(user, remember=remember)


def failed(response: Response) -> bool:
    """Whether a login attempt counts against the limits: any answer but its redirect."""
    return response.status_code != 303


def account_key() -> str:
    return "login:" + request.form.get("email", "").strip().lower()


@bp.route("/signup/", methods=["GET", "POST"])
@limiter.limit(MAILING_LIMIT_PER_ADDRESS, methods=["POST"])
def signup() -> ResponseReturnValue:
    if request.method == "GET":
        return page("signup")
    email, errors = forms.signup(request.form)
    if errors:
        return page("signup", 422, errors=errors, values={"email": email})
    user = User.by_email(email)
    if user is not None:
        # The owner learns of it by email; the page says what it says to a new address.
        mail.send(user.email, "You already have an account", "account_exists", user=user)
    else:
        user = User(email=email, password=request.form["password"])
        db.session.add(user)
        try:
            db.session.commit()
        except IntegrityError:  # the same address, signed up a moment before
            db.session.rollback()
        else:
            welcome(user)
    flash(SIGNED_UP.format(email=email))
    return redirect(url_for("pages.index"), code=303)


def welcome(user: User) -> None:
    if current_app.config["EMAIL_VERIFICATION"]:
        send_verification(user)
        return
    mail.send(user.email, "Welcome", "welcome", user=user)
    start_session(user)


def send_verification(user: User) -> None:
    link = url_for(".verify", token=links.verify_token(user), _external=True)
    mail.send(user.email, "Confirm your email address", "verify", user=user, link=link)


@bp.get("/verify/<token>/")
def verify(token: str) -> ResponseReturnValue:
    user = links.user_to_verify(token)
    if user is None:
        return page("link_invalid", 400)
    user.email_verified = True
    db.session.commit()
    start_session(user)
    flash("Your address is confirmed: welcome.")
    return redirect(url_for("pages.index"), code=303)


@bp.route("/login/", methods=["GET", "POST"])
@limiter.limit(LOGIN_LIMIT_PER_ADDRESS, methods=["POST"], deduct_when=failed)
@limiter.limit(LOGIN_LIMIT_PER_ACCOUNT, key_func=account_key, methods=["POST"], deduct_when=failed)
def login() -> ResponseReturnValue:
    next_url = request.values.get("next", "")
    if request.method == "GET":
        if current_user.is_authenticated:
            return redirect(safe_next(next_url), code=303)
        return page("login", next=next_url)
    email = request.form.get("email", "").strip()
    password = request.form.get("password", "")
    user = User.by_email(email) if email else None
    if user is None:
        passwords.verify(passwords.dummy_hash(), password)  # as long as a known address takes
    if user is None or not user.check_password(password):
        errors = {"form": [INVALID_LOGIN]}
        return page("login", 422, errors=errors, values={"email": email}, next=next_url)
    db.session.commit()  # a hash made again with today's settings
    if current_app.config["EMAIL_VERIFICATION"] and not user.email_verified:
        send_verification(user)
        errors = {"form": [CONFIRM_FIRST.format(email=user.email)]}
        return page("login", 422, errors=errors, values={"email": email}, next=next_url)
    start_session(user, remember=bool(request.form.get("remember")))
    return redirect(safe_next(next_url), code=303)


@bp.post("/logout/")
def logout() -> ResponseReturnValue:
    logout_user()
    session.clear()
    flash("You are logged out.")
    return redirect(url_for("pages.index"), code=303)


@bp.route("/password-change/", methods=["GET", "POST"])
@login_required
def password_change() -> ResponseReturnValue:
    if request.method == "GET":
        return page("password_change")
    user: User = current_user._get_current_object()
    errors: forms.Errors = {}
    if not user.check_password(request.form.get("current_password", "")):
        errors["current_password"] = ["This is not your current password."]
    else:
        errors = forms.new_password_errors(request.form, user.email)
    if errors:
        return page("password_change", 422, errors=errors)
    user.set_password(request.form["password"])  # every other session ends
    db.session.commit()
    start_session(user)
    flash("Your password is changed. Any other session of yours has ended.")
    return redirect(url_for("pages.index"), code=303)


@bp.route("/password-reset/", methods=["GET", "POST"])
@limiter.limit(MAILING_LIMIT_PER_ADDRESS, methods=["POST"])
def password_reset() -> ResponseReturnValue:
    if request.method == "GET":
        return page("password_reset")
    email = request.form.get("email", "").strip()
    invalid = forms.email_errors(email)
    if invalid:
        return page("password_reset", 422, errors={"email": invalid}, values={"email": email})
    user = User.by_email(email)
    if user is not None:
        link = url_for(".password_reset_confirm", token=links.reset_token(user), _external=True)
        mail.send(user.email, "Choose a new password", "password_reset", user=user, link=link)
    flash(RESET_SENT.format(email=email))
    return redirect(url_for(".login"), code=303)


@bp.route("/password-reset/<token>/", methods=["GET", "POST"])
def password_reset_confirm(token: str) -> ResponseReturnValue:
    user = links.user_to_reset(token)
    if user is None:
        return page("link_invalid", 400)
    if request.method == "GET":
        return page("password_reset_confirm", token=token)
    errors = forms.new_password_errors(request.form, user.email)
    if errors:
        return page("password_reset_confirm", 422, errors=errors, token=token)
    user.set_password(request.form["password"])  # the link no longer verifies
    user.email_verified = True  # the link reached the address
    db.session.commit()
    logout_user()
    session.clear()
    flash("Your password is changed: log in with it.")
    return redirect(url_for(".login"), code=303)


@bp.route("/tokens/", methods=["GET", "POST"])
@login_required
def tokens() -> ResponseReturnValue:
    """The user's API tokens; a new one is shown once, on the page that made it."""
    user: User = current_user._get_current_object()
    if request.method == "GET":
        return page("tokens", rows=user.tokens)
    name, errors = forms.token_name(request.form)
    if errors:
        return page("tokens", 422, rows=user.tokens, errors=errors, values={"name": name})
    token = ApiToken.issue(user, name)
    db.session.commit()
    return page("tokens", 201, rows=user.tokens, new_token=token, new_name=name)


@bp.post("/tokens/<int:token_id>/revoke/")
@login_required
def revoke_token(token_id: int) -> ResponseReturnValue:
    query = select(ApiToken).where(ApiToken.id == token_id, ApiToken.user_id == current_user.id)
    row = db.session.scalar(query)
    if row is None:
        abort(404)
    db.session.delete(row)
    db.session.commit()
    flash(f"The token {row.name!r} is revoked: it no longer works.")
    return redirect(url_for(".tokens"), code=303)


def too_many_attempts(error: TooManyRequests) -> ResponseReturnValue:
    if is_api_request():
        return error_pages.handle_http_error(error)
    return page("too_many", 429)
