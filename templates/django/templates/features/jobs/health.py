{# views.py: healthz, after the database's check #}
{%- if cookiecutter._features.jobs.backend == "redis" %}
    if not broker_ok():
        # The site still works without the job queue (what is saved stays saved, and the
        # worker catches up later), so this is no 503 that would take it out of service.
        return JsonResponse({"status": "degraded", "database": "ok", "broker": "error"})
{%- endif %}
{#- end of the fragment: the including file has the line break -#}
