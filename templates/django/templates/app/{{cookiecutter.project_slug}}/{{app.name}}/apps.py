from django.apps import AppConfig


class {{ app.class_name }}Config(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "{{ app.name }}"
