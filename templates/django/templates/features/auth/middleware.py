{# config/settings.py: MIDDLEWARE, at the end #}
    # Last, as django-axes asks: turns a locked-out login into its 429 page.
    "axes.middleware.AxesMiddleware",
{#- end of the fragment: the including file has the line break -#}
