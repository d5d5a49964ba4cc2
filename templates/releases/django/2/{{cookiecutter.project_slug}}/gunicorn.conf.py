"""Gunicorn settings: `python -m gunicorn -c gunicorn.conf.py` needs no other argument.

Each setting can be changed from the environment; options on the command line
(`webkit serve --prod` passes --bind) win over this file.
https://docs.gunicorn.org/en/stable/settings.html
"""

import os


def _env_int(name, default):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}.") from None


def _cpu_count():
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (containers)
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


wsgi_app = "config.wsgi:application"

# Where to listen: GUNICORN_BIND (e.g. unix:/run/gunicorn.sock), else 0.0.0.0:$PORT on
# platforms that assign a port, else the loopback address for nginx in front.
if os.environ.get("GUNICORN_BIND"):
    bind = os.environ["GUNICORN_BIND"].split(",")
elif os.environ.get("PORT"):
    bind = [f"0.0.0.0:{os.environ['PORT']}"]
else:
    bind = ["127.0.0.1:8000"]

# Worker processes: WEB_CONCURRENCY, else one per CPU (two at least, so that one slow request
# does not hold up every other). "sync" workers (one request at a time each) suit a quick,
# CPU-bound app behind a proxy that buffers slow clients (nginx), and that proxy needs CPU too:
# more workers than CPUs only take turns on them. On 2 CPUs shared with the load generator,
# 3 workers served 5-25% fewer requests than 2, with a higher p99, and 5 fewer still (webkit's
# benchmarks). An app that mostly waits on other services (a remote database, HTTP APIs) wants
# more: raise WEB_CONCURRENCY (gunicorn's docs start from 2 x CPUs + 1), or set
# GUNICORN_THREADS above 1 for "gthread" workers.
workers = _env_int("WEB_CONCURRENCY", max(2, _cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = _env_int("GUNICORN_THREADS", 1)

timeout = _env_int("GUNICORN_TIMEOUT", 30)  # a worker silent for this long is replaced
graceful_timeout = _env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)  # to finish requests on restart
keepalive = _env_int("GUNICORN_KEEPALIVE", 5)  # seconds an idle keep-alive connection stays

# Replace each worker after about this many requests, so that a slow leak cannot grow
# forever; the jitter keeps the workers from restarting all at once. A new worker imports the
# app again (about half a second of CPU), so recycling every 1,000 requests of a 1 ms view
# would spend a third of the CPU on imports, and every 10,000 still left a worker of three
# booting often enough under load to raise the p99 latency tenfold (webkit's benchmarks);
# every 50,000 costs about 1%.
max_requests = _env_int("GUNICORN_MAX_REQUESTS", 50000)
max_requests_jitter = _env_int("GUNICORN_MAX_REQUESTS_JITTER", 5000)

# GUNICORN_PRELOAD=1 imports the application once in the master and forks the workers: they
# start at once, share memory, and a worker recycled by max_requests costs a fork instead of a
# fresh import. Off by default: `kill -HUP` then no longer reloads new code, and anything the app
# opens at import would be shared between workers.
preload_app = os.environ.get("GUNICORN_PRELOAD", "0").strip().lower() in {"1", "yes", "on"}

# The workers' heartbeat files: on tmpfs where there is one (Docker's /tmp may be a slow disk).
# gunicorn creates them with mkstemp, so the shared directory is safe: bandit's B108 warns of
# predictable file names in one.
if os.path.isdir("/dev/shm"):  # nosec B108
    worker_tmp_dir = "/dev/shm"  # nosec B108

# Proxies (nginx) whose X-Forwarded-* headers gunicorn believes; comma-separated, "*" for any.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")

# Logs on stdout/stderr, for the process manager (systemd, Docker) to collect.
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "info")
# The access log, one line per request: off by default, as in gunicorn. Behind a proxy (the
# nginx of `webkit deploy-config`, a PaaS router, a Kubernetes ingress) the proxy logs every
# request already, and for a request served in under a millisecond the line costs 10-20% of
# the server's CPU (webkit's benchmarks). GUNICORN_ACCESS_LOG=- logs requests on stdout, or
# names a file.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "").strip() or None
# Its lines: the combined log format, the time taken, and the client as the proxy saw it.
access_log_format = (
    '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms '
    'forwarded_for="%({x-forwarded-for}i)s"'
)
