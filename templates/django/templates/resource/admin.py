{#- admin.py: each generated resource in the admin. -#}
{%- set r = resource -%}
{%- set listed = [r.label or "id"] + (r.columns | rejectattr("type", "equalto", "text") | rejectattr("name", "equalto", r.label) | map(attribute="name") | list)[:4] + ["created_at"] -%}
{%- set searched = r.columns | selectattr("type", "in", ["str", "text", "email", "slug", "url"]) | map(attribute="name") | list -%}
{%- set filtered = r.columns | selectattr("type", "in", ["bool", "date", "datetime"]) | map(attribute="name") | list -%}
@admin.register({{ r.class_name }})
class {{ r.class_name }}Admin(admin.ModelAdmin[{{ r.class_name }}]):
    list_display = [
{%- for name in listed | unique %}
        "{{ name }}",
{%- endfor %}
    ]
{%- if searched %}
    search_fields = [
{%- for name in searched %}
        "{{ name }}",
{%- endfor %}
    ]
{%- endif %}
{%- if filtered %}
    list_filter = [
{%- for name in filtered %}
        "{{ name }}",
{%- endfor %}
    ]
{%- endif %}
    readonly_fields = ["created_at", "updated_at"]
{%- if "url" in r.types %}
    # A URL typed without a scheme is https:// (Django 6's default).
    formfield_overrides = {models.URLField: {"assume_scheme": "https"}}
{%- endif %}
{#- admin.py -#}
