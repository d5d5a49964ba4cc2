{# config/settings.py: INSTALLED_APPS, before the project's app #}
    # Failed logins counted, and locked out (accounts/throttling.py).
    "axes",
    # The users (AUTH_USER_MODEL), their API tokens and the pages under /accounts/.
    "accounts",
{#- end of the fragment: the including file has the line break -#}
