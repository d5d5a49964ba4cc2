{# api/items.py: ItemOut's fields, after description #}
    word_count: int | None = Field(
        description="The number of words in the description, counted in the background; "
        "null until then."
    )
{#- end of the fragment: the including file has the line break -#}
