"""gunicorn.conf.py: its defaults, its environment variables, and that gunicorn accepts it."""

import os
import runpy
from pathlib import Path

import pytest
from gunicorn.config import Config

CONF = Path(__file__).resolve().parent.parent / "gunicorn.conf.py"

VARIABLES = [
    "GUNICORN_BIND",
    "PORT",
    "WEB_CONCURRENCY",
    "GUNICORN_THREADS",
    "GUNICORN_TIMEOUT",
    "GUNICORN_ACCESS_LOG",
]


@pytest.fixture
def load_conf(monkeypatch):
    """Run gunicorn.conf.py with the given environment; return its settings."""

    def load(**environ):
        for name in VARIABLES:
            monkeypatch.delenv(name, raising=False)
        for name, value in environ.items():
            monkeypatch.setenv(name, value)
        conf = runpy.run_path(str(CONF))
        return {name: value for name, value in conf.items() if not name.startswith("_")}

    return load


def test_defaults(load_conf):
    conf = load_conf()

    assert conf["wsgi_app"] == "config.wsgi:application"
    assert conf["bind"] == ["127.0.0.1:8000"]
    # one per CPU this process may use, two at least
    cpus = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    assert conf["workers"] == max(2, cpus)
    assert conf["worker_class"] == "sync"
    assert conf["accesslog"] is None  # off unless asked for, as in gunicorn
    assert conf["max_requests"] >= 50000  # a new worker imports the app again
    assert conf["max_requests_jitter"] > 0


def test_port_listens_on_all_interfaces(load_conf):
    assert load_conf(PORT="5000")["bind"] == ["0.0.0.0:5000"]


def test_gunicorn_bind_wins(load_conf):
    conf = load_conf(PORT="5000", GUNICORN_BIND="unix:/run/app.sock")

    assert conf["bind"] == ["unix:/run/app.sock"]


def test_workers_threads_and_timeout_from_the_environment(load_conf):
    conf = load_conf(WEB_CONCURRENCY="3", GUNICORN_THREADS="4", GUNICORN_TIMEOUT="60")

    assert (conf["workers"], conf["threads"], conf["timeout"]) == (3, 4, 60)


def test_a_number_that_is_not_a_number_is_refused(load_conf):
    with pytest.raises(SystemExit, match="WEB_CONCURRENCY must be a whole number, not 'many'"):
        load_conf(WEB_CONCURRENCY="many")


def test_gunicorn_accepts_every_setting(load_conf):
    config = Config()
    for name, value in load_conf().items():
        if name != "os":
            config.set(name, value)  # AttributeError for a misspelt name, or a bad value

    assert config.worker_class_str == "sync"
    assert config.address == [("127.0.0.1", 8000)]


def test_the_access_log_is_opt_in(load_conf):
    assert load_conf(GUNICORN_ACCESS_LOG="-")["accesslog"] == "-"
    assert load_conf(GUNICORN_ACCESS_LOG=" ")["accesslog"] is None
