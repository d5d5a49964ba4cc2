{# config/settings.py: LOGGING["loggers"], after django #}
        # django-axes: failed logins and lockouts are warnings; not its start-up line.
        "axes": {"handlers": [], "level": "WARNING"},
{#- end of the fragment: the including file has the line break -#}
