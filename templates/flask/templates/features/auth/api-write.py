{# api/items.py: the decorators of an operation that writes (under its doc) #}
@bp.auth_required(api_auth)
{#- end of the fragment: the including file has the line break -#}
