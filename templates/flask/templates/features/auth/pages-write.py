{# pages.py: the decorators of a page that writes (under the route) #}
@login_required
{#- end of the fragment: the including file has the line break -#}
