from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.contrib.auth.forms import AdminUserCreationForm, UserChangeForm

from .models import Token, User


class UserCreation(AdminUserCreationForm[User]):
    class Meta:
        model = User
        fields = ["email"]


class UserChange(UserChangeForm[User]):
    class Meta:
        model = User
        fields = "__all__"


@admin.register(User)
class UserAdmin(DjangoUserAdmin[User]):
    """Django's user admin, with the email address where it has the username."""

    form = UserChange
    add_form = UserCreation
    list_display = ["email", "is_staff", "is_active", "date_joined", "last_login"]
    list_filter = ["is_staff", "is_superuser", "is_active", "groups"]
    search_fields = ["email"]
    ordering = ["email"]
    readonly_fields = ["date_joined", "last_login"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        (
            "Permissions",
            {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]},
        ),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [
        (
            None,
            {
                "classes": ["wide"],
                "fields": ["email", "usable_password", "password1", "password2"],
            },
        ),
    ]


@admin.register(Token)
class TokenAdmin(admin.ModelAdmin[Token]):
    """Tokens can be looked at and revoked (deleted) here; they are made on the account page."""

    list_display = ["name", "user", "created_at", "last_used_at"]
    search_fields = ["name", "user__email"]
    readonly_fields = ["user", "name", "created_at", "last_used_at"]

    def has_add_permission(self, request: object) -> bool:
        return False
