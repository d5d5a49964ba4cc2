{# config.py: the jobs' settings (in Config.__init__, before the cache) #}
{%- if cookiecutter._features.jobs.backend == "redis" %}
        # Background jobs (jobs.py) and the cache share one Redis server.
        self.REDIS_URL = environ.get("REDIS_URL", "redis://127.0.0.1:6379/0")
{%- endif %}
{#- end of the fragment: the including file has the line break -#}
