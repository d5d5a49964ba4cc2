{# api/items.py: ItemIn's read-only fields #}
    word_count: Any = Field(None, json_schema_extra={"readOnly": True})
{#- end of the fragment: the including file has the line break -#}
