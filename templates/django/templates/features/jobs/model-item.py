{# models.py: the Item's fields, after description #}
    # Counted by a background task (tasks.py) once the item is saved; None until then.
    word_count = models.PositiveIntegerField(null=True, editable=False)
{#- end of the fragment: the including file has the line break -#}
