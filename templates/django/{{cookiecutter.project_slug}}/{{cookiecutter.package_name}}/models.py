{%- set resources = cookiecutter._resources -%}
{%- set types = resources | map(attribute="types") | sum(start=[]) -%}
{% if "int" in types %}from django.core.validators import MaxValueValidator, MinValueValidator
{% endif %}from django.db import models
{%- if resources %}
from django.urls import reverse
{%- endif %}

NAME_MAX_LENGTH = 100
{%- if "int" in types %}
# What an integer column holds on every database (the API checks the same).
INTEGER_RANGE = [MinValueValidator(-(2**31)), MaxValueValidator(2**31 - 1)]
{%- endif %}


class Item(models.Model):
    """The example model: a named thing, served by the pages, the API and the admin."""

    name = models.CharField(
        max_length=NAME_MAX_LENGTH,
        unique=True,
        error_messages={"unique": "An item with this name already exists."},
    )
    description = models.TextField(blank=True)
{%- for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/model-item.py" ignore missing %}{%- endfor %}
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.name
{%- for resource in resources %}


{% include "resource/models.py" %}
{%- endfor %}
