from django.urls import path

from . import views

app_name = "{{ cookiecutter.package_name }}"

urlpatterns = [
    path("", views.IndexView.as_view(), name="index"),
    path("api/items/", views.ItemListView.as_view(), name="item-list"),
    path("api/items/<int:pk>/", views.ItemDetailView.as_view(), name="item-detail"),
    path("healthz", views.healthz, name="healthz"),
]
