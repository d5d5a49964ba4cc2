from __future__ import annotations

import inspect
import os
import runpy
from pathlib import Path

import dotenv
import pytest

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"
VARIABLES = (
    "GUNICORN_BIND",
    "PORT",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_ACCESS_LOG",
)


@pytest.fixture
def load_conf(monkeypatch):
    """Evaluate gunicorn.conf.py as gunicorn does, with the given environment and no .env."""
    monkeypatch.setattr(dotenv, "load_dotenv", lambda *args, **kwargs: False)
    for name in VARIABLES:
        monkeypatch.delenv(name, raising=False)

    def load(**environ: str) -> dict:
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        return runpy.run_path(str(CONF))

    return load


def test_defaults(load_conf):
    conf = load_conf()
    assert conf["wsgi_app"] == "wsgi:app"
    assert conf["bind"] == ["127.0.0.1:8000"]
    # one per CPU this process may use, two at least
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert conf["workers"] == max(2, cpus)
    assert conf["worker_class"] == "sync"
    assert conf["accesslog"] is None  # off unless asked for, as in gunicorn
    assert conf["max_requests"] >= 50000  # a new worker imports the app again
    assert conf["max_requests_jitter"] > 0


def test_port_listens_on_every_interface(load_conf):
    assert load_conf(PORT="5000")["bind"] == ["0.0.0.0:5000"]


def test_gunicorn_bind_wins(load_conf):
    conf = load_conf(PORT="5000", GUNICORN_BIND="unix:/run/app.sock 127.0.0.1:9000")
    assert conf["bind"] == ["unix:/run/app.sock", "127.0.0.1:9000"]


def test_workers_and_threads_from_the_environment(load_conf):
    conf = load_conf(WEB_CONCURRENCY="3", GUNICORN_THREADS="8", GUNICORN_TIMEOUT="60")
    assert (conf["workers"], conf["threads"], conf["timeout"]) == (3, 8, 60)


def test_bad_numbers_stop_gunicorn(load_conf):
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY must be a whole number"):
        load_conf(WEB_CONCURRENCY="many")


@pytest.mark.parametrize(("threads", "worker"), [("1", "sync"), ("4", "gthread")])
def test_gunicorn_accepts_every_setting(load_conf, threads, worker):
    from gunicorn.config import Config

    config = Config()
    for name, value in load_conf(GUNICORN_THREADS=threads).items():
        if not name.startswith("__") and not callable(value) and not inspect.ismodule(value):
            config.set(name, value)  # AttributeError for a misspelt name, or a bad value

    assert config.worker_class_str == worker
    assert config.address == [("127.0.0.1", 8000)]


def test_the_access_log_is_opt_in(load_conf):
    assert load_conf(GUNICORN_ACCESS_LOG="-")["accesslog"] == "-"
    assert load_conf(GUNICORN_ACCESS_LOG=" ")["accesslog"] is None
