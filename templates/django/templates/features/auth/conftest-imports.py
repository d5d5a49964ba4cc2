{# tests/conftest.py: after the Django imports #}
from django.test import Client
{#- end of the fragment: the including file has the line break -#}
