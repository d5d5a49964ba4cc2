{# config/settings.py: before the cache #}
{%- if cookiecutter._features.jobs.backend == "redis" %}
# Redis holds the background jobs' queue (HUEY, below) and the cache.
REDIS_URL = env.str("REDIS_URL", default="redis://127.0.0.1:6379/0")
{%- endif %}
{#- end of the fragment: the including file has the line break -#}
