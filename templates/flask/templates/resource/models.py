{#- models.py: the model of each generated resource, after the example's. -#}
{%- import "resource/templates/python.jinja" as python -%}
class {{ resource.class_name }}(Model):
    __tablename__ = "{{ resource.snake }}"

    id: Mapped[int] = mapped_column(primary_key=True)
{%- for c in resource.columns %}
{%- set options = [] %}
{%- if c.unique %}{% set options = options + ["unique=True"] %}{% endif %}
{%- if c.index %}{% set options = options + ["index=True"] %}{% endif %}
{%- set kind = {
    "str": ("str", "String(" ~ c.length ~ ")"),
    "text": ("str", "Text"),
    "int": ("int", ""),
    "float": ("float", ""),
    "decimal": ("Decimal", "Numeric(12, 2)"),
    "bool": ("bool", ""),
    "date": ("date", ""),
    "datetime": ("datetime", "UTCDateTime"),
    "email": ("str", "String(254)"),
    "url": ("str", "String(500)"),
    "slug": ("str", "String(100)"),
    "ref": ("int", 'ForeignKey("' ~ (c.ref.snake if c.ref else "") ~ '.id")'),
}[c.type] %}
{%- set python_type = kind[0] ~ (" | None" if c.optional else "") %}
{#- No index of its own on a reference: MySQL makes one for the foreign key, and a migration
    that dropped ours before the table would fail there. #}
{%- set arguments = ([kind[1]] if kind[1] else []) + options %}
{%- if arguments %}
{{ python.assign_call("    ", c.column ~ ": Mapped[" ~ python_type ~ "]", "mapped_column", arguments) }}
{%- else %}
    {{ c.column }}: Mapped[{{ python_type }}]
{%- endif %}
{%- if c.type == "ref" %}
{{ python.assign_call("    ", c.name ~ ": Mapped[" ~ c.ref.class_name ~ (" | None" if c.optional else "") ~ "]", "relationship", ["foreign_keys=[" ~ c.column ~ "]", 'lazy="joined"']) }}
{%- endif %}
{%- endfor %}
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime, default=same_as_created_at, onupdate=utcnow
    )

    def __str__(self) -> str:
{%- if resource.label %}
        return self.{{ resource.label }}
{%- else %}
        return f"{{ resource.title }} {self.id}"
{%- endif %}

    def __repr__(self) -> str:
        return f"<{{ resource.class_name }} {self.id}>"
{#- models.py -#}
