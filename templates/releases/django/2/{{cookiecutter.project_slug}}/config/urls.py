"""
URL configuration for {{ cookiecutter.project_name }}.

The admin lives at settings.ADMIN_URL (environment variable ADMIN_URL, default
"manage/") rather than at the well-known "admin/", which keeps it out of the way
of bots that probe for it. Everything else belongs to the app,
{{ cookiecutter.package_name }}.

https://docs.djangoproject.com/en/stable/topics/http/urls/
"""

from django.conf import settings
from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path(settings.ADMIN_URL, admin.site.urls),
    path("", include("{{ cookiecutter.package_name }}.urls")),
]

# JSON errors under /api/, the HTML pages (templates/404.html, 500.html) elsewhere.
handler404 = "{{ cookiecutter.package_name }}.views.page_not_found"
handler500 = "{{ cookiecutter.package_name }}.views.server_error"
