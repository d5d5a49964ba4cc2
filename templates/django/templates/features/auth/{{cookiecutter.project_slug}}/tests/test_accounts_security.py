"""The accounts against the usual attacks: user enumeration, password guessing (throttling),
open redirects through `next`, CSRF, session fixation; and how passwords are stored."""

from __future__ import annotations

import os
import runpy
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest
from django.contrib.messages import get_messages
from django.core import mail
from django.test import Client

from accounts.models import User
from config.settings import PASSWORD_HASHERS
from tests.conftest import PASSWORD

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

BASE_DIR = Path(__file__).resolve().parent.parent


def said(response: Response) -> list[str]:
    """The messages the response left for the next page."""
    return [str(message) for message in get_messages(response.wsgi_request)]


def log_in(client: Client, email: str, password: str, **extra: Any) -> Response:
    return client.post("/accounts/login/", {"username": email, "password": password}, **extra)


# No user enumeration: the same answer for an address with an account and one without.


def test_signup_answers_the_same_for_a_taken_address(user):
    taken = Client().post("/accounts/signup/", {"email": user.email, "password": PASSWORD})
    free = Client().post("/accounts/signup/", {"email": "new@example.com", "password": PASSWORD})

    assert taken.status_code == free.status_code == 302
    assert taken["Location"] == free["Location"]
    assert [m.replace(user.email, "@") for m in said(taken)] == [
        m.replace("new@example.com", "@") for m in said(free)
    ]
    # The owner of the taken address hears of it; no second account is made.
    assert [message.to for message in mail.outbox] == [[user.email], ["new@example.com"]]
    assert "tried to sign up" in mail.outbox[0].subject
    assert User.objects.filter(email=user.email).count() == 1


def test_login_answers_the_same_for_an_unknown_address(user):
    wrong = log_in(Client(), user.email, "not the password")
    unknown = log_in(Client(), "nobody@example.com", "not the password")

    assert wrong.status_code == unknown.status_code == 200
    assert wrong.context["form"].errors == unknown.context["form"].errors
    assert "The email address or the password is wrong." in wrong.content.decode()


def test_password_reset_answers_the_same_for_an_unknown_address(user):
    known = Client().post("/accounts/password-reset/", {"email": user.email})
    unknown = Client().post("/accounts/password-reset/", {"email": "nobody@example.com"})

    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"]
    assert said(known) == said(unknown)
    assert [message.to for message in mail.outbox] == [[user.email]]


# Throttling (django-axes): 5 failures lock an account, 20 an address, for 15 minutes.


def test_repeated_wrong_passwords_lock_the_account_with_429(user):
    guesser = Client()
    for _ in range(4):
        assert log_in(guesser, user.email, "guess").status_code == 200

    locked = log_in(guesser, user.email, "guess")

    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    # Even the right password, and from another address: the account is locked.
    assert log_in(guesser, user.email, PASSWORD).status_code == 429
    assert log_in(Client(), user.email, PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 429
    # Another account from elsewhere still logs in.
    User.objects.create_user("grace@example.com", PASSWORD)
    elsewhere = log_in(Client(), "grace@example.com", PASSWORD, REMOTE_ADDR="10.0.0.9")
    assert elsewhere.status_code == 302


def test_the_account_is_counted_whatever_the_case(user):
    for email in ["ADA@example.com", "Ada@Example.com", "ada@EXAMPLE.com", "aDa@example.com"]:
        log_in(Client(), email, "guess")

    assert log_in(Client(), user.email.upper(), "guess").status_code == 429


def test_an_address_is_locked_after_20_failures_on_any_accounts(user):
    for n in range(19):
        assert log_in(Client(), f"user{n}@example.com", "guess").status_code == 200

    assert log_in(Client(), "user19@example.com", "guess").status_code == 429
    assert log_in(Client(), user.email, PASSWORD).status_code == 429
    assert log_in(Client(), user.email, PASSWORD, REMOTE_ADDR="10.0.0.9").status_code == 302


def test_behind_the_proxy_the_forwarded_address_counts(user, settings):
    settings.ACCOUNTS_BEHIND_PROXY = True
    for n in range(20):
        forwarded = f"1.2.3.4, 10.0.0.{n}"
        log_in(Client(), f"user{n}@example.com", "guess", HTTP_X_FORWARDED_FOR=forwarded)

    # Each came from its own address (the last one, the proxy's): none is locked.
    response = log_in(Client(), user.email, PASSWORD, HTTP_X_FORWARDED_FOR="10.0.0.1")
    assert response.status_code == 302


# Open redirects: `next` must stay on this site.


@pytest.mark.parametrize(
    "target", ["https://evil.example/", "//evil.example/", "http:evil.example", "/\\evil.example"]
)
def test_next_never_leaves_the_site(user, target):
    logged = Client().post(
        "/accounts/login/", {"username": user.email, "password": PASSWORD, "next": target}
    )
    signed = Client().post(
        "/accounts/signup/", {"email": "new@example.com", "password": PASSWORD, "next": target}
    )

    assert logged["Location"] == "/"
    assert signed["Location"] == "/"


# CSRF: the forms refuse a post without the token.


@pytest.mark.parametrize(
    "url", ["/accounts/login/", "/accounts/signup/", "/accounts/logout/", "/accounts/tokens/"]
)
def test_the_forms_need_their_csrf_token(url, user):
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)

    assert client.post(url, {"username": user.email, "password": PASSWORD}).status_code == 403


