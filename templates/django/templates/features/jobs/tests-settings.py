{# tests/settings.py: at the end #}

# Each task runs at once, where it is enqueued: no queue, no worker, no network.
HUEY = {**HUEY, "immediate": True}  # noqa: F405
{#- end of the fragment: the including file has the line break -#}
