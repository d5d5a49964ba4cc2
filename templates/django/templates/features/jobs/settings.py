{# config/settings.py: after the cache #}


# Background jobs: Huey (https://huey.readthedocs.io/), the tasks in the apps' tasks.py,
# run by `manage.py run_huey`. Calling a task enqueues it; the tests run it at once.
{%- if cookiecutter._features.jobs.backend == "redis" %}
# The queue is in Redis, with the cache, for many workers on many machines.
{%- else %}
# The queue is in this project's database (the huey_* tables, created by the migrations):
# no other server to run. For many workers on many machines, move it to Redis
# (`webkit add jobs --backend redis`); the tasks stay as they are.
{%- endif %}

HUEY = {
    "name": "{{ cookiecutter.package_name }}",
{%- if cookiecutter._features.jobs.backend == "redis" %}
    "huey_class": "huey.RedisHuey",
    "url": REDIS_URL,
{%- else %}
    "huey_class": "{{ cookiecutter.package_name }}.jobs.DatabaseHuey",
{%- endif %}
    "immediate": env.bool("JOBS_IMMEDIATE", default=False),
    "results": False,
    "consumer": {
        "workers": env.int("JOBS_WORKERS", default=1),
        "worker_type": "thread",
{%- if cookiecutter._features.jobs.backend != "redis" %}
        # An idle worker looks at the queue again after at most a second.
        "max_delay": 1.0,
{%- endif %}
        # SIGTERM (systemd, Docker, Kubernetes) lets the running tasks finish; Ctrl-C does not.
        "graceful_signal": "TERM",
    },
}
{#- end of the fragment: the including file has the line break -#}
