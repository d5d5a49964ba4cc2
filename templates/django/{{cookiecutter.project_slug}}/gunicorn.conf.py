"""Gunicorn settings: `gunicorn -c gunicorn.conf.py` needs no other argument.

Every value can be changed through the environment; command-line options win over this file
(`webkit serve --prod` passes --bind). Reference: https://docs.gunicorn.org/en/stable/settings.html
"""

import os
from pathlib import Path

import environ

# So that WEB_CONCURRENCY and friends may live in .env too; the environment wins over the file.
environ.Env.read_env(Path(__file__).with_name(".env"))


def env_int(name: str, default: int) -> int:
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        raise SystemExit(f"{name} must be a whole number, not {value!r}.") from None


def cpu_count() -> int:
    try:
        return len(os.sched_getaffinity(0))  # the CPUs this process may use (containers)
    except AttributeError:  # macOS, Windows
        return os.cpu_count() or 1


wsgi_app = "config.wsgi:application"

# GUNICORN_BIND wins; a platform that sets PORT gets every interface; else local only.
if os.environ.get("GUNICORN_BIND"):
    bind = os.environ["GUNICORN_BIND"].split()
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
workers = env_int("WEB_CONCURRENCY", max(2, cpu_count()))
worker_class = os.environ.get("GUNICORN_WORKER_CLASS", "sync")
threads = env_int("GUNICORN_THREADS", 1)

timeout = env_int("GUNICORN_TIMEOUT", 30)  # a worker silent for this long is restarted
graceful_timeout = env_int("GUNICORN_GRACEFUL_TIMEOUT", 30)  # to finish requests on restart
keepalive = env_int("GUNICORN_KEEPALIVE", 5)  # above a load balancer's idle timeout is better

# Recycle workers now and then, so a slow leak cannot grow forever; the jitter keeps them from
# restarting all at once. A new worker imports the app again (about half a second of CPU), so
# recycling every 1,000 requests of a 1 ms app would spend a third of the CPU on imports,
# and every 10,000 still left a worker of three booting often enough under load to raise the
# p99 latency tenfold (webkit's benchmarks); every 50,000 costs about 1%.
max_requests = env_int("GUNICORN_MAX_REQUESTS", 50000)
max_requests_jitter = env_int("GUNICORN_MAX_REQUESTS_JITTER", 5000)

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

# Gunicorn 25.1+ opens a control socket for `gunicornc`, by default at a path that every gunicorn
# of the same user shares (~/.gunicorn/gunicorn.ctl). Off unless GUNICORN_CONTROL_SOCKET names
# a path of its own; systemd, Docker and Kubernetes manage gunicorn with signals anyway.
control_socket_disable = not os.environ.get("GUNICORN_CONTROL_SOCKET")
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]

# Logs on stdout/stderr; the process manager (systemd, Docker) collects them.
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", os.environ.get("LOG_LEVEL", "info")).lower()
# Client, time, request line, status, bytes, referrer, user agent, duration in milliseconds.
# The access log, one line per request: off by default, as in gunicorn. Behind a proxy (the
# nginx of `webkit deploy-config`, a PaaS router, a Kubernetes ingress) the proxy logs every
# request already, and for a request served in under a millisecond the line costs 10-20% of
# the server's CPU (webkit's benchmarks). GUNICORN_ACCESS_LOG=- logs requests on stdout, or
# names a file.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG", "").strip() or None
access_log_format = '%(h)s %(l)s %(u)s %(t)s "%(r)s" %(s)s %(b)s "%(f)s" "%(a)s" %(M)sms'

# Proxies whose X-Forwarded-Proto (and similar) headers gunicorn believes (Django's
# SECURE_PROXY_SSL_HEADER reads it).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1,::1")
