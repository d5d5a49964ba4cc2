{#- urls.py: the pages of each generated resource. -#}
{%- import "resource/templates/python.jinja" as python -%}
{%- set r = resource %}
{%- for suffix, view, name in [("", "List", "list"), ("new/", "Create", "create"), ("<id:pk>/", "Detail", "detail"), ("<id:pk>/edit/", "Update", "update"), ("<id:pk>/delete/", "Delete", "delete")] %}
{{ python.call("    ", "path", ['"' ~ r.url ~ '/' ~ suffix ~ '"', "views." ~ r.class_name ~ view ~ "View.as_view()", 'name="' ~ r.model ~ '-' ~ name ~ '"'], ",") }}
{%- endfor %}
{#- urls.py -#}
