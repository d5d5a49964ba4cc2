{#- models.py: the model of each generated resource, after the example's. -#}
{%- import "resource/templates/python.jinja" as python -%}
{%- set r = resource -%}
{%- set refs = r.columns | selectattr("type", "equalto", "ref") | list -%}
class {{ r.class_name }}(models.Model):
    """{{ r.title_plural }}: written by `webkit generate resource`, yours to change."""
{% for c in r.columns %}
{%- set arguments = [] %}
{%- if c.type == "ref" %}
{%- set _ = arguments.append('"' ~ c.ref.class_name ~ '"') %}
{%- set _ = arguments.append("on_delete=models.PROTECT") %}
{%- if (refs | selectattr("ref.class_name", "equalto", c.ref.class_name) | list | length) > 1 %}
{%- set _ = arguments.append('related_name="' ~ r.plural ~ '_as_' ~ c.name ~ '"') %}
{%- endif %}
{%- elif c.type == "str" %}{% set _ = arguments.append("max_length=" ~ c.length) %}
{%- elif c.type == "text" %}{% set _ = arguments.append("max_length=10_000") %}
{%- elif c.type == "email" %}{% set _ = arguments.append("max_length=254") %}
{%- elif c.type == "url" %}{% set _ = arguments.append("max_length=500") %}
{%- elif c.type == "slug" %}{% set _ = arguments.append("max_length=100") %}
{%- elif c.type == "decimal" %}{% set _ = arguments.append("max_digits=12") %}{% set _ = arguments.append("decimal_places=2") %}
{%- elif c.type == "int" %}{% set _ = arguments.append("validators=INTEGER_RANGE") %}
{%- endif %}
{%- if c.optional and (c.unique or c.type not in ["str", "text", "email", "url", "slug"]) %}{% set _ = arguments.append("null=True") %}{% endif %}
{%- if c.optional %}{% set _ = arguments.append("blank=True") %}{% endif %}
{%- if c.unique %}{% set _ = arguments.append("unique=True") %}{% endif %}
{%- if c.index and c.type != "slug" %}{% set _ = arguments.append("db_index=True") %}{% endif %}
{%- set kind = {"str": "CharField", "text": "TextField", "int": "IntegerField", "float": "FloatField", "decimal": "DecimalField", "bool": "BooleanField", "date": "DateField", "datetime": "DateTimeField", "email": "EmailField", "url": "URLField", "slug": "SlugField", "ref": "ForeignKey"}[c.type] %}
{{ python.assign_call("    ", c.name, "models." ~ kind, arguments) }}
{%- endfor %}
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
{%- if r.label %}
        return self.{{ r.label }}
{%- else %}
        return f"{{ r.title }} {self.pk}"
{%- endif %}

    def get_absolute_url(self) -> str:
{{ python.call("        ", "return reverse", ['"' ~ cookiecutter.package_name ~ ':' ~ r.model ~ '-detail"', "args=[self.pk]"]) }}
{#- models.py -#}
