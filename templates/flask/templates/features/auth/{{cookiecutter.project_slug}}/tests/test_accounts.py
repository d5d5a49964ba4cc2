"""The account pages: signup, login, logout, password change and reset, as a browser uses them."""

from __future__ import annotations

import re

import pytest

from {{ cookiecutter.package_name }}.accounts import links
from {{ cookiecutter.package_name }}.accounts.models import User
from {{ cookiecutter.package_name }}.extensions import db

from .conftest import PASSWORD

NEW_PASSWORD = "a brand new passphrase"


def logged_in_as(client) -> str | None:
    """The address the nav shows as logged in, if any."""
    html = client.get("/").get_data(as_text=True)
    found = re.search(r'<span class="account-nav__who">([^<]+)</span>', html)
    return found.group(1) if found else None


def link_in(message) -> str:
    found = re.search(r"http://localhost(/accounts/\S+)", message.body)
    assert found, message.body
    return found.group(1)


def test_the_nav_offers_to_log_in_or_sign_up(anonymous):
    html = anonymous.get("/").get_data(as_text=True)
    assert 'href="/accounts/login/"' in html
    assert 'href="/accounts/signup/"' in html
    assert "Log out" not in html


def test_the_nav_of_a_user_shows_who_and_log_out(client, user):
    html = client.get("/").get_data(as_text=True)
    assert f'<span class="account-nav__who">{user.email}</span>' in html
    assert 'action="/accounts/logout/"' in html


def test_the_forms_label_their_fields(anonymous):
    for url in ("/accounts/signup/", "/accounts/login/", "/accounts/password-reset/"):
        html = anonymous.get(url).get_data(as_text=True)
        for name in re.findall(r'<input id="(\w+)"', html):
            assert f'<label for="{name}">' in html, (url, name)


