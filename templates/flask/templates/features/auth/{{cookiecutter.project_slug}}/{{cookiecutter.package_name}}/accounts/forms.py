"""What the accounts' forms accept. The forms are plain HTML, checked here; their CSRF tokens
are checked for every POST by Flask-WTF's CSRFProtect (extensions.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping

from . import passwords
from .models import EMAIL_MAX_LENGTH, TOKEN_NAME_MAX_LENGTH

# Deliberately plain: something@somewhere.tld without spaces. Only sending to it tells
# whether an address reaches anyone.
EMAIL_PATTERN = re.compile(r"[^\s@]+@[^\s@]+\.[^\s@]+")

Errors = dict[str, list[str]]


def valid_email(email: str) -> bool:
    return len(email) <= EMAIL_MAX_LENGTH and EMAIL_PATTERN.fullmatch(email) is not None


def email_errors(email: str) -> list[str]:
    if not email:
        return ["Enter your email address."]
    if not valid_email(email):
        return ["Enter an email address, such as name@example.com."]
    return []


def new_password_errors(form: Mapping[str, str], email: str, field: str = "password") -> Errors:
    """The errors of a new password and its confirmation (`<field>2`), if any."""
    password = form.get(field, "")
    weak = passwords.problems(password, email)
    if weak:
        return {field: weak}
    if form.get(f"{field}2", password) != password:
        return {f"{field}2": ["The two passwords differ."]}
    return {}


def signup(form: Mapping[str, str]) -> tuple[str, Errors]:
    email = form.get("email", "").strip()
    errors: Errors = {}
    if email_errors(email):
        errors["email"] = email_errors(email)
    errors |= new_password_errors(form, email)
    return email, errors


def token_name(form: Mapping[str, str]) -> tuple[str, Errors]:
    name = form.get("name", "").strip()
    if not name:
        return name, {"name": ["Name the token, after the client that will use it."]}
    if len(name) > TOKEN_NAME_MAX_LENGTH:
        return name, {"name": [f"Use at most {TOKEN_NAME_MAX_LENGTH} characters."]}
    return name, {}
