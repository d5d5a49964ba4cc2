{%- import "resource/templates/python.jinja" as python -%}
{%- set resources = cookiecutter._resources -%}
{%- set models = resources | map(attribute="class_name") | list -%}
from django.contrib import admin
{%- if "url" in (resources | map(attribute="types") | sum(start=[])) %}
from django.db import models
{%- endif %}

{{ python.from_import(".models", ["Item"] + models) }}


@admin.register(Item)
class ItemAdmin(admin.ModelAdmin[Item]):
    list_display = ["name", "created_at", "updated_at"]
    search_fields = ["name", "description"]
    readonly_fields = ["created_at", "updated_at"]
{%- for resource in resources %}


{% include "resource/admin.py" %}
{%- endfor %}
