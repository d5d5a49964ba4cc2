{# apps.py: in the AppConfig #}

    def ready(self) -> None:
        from . import tasks  # noqa: F401  (the tasks, and the signals that enqueue them)
{#- end of the fragment: the including file has the line break -#}
