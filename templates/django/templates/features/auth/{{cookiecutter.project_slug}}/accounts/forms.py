"""The accounts' forms. Each field with an error points at it (aria-describedby), so that a
screen reader reads the error with the field; the templates render it with that id."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib.auth import password_validation
from django.contrib.auth.forms import (
    AuthenticationForm,
    PasswordChangeForm,
    PasswordResetForm,
    SetPasswordForm,
)

from .models import Token, User, normalize_email

if TYPE_CHECKING:
    SetPasswordBase = SetPasswordForm[User]
else:  # generic for the type checker only (django-stubs-ext does not patch this one)
    SetPasswordBase = SetPasswordForm


class DescribedErrors(forms.BaseForm):
    """aria-describedby on each field: its error (`<id>_error`) and help (`<id>_helptext`)."""

    def full_clean(self) -> None:
        super().full_clean()
        for name, field in self.fields.items():
            bound = self[name]
            ids = [f"{bound.auto_id}_error"] if name in self.errors else []
            if field.help_text:
                ids.append(f"{bound.auto_id}_helptext")
            if ids:
                field.widget.attrs["aria-describedby"] = " ".join(ids)


class SignupForm(DescribedErrors, forms.Form):
    """An address and a password. Whether the address has an account already is not said
    here: the view answers the same for both (no user enumeration)."""

    email = forms.EmailField(
        label="Email address",
        max_length=254,
        widget=forms.EmailInput(attrs={"autocomplete": "email", "autofocus": True}),
    )
    password = forms.CharField(
        label="Password",
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text="At least 8 characters, not a common password, not all digits.",
    )

    def clean_email(self) -> str:
        return normalize_email(self.cleaned_data["email"])

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        password = cleaned.get("password")
        if password:
            user = User(email=cleaned.get("email", ""))
            try:
                password_validation.validate_password(password, user)
            except forms.ValidationError as error:
                self.add_error("password", error)
        return cleaned


class LoginForm(DescribedErrors, AuthenticationForm):
    """Django's login form, by email address. One message for every failure: an unknown
    address and a wrong password read the same."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": "The email address or the password is wrong.",
    }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["username"].label = "Email address"
        self.fields["username"].widget.attrs.update(autocomplete="email", type="email")
        self.fields["password"].widget.attrs.update(autocomplete="current-password")


class PasswordChange(DescribedErrors, PasswordChangeForm):
    pass


class PasswordReset(DescribedErrors, PasswordResetForm):
    """Django's: the link goes to the active accounts with the address, whatever its case."""


class SetPassword(DescribedErrors, SetPasswordBase):
    pass


class TokenForm(DescribedErrors, forms.ModelForm[Token]):
    class Meta:
        model = Token
        fields = ["name"]
        labels = {"name": "Name"}
