{# api/items.py: the accounts' imports, after the API's own #}
from ..accounts import api_auth
{#- end of the fragment: the including file has the line break -#}
