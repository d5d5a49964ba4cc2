{# models.py: the Item's columns, after description #}
    # Counted by a background task (tasks.py) once the item is saved; None until then.
    word_count: Mapped[int | None]
{#- end of the fragment: the including file has the line break -#}
