"""Email verification (EMAIL_VERIFICATION, {{ "on" if cookiecutter._features.auth.email_verification else "off" }} in this project): a new account confirms its
address by a mailed link before it logs in."""

from __future__ import annotations

import re

import pytest

from {{ cookiecutter.package_name }}.accounts import mail

from .conftest import PASSWORD


@pytest.fixture
def verifying(app):
    app.config["EMAIL_VERIFICATION"] = True
    return app


def test_signup_mails_a_link_that_logs_in(verifying, anonymous, outbox):
    data = {"email": "grace@example.com", "password": PASSWORD, "password2": PASSWORD}
    assert anonymous.post("/accounts/signup/", data=data).status_code == 303
    assert "account-nav__who" not in anonymous.get("/").get_data(as_text=True)
    login = {"email": "grace@example.com", "password": PASSWORD}
    refused = anonymous.post("/accounts/login/", data=login)
    assert refused.status_code == 422
    assert "Confirm your address first" in refused.get_data(as_text=True)
    found = re.search(r"http://localhost(/accounts/verify/\S+)", outbox[-1].body)
    assert found
    assert anonymous.get(found.group(1)).status_code == 303
    assert "account-nav__who" in anonymous.get("/").get_data(as_text=True)
    anonymous.post("/accounts/logout/")
    assert anonymous.post("/accounts/login/", data=login).status_code == 303


def test_a_forged_link_is_refused(verifying, anonymous):
    assert anonymous.get("/accounts/verify/forged/").status_code == 400


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("console://", {"MAIL_BACKEND": "console"}),
        ("locmem://", {"MAIL_BACKEND": "locmem"}),
        ("smtp://mail.example.com", {"MAIL_SERVER": "mail.example.com", "MAIL_PORT": 25}),
        ("smtp://u:p%40ss@mail.example.com:587", {"MAIL_USE_TLS": True, "MAIL_PASSWORD": "p@ss"}),
        ("smtps://u:p@mail.example.com", {"MAIL_USE_SSL": True, "MAIL_PORT": 465}),
        ("smtp+tls://127.0.0.1:2525", {"MAIL_USE_TLS": True, "MAIL_USERNAME": None}),
    ],
)
def test_email_url(url, expected):
    settings = mail.settings(url)
    assert {key: settings[key] for key in expected} == expected


def test_an_unknown_email_url_stops_the_app(make_app):
    with pytest.raises(RuntimeError, match="EMAIL_URL must start with one of"):
        mail.settings("gopher://example.com")
