"""What a security review checks: no user enumeration, throttling, open redirects, CSRF,
session fixation, the cookies, and what the database keeps."""

from __future__ import annotations

import re

import pytest
from argon2 import PasswordHasher
from sqlalchemy import text

from {{ cookiecutter.package_name }}.accounts import passwords

from .conftest import PASSWORD


def page_text(response) -> str:
    """The page as a person reads it: without the CSRF token, which is random anyway."""
    html = response.get_data(as_text=True)
    return re.sub(r'(name="csrf-token" content|name="csrf_token" value)="[^"]*"', "", html)


def flashed(client) -> str:
    return page_text(client.get("/"))


@pytest.fixture
def known(make_user):
    return make_user("known@example.com")


def test_login_answers_alike_for_known_and_unknown_addresses(app, known):
    answers = []
    for email in ("known@example.com", "unknown@example.com"):
        client = app.test_client()
        response = client.post("/accounts/login/", data={"email": email, "password": "wrong"})
        answers.append((response.status_code, page_text(response).replace(email, "EMAIL")))
    assert answers[0] == answers[1]


def test_password_reset_answers_alike_for_known_and_unknown_addresses(app, known, outbox):
    answers = []
    for email in ("known@example.com", "unknown@example.com"):
        client = app.test_client()
        response = client.post("/accounts/password-reset/", data={"email": email})
        message = flashed(client).replace(email, "EMAIL")
        answers.append((response.status_code, response.headers["Location"], message))
    assert answers[0] == answers[1]
    assert [message.to for message in outbox] == [["known@example.com"]]


def test_signup_answers_alike_for_known_and_unknown_addresses(app, known, outbox):
    answers = []
    for email in ("known@example.com", "unknown@example.com"):
        client = app.test_client()
        data = {"email": email, "password": PASSWORD, "password2": PASSWORD}
        response = client.post("/accounts/signup/", data=data)
        answers.append((response.status_code, response.headers["Location"]))
        with client.session_transaction() as session:
            answers.append(dict(session.get("_flashes", [])).get("message", "").replace(email, ""))
    assert answers[0:2] == answers[2:4]
    # The owner of the known address hears of it by email, and nothing changed for them.
    assert outbox[0].to == ["known@example.com"]
    assert "already have an account" in outbox[0].subject


def test_repeated_failed_logins_of_one_account_are_refused(app, known):
    client = app.test_client()
    for _ in range(5):
        data = {"email": "known@example.com", "password": "wrong"}
        assert client.post("/accounts/login/", data=data).status_code == 422
    # Even with the right password, from anywhere: the account is throttled.
    other = app.test_client()
    data = {"email": "KNOWN@example.com", "password": PASSWORD}
    response = other.post("/accounts/login/", data=data, environ_base={"REMOTE_ADDR": "10.0.0.9"})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert "Retry-After" in response.headers


def test_repeated_failed_logins_from_one_address_are_refused(app):
    client = app.test_client()
    for number in range(20):
        data = {"email": f"someone{number}@example.com", "password": "wrong"}
        assert client.post("/accounts/login/", data=data).status_code == 422
    data = {"email": "someone-else@example.com", "password": "wrong"}
    assert client.post("/accounts/login/", data=data).status_code == 429


def test_successful_logins_are_not_throttled(app, known):
    client = app.test_client()
    for _ in range(8):
        data = {"email": "known@example.com", "password": PASSWORD}
        assert client.post("/accounts/login/", data=data).status_code == 303
        client.post("/accounts/logout/")


@pytest.mark.parametrize(
    "target",
    [
        "https://evil.example/",
        "//evil.example/",
        "/\\evil.example",
        "/\t/evil.example",
        "https:/evil.example",
        "javascript:alert(1)",
        "evil.example",
    ],
)
def test_next_cannot_lead_off_the_site(anonymous, known, target):
    data = {"email": "known@example.com", "password": PASSWORD, "next": target}
    response = anonymous.post("/accounts/login/", data=data)
    assert response.status_code == 303
    assert response.headers["Location"] == "/"


