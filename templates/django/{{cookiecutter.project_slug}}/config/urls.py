"""
URL configuration for {{ cookiecutter.project_name }}.

The admin lives at settings.ADMIN_URL (environment variable ADMIN_URL, default
"manage/") rather than at the well-known "admin/", which keeps it out of the way
of bots that probe for it. The JSON API is under /api/ (its document at
/api/openapi.json, its documentation page at /api/docs); everything else belongs
to the app, {{ cookiecutter.package_name }}.

https://docs.djangoproject.com/en/stable/topics/http/urls/
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from {{ cookiecutter.package_name }}.api import api

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("api/", api.urls),
{%- for app in cookiecutter._apps %}
    path("{{ app.url }}/", include("{{ app.name }}.urls")),
{%- endfor %}
{%- for feature in cookiecutter._features | sort %}{%- include "features/" ~ feature ~ "/urls.py" ignore missing %}{%- endfor %}
    path("", include("{{ cookiecutter.package_name }}.urls")),
]
