{# tests/settings.py: at the end #}

# Email stays in memory (django.core.mail.outbox), whatever EMAIL_URL says.
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
{#- end of the fragment: the including file has the line break -#}
