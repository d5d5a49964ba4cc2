{#- forms.py: the form of each generated resource's pages. -#}
{%- import "resource/templates/python.jinja" as python -%}
{%- set r = resource -%}
{%- set widgets = r.columns | selectattr("type", "in", ["date", "datetime"]) | list -%}
class {{ r.class_name }}Form(forms.ModelForm[{{ r.class_name }}]):
    """The form of the {{ r.lower_plural }} pages, with the model's own rules."""
{%- for c in r.columns if c.type == "url" %}
{%- if loop.first %}
{% endif %}
{{ python.assign_call("    ", c.name, "forms.URLField", ["max_length=500", "required=" ~ ("False" if c.optional else "True"), 'assume_scheme="https"']) }}
{%- endfor %}

    class Meta:
        model = {{ r.class_name }}
        fields = [
{%- for c in r.columns %}
            "{{ c.name }}",
{%- endfor %}
        ]
{%- if widgets %}
        widgets = {
{%- for c in widgets %}
{%- if c.type == "date" %}
            "{{ c.name }}": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
{%- else %}
            "{{ c.name }}": forms.DateTimeInput(
                attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M"
            ),
{%- endif %}
{%- endfor %}
        }
{%- endif %}
{#- forms.py -#}