def test_signup_logs_the_new_user_in_at_once(anonymous, outbox):
    response = anonymous.post(
        "/accounts/signup/",
        data={"email": "Grace@Example.com", "password": PASSWORD, "password2": PASSWORD},
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert logged_in_as(anonymous) == "grace@example.com"  # addresses are kept in lower case
    assert [message.to for message in outbox] == [["grace@example.com"]]
    assert "Welcome" in outbox[0].subject


@pytest.mark.parametrize(
    ("password", "password2", "field", "message"),
    [
        ("short", "short", "password", "at least 10 characters"),
        ("password1234", "password1234", "password", "too common"),
        ("grace-hopper-2026", "grace-hopper-2026", "password", "does not contain your email"),
        ("12345678901234", "12345678901234", "password", "letters too"),
        (PASSWORD, PASSWORD + "!", "password2", "The two passwords differ."),
    ],
)
def test_signup_refuses_weak_passwords(anonymous, password, password2, field, message):
    data = {"email": "grace-hopper@example.com", "password": password, "password2": password2}
    response = anonymous.post("/accounts/signup/", data=data)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert message in html
    # The error is tied to its field, for screen readers.
    assert re.search(rf'id="{field}"[^>]*aria-describedby="[^"]*{field}-error"', html)
    assert f'id="{field}-error"' in html
    assert logged_in_as(anonymous) is None


@pytest.mark.parametrize("email", ["", "not-an-address", "a@b", "x" * 250 + "@example.com"])
def test_signup_refuses_what_is_no_address(anonymous, email):
    data = {"email": email, "password": PASSWORD, "password2": PASSWORD}
    response = anonymous.post("/accounts/signup/", data=data)
    assert response.status_code == 422
    assert 'id="email-error"' in response.get_data(as_text=True)


def test_login_and_logout(anonymous, user):
    response = anonymous.post(
        "/accounts/login/", data={"email": "ADA@example.com ", "password": PASSWORD}
    )
    assert response.status_code == 303
    assert response.headers["Location"] == "/"
    assert logged_in_as(anonymous) == user.email
    assert anonymous.get("/accounts/login/").status_code == 303  # logged in already
    response = anonymous.post("/accounts/logout/")
    assert response.status_code == 303
    assert logged_in_as(anonymous) is None


def test_logout_is_post_only(client, user):
    assert client.get("/accounts/logout/").status_code == 405
    assert logged_in_as(client) == user.email


def test_a_wrong_password_is_refused(anonymous, user):
    response = anonymous.post("/accounts/login/", data={"email": user.email, "password": "nope"})
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "The email address or the password is wrong." in html
    assert 'role="alert"' in html
    assert logged_in_as(anonymous) is None


def test_remember_me_sets_a_lasting_cookie(anonymous, user):
    data = {"email": user.email, "password": PASSWORD, "remember": "1"}
    response = anonymous.post("/accounts/login/", data=data)
    assert response.status_code == 303
    assert any(c.startswith("remember_token=") for c in response.headers.getlist("Set-Cookie"))


def test_a_page_that_writes_sends_a_visitor_to_log_in_and_back(anonymous, user):
    response = anonymous.post("/", data={"name": "Widget"})
    assert response.status_code == 302
    assert response.headers["Location"] == "/accounts/login/?next=%2F"
    page = anonymous.get("/accounts/login/?next=/accounts/tokens/").get_data(as_text=True)
    assert 'name="next" value="/accounts/tokens/"' in page
    data = {"email": user.email, "password": PASSWORD, "next": "/accounts/tokens/"}
    response = anonymous.post("/accounts/login/", data=data)
    assert response.headers["Location"] == "/accounts/tokens/"


def test_password_change(client, user):
    data = {"current_password": PASSWORD, "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = client.post("/accounts/password-change/", data=data)
    assert response.status_code == 303
    assert logged_in_as(client) == user.email  # still logged in, in a new session
    client.post("/accounts/logout/")
    old = client.post("/accounts/login/", data={"email": user.email, "password": PASSWORD})
    assert old.status_code == 422
    new = client.post("/accounts/login/", data={"email": user.email, "password": NEW_PASSWORD})
    assert new.status_code == 303


def test_password_change_needs_the_current_password(client):
    assert client.get("/accounts/password-change/").status_code == 200
    data = {"current_password": "guess", "password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    response = client.post("/accounts/password-change/", data=data)
    assert response.status_code == 422
    assert "This is not your current password." in response.get_data(as_text=True)
    data["current_password"] = PASSWORD
    data["password"] = data["password2"] = "short"
    assert client.post("/accounts/password-change/", data=data).status_code == 422


def test_password_change_needs_a_login(anonymous):
    response = anonymous.get("/accounts/password-change/")
    assert response.status_code == 302
    assert response.headers["Location"].startswith("/accounts/login/")


def test_password_reset_by_the_mailed_link(anonymous, user, outbox):
    assert anonymous.get("/accounts/password-reset/").status_code == 200
    response = anonymous.post("/accounts/password-reset/", data={"email": user.email})
    assert response.status_code == 303
    assert response.headers["Location"] == "/accounts/login/"
    assert len(outbox) == 1
    assert outbox[0].to == [user.email]
    link = link_in(outbox[0])
    assert anonymous.get(link).status_code == 200
    weak = anonymous.post(link, data={"password": "short", "password2": "short"})
    assert weak.status_code == 422
    data = {"password": NEW_PASSWORD, "password2": NEW_PASSWORD}
    assert anonymous.post(link, data=data).status_code == 303
    # The link works once.
    assert anonymous.get(link).status_code == 400
    assert anonymous.post(link, data=data).status_code == 400
    login = {"email": user.email, "password": NEW_PASSWORD}
    assert anonymous.post("/accounts/login/", data=login).status_code == 303


def test_a_reset_link_expires(app, anonymous, user, monkeypatch):
    with app.test_request_context():
        token = links.reset_token(db.session.get_one(User, user.id))
    monkeypatch.setattr(links, "RESET_MAX_AGE", -1)
    assert anonymous.get(f"/accounts/password-reset/{token}/").status_code == 400


@pytest.mark.parametrize("token", ["nonsense", "eyJpZCI6MX0.forged.signature", "MTIz.x.y"])
def test_a_forged_reset_link_is_refused(anonymous, user, token):
    assert anonymous.get(f"/accounts/password-reset/{token}/").status_code == 400


def test_password_reset_refuses_what_is_no_address(anonymous, outbox):
    response = anonymous.post("/accounts/password-reset/", data={"email": "nobody"})
    assert response.status_code == 422
    assert outbox == []


def test_a_mail_server_that_fails_changes_nothing_the_visitor_sees(anonymous, user, monkeypatch):
    def refuse(*args, **kwargs):
        raise ConnectionRefusedError("no mail server")

    monkeypatch.setattr("flask_mailman.EmailMessage.send", refuse)
    response = anonymous.post("/accounts/password-reset/", data={"email": user.email})
    assert response.status_code == 303
