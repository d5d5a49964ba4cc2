{# __init__.py: create_app, after the extensions #}
    accounts.init_app(app)
{#- end of the fragment: the including file has the line break -#}
