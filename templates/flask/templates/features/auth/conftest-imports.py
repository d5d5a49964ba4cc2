{# tests/conftest.py: the accounts' imports, after the project's own #}
from {{ cookiecutter.package_name }}.accounts.models import ApiToken, User
{#- end of the fragment: the including file has the line break -#}
