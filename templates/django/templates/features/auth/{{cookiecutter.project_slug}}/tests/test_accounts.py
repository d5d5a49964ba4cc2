"""The accounts' pages: signup, login, logout, password change and reset, the email
confirmation, the account page with its API tokens, and the admin."""

from __future__ import annotations

import hashlib
import re
from typing import TYPE_CHECKING, Any

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.core.management import call_command
from django.test import Client

from accounts.models import Token, User
from tests.conftest import PASSWORD

if TYPE_CHECKING:
    from django.test.client import _MonkeyPatchedWSGIResponse as Response

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a brand new passphrase 42"


def signup(
    client: Client, email: str = "grace@example.com", password: str = PASSWORD, **extra: str
) -> Response:
    return client.post("/accounts/signup/", {"email": email, "password": password, **extra})


def log_in(
    client: Client, email: str = "ada@example.com", password: str = PASSWORD, **extra: str
) -> Response:
    return client.post("/accounts/login/", {"username": email, "password": password, **extra})


def logged_in_as(client: Client) -> Any:
    return client.session.get("_auth_user_id")


def link_in(message: EmailMessage, path: str) -> str:
    found = re.search(rf"http://testserver({path}\S*)", str(message.body))
    assert found, message.body
    return found.group(1)


# Signup


def test_signup_page_labels_its_fields(anonymous_client):
    html = anonymous_client.get("/accounts/signup/").content.decode()

    assert '<label for="id_email">Email address:</label>' in html
    assert '<label for="id_password">Password:</label>' in html
    assert 'autocomplete="new-password"' in html
    assert 'name="csrfmiddlewaretoken"' in html


def test_signup_logs_the_new_user_in(anonymous_client):
    response = signup(anonymous_client)

    assert response.status_code == 302
    assert response["Location"] == "/"
    user = User.objects.get()
    assert user.email == "grace@example.com"
    assert logged_in_as(anonymous_client) == str(user.pk)
    assert mail.outbox[0].to == ["grace@example.com"]
    page = anonymous_client.get("/").content.decode()
    assert "grace@example.com" in page
    assert "Log out" in page


def test_signup_keeps_the_address_in_lower_case(anonymous_client):
    signup(anonymous_client, email="  Grace@Example.COM ")

    assert User.objects.get().email == "grace@example.com"


def test_signup_refuses_a_weak_password_and_says_why_by_the_field(anonymous_client):
    response = signup(anonymous_client, password="password")

    assert response.status_code == 422
    html = response.content.decode()
    assert "This password is too common." in html
    assert 'aria-describedby="id_password_error id_password_helptext"' in html
    assert 'aria-invalid="true"' in html
    assert '<p class="field__error" id="id_password_error">' in html
    assert not User.objects.exists()


def test_signup_refuses_a_short_password(anonymous_client):
    response = signup(anonymous_client, password="x7#q")

    assert response.status_code == 422
    assert "This password is too short." in response.content.decode()


def test_signup_goes_on_to_next(anonymous_client):
    response = signup(anonymous_client, next="/api/docs")

    assert response["Location"] == "/api/docs"


def test_signup_with_email_verification_waits_for_the_link(anonymous_client, settings):
    settings.ACCOUNTS_VERIFY_EMAIL = True

    response = signup(anonymous_client)

    assert response.status_code == 302
    user = User.objects.get()
    assert not user.is_active
    assert logged_in_as(anonymous_client) is None
    assert log_in(anonymous_client, "grace@example.com").status_code == 200  # not yet
    link = link_in(mail.outbox[0], "/accounts/verify/")

    opened = anonymous_client.get(link)

    assert opened.status_code == 302
    user.refresh_from_db()
    assert user.is_active
    assert logged_in_as(anonymous_client) == str(user.pk)
    # Once only.
    assert anonymous_client.get(link)["Location"] == "/accounts/login/"


def test_a_forged_verification_link_does_nothing(anonymous_client, settings):
    settings.ACCOUNTS_VERIFY_EMAIL = True
    signup(anonymous_client)
    user = User.objects.get()

    for link in [f"/accounts/verify/{user.pk}/nope/", "/accounts/verify/!!/nope/"]:
        assert anonymous_client.get(link)["Location"] == "/accounts/login/"
    user.refresh_from_db()
    assert not user.is_active


# Login and logout


def test_login_by_email_whatever_its_case(anonymous_client, user):
    response = log_in(anonymous_client, "ADA@Example.com")

    assert response.status_code == 302
    assert response["Location"] == "/"
    assert logged_in_as(anonymous_client) == str(user.pk)


def test_login_goes_on_to_next(anonymous_client, user):
    assert log_in(anonymous_client, next="/api/docs")["Location"] == "/api/docs"


def test_login_page_links_to_signup_and_reset(anonymous_client):
    html = anonymous_client.get("/accounts/login/?next=/x/").content.decode()

    assert '<label for="id_username">Email address:</label>' in html
    assert 'href="/accounts/password-reset/"' in html
    assert 'href="/accounts/signup/?next=/x/"' in html
    assert '<input type="hidden" name="next" value="/x/">' in html


def test_a_wrong_password_is_refused(anonymous_client, user):
    response = log_in(anonymous_client, password="not the password")

    assert response.status_code == 200
    assert "The email address or the password is wrong." in response.content.decode()
    assert logged_in_as(anonymous_client) is None


