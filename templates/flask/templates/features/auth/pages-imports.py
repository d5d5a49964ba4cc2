{# pages.py: the accounts' imports, after the project's own #}
from .accounts import login_required
{#- end of the fragment: the including file has the line break -#}
