from django.apps import AppConfig


class AccountsConfig(AppConfig):
    """The users (log in by email), their API tokens and the pages under /accounts/."""

    default_auto_field = "django.db.models.BigAutoField"
    name = "accounts"
    verbose_name = "Accounts"
