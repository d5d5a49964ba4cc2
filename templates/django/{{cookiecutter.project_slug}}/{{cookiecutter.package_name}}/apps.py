from django.apps import AppConfig


class {{ cookiecutter.package_name.title().replace('_', '') }}Config(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "{{ cookiecutter.package_name }}"
{%- for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/apps.py" ignore missing %}{%- endfor %}