def test_logout_takes_a_post_only(client):
    assert client.get("/accounts/logout/").status_code == 405
    assert logged_in_as(client) is not None

    response = client.post("/accounts/logout/")

    assert response.status_code == 302
    assert logged_in_as(client) is None


def test_the_header_shows_log_in_or_log_out(client, anonymous_client):
    visitor = anonymous_client.get("/").content.decode()
    member = client.get("/").content.decode()

    assert 'href="/accounts/login/?next=/"' in visitor
    assert "Log out" not in visitor
    assert 'action="/accounts/logout/"' in member
    assert "ada@example.com" in member


# Passwords


def test_password_change(client, user):
    response = client.post(
        "/accounts/password-change/",
        {"old_password": PASSWORD, "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"] == "/accounts/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    assert client.get("/accounts/").status_code == 200  # still logged in


def test_password_change_needs_the_old_password(client, user):
    response = client.post(
        "/accounts/password-change/",
        {"old_password": "wrong", "new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD},
    )

    assert response.status_code == 200
    assert 'aria-describedby="id_old_password_error"' in response.content.decode()
    user.refresh_from_db()
    assert user.check_password(PASSWORD)


def test_password_change_needs_a_login(anonymous_client):
    response = anonymous_client.get("/accounts/password-change/")

    assert response.status_code == 302
    assert response["Location"] == "/accounts/login/?next=/accounts/password-change/"


def test_password_reset_by_the_emailed_link_once(anonymous_client, user):
    asked = anonymous_client.post("/accounts/password-reset/", {"email": "Ada@Example.com"})

    assert asked.status_code == 302
    assert mail.outbox[0].to == ["ada@example.com"]
    link = link_in(mail.outbox[0], "/accounts/reset/")
    form = anonymous_client.get(link, follow=True)
    assert 'id="password-reset-confirm-form"' in form.content.decode()
    set_password = form.redirect_chain[-1][0]

    done = anonymous_client.post(
        set_password, {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD}
    )

    assert done["Location"] == "/accounts/login/"
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD)
    again = anonymous_client.get(link, follow=True)
    assert "This link is not valid" in again.content.decode()


# The account page and its API tokens


def test_the_account_page_needs_a_login(anonymous_client):
    assert anonymous_client.get("/accounts/")["Location"] == "/accounts/login/?next=/accounts/"


def test_a_new_token_is_shown_once_and_stored_hashed(client, user):
    response = client.post("/accounts/tokens/", {"name": "laptop"})

    assert response.status_code == 201
    assert "no-store" in response["Cache-Control"]
    secret = re.search(r'<code id="new-token">([^<]+)</code>', response.content.decode())
    assert secret
    token = Token.objects.get()
    assert token.user == user
    assert token.name == "laptop"
    assert token.digest == hashlib.sha256(secret.group(1).encode()).hexdigest()
    page = client.get("/accounts/").content.decode()
    assert "laptop" in page
    assert secret.group(1) not in page


def test_a_token_needs_a_name(client):
    response = client.post("/accounts/tokens/", {"name": ""})

    assert response.status_code == 422
    assert not Token.objects.exists()


def test_a_token_is_revoked(client, token):
    pk = Token.objects.get().pk

    response = client.post(f"/accounts/tokens/{pk}/revoke/")

    assert response["Location"] == "/accounts/"
    assert not Token.objects.exists()


def test_nobody_revokes_anothers_token(client):
    other = User.objects.create_user("eve@example.com", PASSWORD)
    Token.issue(other, "hers")

    client.post(f"/accounts/tokens/{Token.objects.get().pk}/revoke/")

    assert Token.objects.filter(user=other).exists()


# The admin and createsuperuser


def test_the_admin_lists_the_users_by_email(admin_client, user):
    response = admin_client.get("/manage/accounts/user/")

    assert response.status_code == 200
    assert "ada@example.com" in response.content.decode()
    assert admin_client.get(f"/manage/accounts/user/{user.pk}/change/").status_code == 200


def test_the_admin_adds_a_user(admin_client):
    response = admin_client.post(
        "/manage/accounts/user/add/",
        {
            "email": "Grace@Example.com",
            "usable_password": "true",
            "password1": NEW_PASSWORD,
            "password2": NEW_PASSWORD,
        },
    )

    assert response.status_code == 302
    assert User.objects.get(email="grace@example.com").check_password(NEW_PASSWORD)


def test_the_admin_shows_tokens_without_making_them(admin_client, token):
    assert admin_client.get("/manage/accounts/token/").status_code == 200
    assert admin_client.get("/manage/accounts/token/add/").status_code == 403


def test_createsuperuser_asks_for_the_email(monkeypatch):
    monkeypatch.setenv("DJANGO_SUPERUSER_PASSWORD", NEW_PASSWORD)

    call_command("createsuperuser", "--noinput", "--email", "Root@Example.com", verbosity=0)

    root = User.objects.get()
    assert root.email == "root@example.com"
    assert root.is_superuser
    assert root.is_staff
    assert str(root) == "root@example.com"


def test_a_user_needs_an_email():
    with pytest.raises(ValueError, match="email"):
        User.objects.create_user("", PASSWORD)
