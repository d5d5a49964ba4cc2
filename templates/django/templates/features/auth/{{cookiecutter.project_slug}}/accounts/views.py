"""The pages under /accounts/: Django's own authentication views where it has them (login,
logout, password change and reset), and signup, email confirmation and the API tokens.

No page tells whether an address has an account: signup, login and password reset answer the
same, in wording and status, for an address that has one and one that does not.
"""

from __future__ import annotations

from http import HTTPStatus
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth
from django.contrib.auth.decorators import login_required
from django.contrib.auth.hashers import make_password
from django.core.mail import send_mail
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse, reverse_lazy
from django.utils.encoding import force_bytes
from django.utils.http import (
    url_has_allowed_host_and_scheme,
    urlsafe_base64_decode,
    urlsafe_base64_encode,
)
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST
from django.views.generic import FormView

from .forms import LoginForm, PasswordChange, PasswordReset, SetPassword, SignupForm, TokenForm
from .models import Token, User
from .tokens import verification_token

# Signup logs the new user in with this backend (AUTHENTICATION_BACKENDS has axes' first).
BACKEND = "django.contrib.auth.backends.ModelBackend"
SIGNED_UP = "Thanks for signing up: we sent a message to {email}."
CONFIRM = "We sent a message to {email}: follow its link to confirm the address and log in."
RESET_SENT = (
    "If an account has this address, we sent it a link to set a new password. "
    "It works once, for {hours} hours."
)


def user_of(request: HttpRequest) -> User:
    """The logged-in user of a page behind login_required."""
    user = request.user
    assert isinstance(user, User)
    return user


def next_url(request: HttpRequest, default: str = "/") -> str:
    """`next` when it stays on this site (no open redirect), else `default`."""
    url = request.POST.get("next") or request.GET.get("next") or ""
    safe = url_has_allowed_host_and_scheme(
        url, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    return url if safe else default


def send(request: HttpRequest, to: str, subject: str, template: str, **context: Any) -> None:
    """An email from accounts/email/<template>.txt, with the site's address in `site`."""
    context["site"] = request.build_absolute_uri("/").rstrip("/")
    body = render_to_string(f"accounts/email/{template}.txt", context, request=request)
    send_mail(subject, body, None, [to])


def link(request: HttpRequest, name: str, user: User, token: str) -> str:
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    return request.build_absolute_uri(reverse(name, args=[uid, token]))


class SignupView(FormView[SignupForm]):
    template_name = "accounts/signup.html"
    form_class = SignupForm

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(next=next_url(self.request, ""), **kwargs)

    def form_valid(self, form: SignupForm) -> HttpResponse:
        email, password = form.cleaned_data["email"], form.cleaned_data["password"]
        verify = settings.ACCOUNTS_VERIFY_EMAIL
        try:
            with transaction.atomic():
                user = User.objects.create_user(email, password, is_active=not verify)
        except IntegrityError:
            # The address has an account: tell its owner, not the visitor.
            make_password(password)  # as long as a new account takes, so time tells nothing
            send(self.request, email, "Someone tried to sign up with your address", "exists")
        else:
            if verify:
                token = verification_token.make_token(user)
                url = link(self.request, "accounts:verify", user, token)
                send(self.request, email, "Confirm your email address", "verify", url=url)
            else:
                login(self.request, user, backend=BACKEND)
                send(self.request, email, "Welcome", "welcome")
        messages.success(self.request, (CONFIRM if verify else SIGNED_UP).format(email=email))
        return redirect(next_url(self.request))

    def form_invalid(self, form: SignupForm) -> HttpResponse:
        response = super().form_invalid(form)
        response.status_code = HTTPStatus.UNPROCESSABLE_ENTITY
        return response


def verify(request: HttpRequest, uidb64: str, token: str) -> HttpResponse:
    """The link of the confirmation email: activates the account and logs its user in."""
    try:
        user = User.objects.get(pk=int(urlsafe_base64_decode(uidb64)))
    except (ValueError, User.DoesNotExist):
        user = None
    if user is None or user.is_active or not verification_token.check_token(user, token):
        messages.error(request, "This link is not valid (it was used, or it expired).")
        return redirect("accounts:login")
    user.is_active = True
    user.save(update_fields=["is_active"])
    login(request, user, backend=BACKEND)
    messages.success(request, "Your address is confirmed. Welcome!")
    return redirect("/")


class LoginView(auth.LoginView):
    """Django's: the session key changes at login (no session fixation), and `next` must stay
    on this site. Repeated failures end in 429 (django-axes, settings.AXES_*)."""

    form_class = LoginForm
    template_name = "accounts/login.html"
    redirect_authenticated_user = True


class PasswordChangeView(auth.PasswordChangeView):
    """Django's: the user stays logged in (update_session_auth_hash), other sessions end."""

    form_class = PasswordChange
    template_name = "accounts/password_change.html"
    success_url = reverse_lazy("accounts:index")

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, "Your password is changed.")
        return super().form_valid(form)


class PasswordResetView(auth.PasswordResetView):
    """Django's: the same answer whether the address has an account or not."""

    form_class = PasswordReset
    template_name = "accounts/password_reset.html"
    subject_template_name = "accounts/email/password_reset_subject.txt"
    email_template_name = "accounts/email/password_reset.txt"
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form: Any) -> HttpResponse:
        hours = settings.PASSWORD_RESET_TIMEOUT // 3600
        messages.success(self.request, RESET_SENT.format(hours=hours))
        return super().form_valid(form)


class PasswordResetConfirmView(auth.PasswordResetConfirmView):
    """Django's: the link works once (it signs the password hash) and for PASSWORD_RESET_TIMEOUT."""

    form_class = SetPassword
    template_name = "accounts/password_reset_confirm.html"
    success_url = reverse_lazy("accounts:login")

    def form_valid(self, form: Any) -> HttpResponse:
        messages.success(self.request, "Your new password is set: log in with it.")
        return super().form_valid(form)


@never_cache
@login_required
def account(request: HttpRequest) -> HttpResponse:
    """The account's page: its address, and its API tokens."""
    return account_page(request, TokenForm())


def account_page(
    request: HttpRequest, form: TokenForm, secret: str = "", status: int = 200
) -> HttpResponse:
    tokens = Token.objects.filter(user=user_of(request))
    context = {"form": form, "tokens": tokens, "secret": secret}
    return render(request, "accounts/account.html", context, status=status)


@never_cache  # the new token is on the page: no cache may keep it
@login_required
@require_POST
def create_token(request: HttpRequest) -> HttpResponse:
    form = TokenForm(request.POST)
    if not form.is_valid():
        return account_page(request, form, status=HTTPStatus.UNPROCESSABLE_ENTITY)
    _, secret = Token.issue(user_of(request), form.cleaned_data["name"])
    return account_page(request, TokenForm(), secret=secret, status=HTTPStatus.CREATED)


@login_required
@require_POST
def revoke_token(request: HttpRequest, pk: int) -> HttpResponse:
    deleted, _ = Token.objects.filter(user=user_of(request), pk=pk).delete()
    if deleted:
        messages.success(request, "The token is revoked: it no longer works.")
    return redirect("accounts:index")
