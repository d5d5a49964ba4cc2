{# config/settings.py: INSTALLED_APPS, before the project's app #}
    # Huey's Django integration: settings.HUEY, `manage.py run_huey` (the worker).
    "huey.contrib.djhuey",
{#- end of the fragment: the including file has the line break -#}
