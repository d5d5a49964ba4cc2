{%- import "resource/templates/python.jinja" as python -%}
{%- set resources = cookiecutter._resources -%}
{%- set models = resources | map(attribute="class_name") | list -%}
from django import forms

{{ python.from_import(".models", ["Item"] + models) }}


class ItemForm(forms.ModelForm[Item]):
    """The home page's form, with the model's own rules (length, uniqueness)."""

    class Meta:
        model = Item
        fields = ["name"]
{%- for resource in resources %}


{% include "resource/forms.py" %}
{%- endfor %}
