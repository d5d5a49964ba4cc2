from django.urls import path

from . import views

app_name = "{{ cookiecutter.package_name }}"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("healthz", views.healthz, name="healthz"),
]
