{# config/settings.py: LOGGING["loggers"], after django #}
        # The worker's, on the same handler (run_huey gives a logger without one its own).
        "huey": {"handlers": ["console"], "level": "INFO", "propagate": False},
{#- end of the fragment: the including file has the line break -#}