def test_forms_need_their_csrf_token(app, known):
    app.config["WTF_CSRF_ENABLED"] = True
    client = app.test_client()
    data = {"email": "known@example.com", "password": PASSWORD}
    assert client.post("/accounts/login/", data=data).status_code == 400
    html = client.get("/accounts/login/").get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found
    response = client.post("/accounts/login/", data={**data, "csrf_token": found.group(1)})
    assert response.status_code == 303


def test_a_browser_writing_to_the_api_needs_the_csrf_token(app, client):
    app.config["WTF_CSRF_ENABLED"] = True
    assert client.post("/api/items", json={"name": "Widget"}).status_code == 400
    html = client.get("/").get_data(as_text=True)
    found = re.search(r'<meta name="csrf-token" content="([^"]+)">', html)
    assert found
    headers = {"X-CSRFToken": found.group(1)}
    assert client.post("/api/items", json={"name": "Widget"}, headers=headers).status_code == 201


def test_logging_in_starts_a_new_session(anonymous, known):
    """Session fixation: nothing of the session before the login survives it."""
    with anonymous.session_transaction() as session:
        session["planted"] = "by someone else"
    before = anonymous.get_cookie("session")
    assert before is not None
    data = {"email": "known@example.com", "password": PASSWORD}
    assert anonymous.post("/accounts/login/", data=data).status_code == 303
    with anonymous.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"].startswith(f"{known.id}.")
    after = anonymous.get_cookie("session")
    assert after is not None
    assert after.value != before.value


def test_a_new_password_ends_the_other_sessions(app, known):
    laptop, phone = app.test_client(), app.test_client()
    for browser in (laptop, phone):
        data = {"email": "known@example.com", "password": PASSWORD}
        assert browser.post("/accounts/login/", data=data).status_code == 303
    new = "another long passphrase"
    data = {"current_password": PASSWORD, "password": new, "password2": new}
    assert laptop.post("/accounts/password-change/", data=data).status_code == 303
    assert "account-nav__who" in laptop.get("/").get_data(as_text=True)
    assert "account-nav__who" not in phone.get("/").get_data(as_text=True)


def test_production_cookies_are_secure(make_app, monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "example.com")
    config = make_app({"APP_ENV": "production", "SECRET_KEY": "x" * 50}).config
    assert config["SESSION_COOKIE_SECURE"]
    assert config["REMEMBER_COOKIE_SECURE"]
    assert config["SESSION_COOKIE_HTTPONLY"]
    assert config["REMEMBER_COOKIE_HTTPONLY"]
    assert config["SESSION_COOKIE_SAMESITE"] == config["REMEMBER_COOKIE_SAMESITE"] == "Lax"


def test_the_database_keeps_argon2id_hashes_only(db, known):
    (stored,) = db.session.execute(
        text("SELECT password_hash FROM user_account WHERE email = 'known@example.com'")
    ).one()
    assert stored.startswith("$argon2id$v=19$")
    assert PASSWORD not in stored


def test_production_hashes_with_rfc_9106_settings(make_app, monkeypatch):
    monkeypatch.setenv("ALLOWED_HOSTS", "example.com")
    app = make_app({"APP_ENV": "production", "SECRET_KEY": "x" * 50})
    with app.app_context():
        hashed = passwords.hash_password(PASSWORD)
    assert hashed.startswith("$argon2id$v=19$m=65536,t=3,p=4$")


def test_an_old_hash_is_made_again_at_login(anonymous, known, db):
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    db.session.execute(text("UPDATE user_account SET password_hash = :h"), {"h": weak})
    db.session.commit()
    data = {"email": "known@example.com", "password": PASSWORD}
    assert anonymous.post("/accounts/login/", data=data).status_code == 303
    (stored,) = db.session.execute(text("SELECT password_hash FROM user_account")).one()
    assert stored != weak
    assert stored.startswith("$argon2id$")


def test_a_session_of_a_deleted_user_is_anonymous(client, db):
    db.session.execute(text("DELETE FROM user_account"))
    db.session.commit()
    assert "account-nav__who" not in client.get("/").get_data(as_text=True)