# Session fixation: the session key changes at login.


def test_login_rotates_the_session(user):
    client = Client()
    client.get("/accounts/login/")
    session = client.session
    session["planted"] = "by an attacker"
    session.save()
    before = session.session_key

    assert log_in(client, user.email, PASSWORD).status_code == 302

    assert client.session.session_key != before


# Passwords in the database: Argon2id (the tests hash faster; production's hashers here).


def test_passwords_are_stored_as_argon2id(settings):
    settings.PASSWORD_HASHERS = PASSWORD_HASHERS

    Client().post("/accounts/signup/", {"email": "new@example.com", "password": PASSWORD})

    stored = User.objects.get().password
    assert stored.startswith("argon2$argon2id$")
    assert PASSWORD not in stored


# Cookies and email in production.


def production_settings(monkeypatch: pytest.MonkeyPatch, **environ: str) -> dict[str, Any]:
    for name in ["DEBUG", "EMAIL_URL", "DEFAULT_FROM_EMAIL", "ACCOUNTS_BEHIND_PROXY"]:
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("ENV_FILE", os.devnull)
    monkeypatch.setenv("SECRET_KEY", "s" * 50)
    for name, value in environ.items():
        monkeypatch.setenv(name, value)
    return runpy.run_path(str(BASE_DIR / "config" / "settings.py"))


def test_production_cookies_are_secure_httponly_samesite(monkeypatch):
    settings = production_settings(monkeypatch)

    assert settings["SESSION_COOKIE_SECURE"] is True
    assert settings["SESSION_COOKIE_HTTPONLY"] is True
    assert settings.get("SESSION_COOKIE_SAMESITE", "Lax") == "Lax"
    assert settings["CSRF_COOKIE_SECURE"] is True
    assert settings["ACCOUNTS_BEHIND_PROXY"] is True


def test_email_goes_through_smtp_from_email_url(monkeypatch):
    settings = production_settings(
        monkeypatch,
        EMAIL_URL="smtp+tls://mailer:s3cret@smtp.example.com:587",
        DEFAULT_FROM_EMAIL="Shop <shop@example.com>",
    )

    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.smtp.EmailBackend"
    assert settings["EMAIL_HOST"] == "smtp.example.com"
    assert settings["EMAIL_PORT"] == 587
    assert settings["EMAIL_HOST_USER"] == "mailer"
    assert settings["EMAIL_HOST_PASSWORD"] == "s3cret"
    assert settings["EMAIL_USE_TLS"] is True
    assert settings["DEFAULT_FROM_EMAIL"] == "Shop <shop@example.com>"


def test_email_goes_to_the_console_in_development(monkeypatch):
    settings = production_settings(monkeypatch, DEBUG="1", EMAIL_URL="consolemail://")

    assert settings["EMAIL_BACKEND"] == "django.core.mail.backends.console.EmailBackend"
