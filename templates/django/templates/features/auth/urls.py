{# config/urls.py: urlpatterns, before the app's #}
    path("accounts/", include("accounts.urls")),
{#- end of the fragment: the including file has the line break -#}
