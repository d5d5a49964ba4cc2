"""`webkit deploy-config` on projects made by `webkit new`, with their real environments.

For a Flask and a Django project: every validator of test_deploy_config, plus the checks that
need the project's .venv (`gunicorn --check-config`, `systemd-analyze verify` with the unit's
real paths); then nginx on loopback ports in front of gunicorn, both run with the generated
files: a page through nginx, a static file from nginx with its cache headers, an unknown host
refused, an 11 MB upload refused with 413.

Slow and needs the package index (it installs the projects): marked e2e.
"""

from __future__ import annotations

import http.client
import os
import re
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

import pytest

from tests.conftest import need_tool, webkit
from tests.test_deploy_config import FRAMEWORKS, check_static, nginx_setup
from webkit_cli import frameworks

pytestmark = pytest.mark.e2e

DOMAIN = "shop.example.test"
SECRET = "live-test-" + "k" * 50


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Live:
    def __init__(self, root: Path, framework: str, port: int):
        self.root = root
        self.framework = frameworks.get(framework)
        self.port = port
        self.out = root / "deploy"

    @property
    def unit(self) -> Path:
        return self.out / "systemd" / "my-shop.service"

    def production_env(self) -> dict[str, str]:
        """The environment the generated systemd unit gives gunicorn, plus the secret key.

        DATABASE_URL stays the project's own (its migrated SQLite database), and the control
        socket is left out: /run/my-shop exists only under systemd.
        """
        env = {
            k: v
            for k, v in os.environ.items()
            if k in {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "SYSTEMROOT"}
        }
        for key, value in re.findall(
            r'^Environment="([A-Z_]+)=([^"]*)"$', self.unit.read_text(), re.M
        ):
            if key not in {"DATABASE_URL", "GUNICORN_CONTROL_SOCKET"}:
                env[key] = value
        env["SECRET_KEY"] = SECRET
        return env


@pytest.fixture(scope="module", params=FRAMEWORKS)
def live(request, tmp_path_factory) -> Live:
    framework = request.param
    where = tmp_path_factory.mktemp(f"live-{framework}")
    result = webkit("new", "my-shop", "--framework", framework, "-y", "--no-git", cwd=where)
    assert result.returncode == 0, result.stdout + result.stderr
    root = where / "my-shop"
    port = free_port()
    result = webkit(
        "deploy-config",
        "--domain",
        DOMAIN,
        "--port",
        str(port),
        "--app-dir",
        str(root),
        cwd=root,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return Live(root, framework, port)


def test_static_validators(live, tmp_path):
    check_static(live.root, live.out, tmp_path)


def test_systemd_analyze_verify_is_silent(live):
    tool = need_tool("systemd-analyze")
    # ExecStart= and ExecStartPre= point into this project's real .venv (--app-dir).
    assert f"ExecStart={live.root}/.venv/bin/gunicorn " in live.unit.read_text()
    result = subprocess.run(
        [tool, "verify", "--no-pager", str(live.unit)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""


def test_gunicorn_check_config_loads_the_app(live):
    gunicorn = live.root / ".venv" / "bin" / "gunicorn"
    conf = str(live.out / "gunicorn.conf.py")
    result = subprocess.run(
        [str(gunicorn), "--check-config", "--config", conf],
        cwd=live.root,
        env=live.production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # and it does load the app: a wrong WSGI module fails the same check
    result = subprocess.run(
        [str(gunicorn), "--check-config", "--config", conf, "no_such_module:app"],
        cwd=live.root,
        env=live.production_env(),
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0


# --- nginx in front of gunicorn -----------------------------------------------------------------


def wait_for_port(port: int, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"{process.args[0]} exited with {process.returncode}:\n{log.read_text()}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"nothing listens on {port} after {timeout} s:\n{log.read_text()}")


def start(request, argv: list[str], log: Path, **kwargs) -> subprocess.Popen:
    """Start a process in its own session; the finalizer stops it (and only it) for sure."""
    handle = log.open("wb")
    process = subprocess.Popen(
        argv,
        stdout=handle,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        start_new_session=True,
        **kwargs,
    )

    def stop() -> None:
        if process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait(timeout=10)
        handle.close()

    request.addfinalizer(stop)
    return process


class Served:
    def __init__(self, live: Live, http_port: int, https_port: int, gunicorn_log: Path):
        self.live = live
        self.http_port = http_port
        self.https_port = https_port
        self.gunicorn_log = gunicorn_log

    def https(self, sni: str | None = DOMAIN) -> http.client.HTTPSConnection:
        context = ssl.create_default_context()
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE  # the throwaway self-signed certificate
        port = self.https_port

        class Connection(http.client.HTTPSConnection):
            def connect(self) -> None:  # to 127.0.0.1, but with the site's name in TLS (SNI)
                sock = socket.create_connection(("127.0.0.1", port), timeout=10)
                self.sock = context.wrap_socket(sock, server_hostname=sni)

        return Connection("127.0.0.1", port, timeout=10)

    def get(self, path: str, host: str = DOMAIN, **headers: str) -> http.client.HTTPResponse:
        connection = self.https()
        connection.request("GET", path, headers={"Host": host, **headers})
        response = connection.getresponse()
        response.body = response.read()
        connection.close()
        return response


@pytest.fixture(scope="module")
def served(request, live, tmp_path_factory) -> Served:
    nginx = need_tool("nginx", "/usr/sbin/nginx")
    tmp = tmp_path_factory.mktemp("served")
    env = live.production_env()
    for command in live.framework.prod_prepare:  # collectstatic, where the framework has one
        result = subprocess.run(
            [str(live.root / ".venv/bin/python"), *command],
            cwd=live.root,
            env={**env, **live.framework.build_env},
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert result.returncode == 0, result.stdout + result.stderr

    gunicorn_log = tmp / "gunicorn.log"
    gunicorn = start(
        request,
        [str(live.root / ".venv/bin/gunicorn"), "--config", str(live.out / "gunicorn.conf.py")],
        gunicorn_log,
        cwd=live.root,
        env={**env, "PYTHONUNBUFFERED": "1"},
    )
    wait_for_port(live.port, gunicorn, gunicorn_log)

    http_port, https_port = free_port(), free_port()
    site = (live.out / "nginx" / "my-shop.conf").read_text()
    # As root, nginx's workers would run as nobody, who cannot enter pytest's private tmp dirs.
    user = "user root;" if os.geteuid() == 0 else ""
    conf = nginx_setup(site, DOMAIN, tmp / "nginx", (http_port, https_port), user)
    nginx_log = tmp / "nginx.out"
    proxy = start(
        request,
        [
            nginx,
            "-p",
            str(conf.parent),
            "-c",
            str(conf),
            "-e",
            str(conf.parent / "error.log"),
            "-g",
            "daemon off;",
        ],
        nginx_log,
    )
    wait_for_port(https_port, proxy, nginx_log)
    wait_for_port(http_port, proxy, nginx_log)
    return Served(live, http_port, https_port, gunicorn_log)


def test_page_through_nginx(served):
    response = served.get("/")
    assert response.status == 200, response.body[:500]
    assert b'id="item-form"' in response.body
    # nginx's security headers, once each (the app's copies are hidden)
    assert response.headers.get_all("X-Frame-Options") == ["DENY"]
    assert response.headers.get_all("Strict-Transport-Security") == [
        "max-age=31536000; includeSubDomains"
    ]
    health = served.get(served.live.framework.health_path)
    assert health.status == 200
    assert b'"database"' in health.body


def test_static_file_comes_from_nginx_with_cache_headers(served):
    live = served.live
    static_root = live.root / live.framework.static_root.format(package="my_shop")
    css = next(p for p in sorted(static_root.rglob("*.css")) if p.stat().st_size > 512)
    path = live.framework.static_url + css.relative_to(static_root).as_posix()

    response = served.get(path)
    assert response.status == 200
    assert response.body == css.read_bytes()
    cache = response.headers["Cache-Control"]
    assert "max-age=31536000" in cache and "immutable" in cache
    # the security headers survive the location's own add_header
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    gzipped = served.get(path, **{"Accept-Encoding": "gzip"})
    assert gzipped.headers["Content-Encoding"] == "gzip"

    # gunicorn logged the page requests but not the static file: nginx served it
    served.get("/")
    time.sleep(0.5)
    log = served.gunicorn_log.read_text()
    assert re.search(r'"GET / HTTP/1\.[01]" 200', log), log
    assert f"GET {path}" not in log


def test_unknown_host_is_refused(served):
    # TLS: the handshake itself is refused for another name, or for no name at all
    for sni in ("unknown.example.test", None):
        with pytest.raises(ssl.SSLError):
            served.https(sni).connect()
    # the site's name in TLS but another host in the request: connection closed (444)
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        served.get("/", host="unknown.example.test")
    # plain HTTP: closed without an answer (444)
    connection = http.client.HTTPConnection("127.0.0.1", served.http_port, timeout=10)
    connection.request("GET", "/", headers={"Host": "unknown.example.test"})
    with pytest.raises((http.client.RemoteDisconnected, ConnectionResetError)):
        connection.getresponse()
    # while the right host over HTTP is sent to HTTPS
    connection = http.client.HTTPConnection("127.0.0.1", served.http_port, timeout=10)
    connection.request("GET", "/items?x=1", headers={"Host": DOMAIN})
    response = connection.getresponse()
    assert response.status == 301
    assert response.headers["Location"] == f"https://{DOMAIN}/items?x=1"


def post(served: Served, size: int) -> int:
    connection = served.https()
    connection.putrequest("POST", "/", skip_host=True)
    connection.putheader("Host", DOMAIN)
    connection.putheader("Content-Type", "application/octet-stream")
    connection.putheader("Content-Length", str(size))
    connection.endheaders()
    chunk = b"x" * 65536
    sent = 0
    try:
        while sent < size:
            connection.send(chunk[: size - sent])
            sent += len(chunk)
    except (BrokenPipeError, ConnectionResetError, ssl.SSLError):
        pass  # nginx may answer and stop reading before the body is all sent
    status = connection.getresponse().status
    connection.close()
    return status


def test_eleven_megabyte_upload_gets_413(served):
    assert post(served, 11 * 1024 * 1024) == 413
    # below nginx's limit (and the app's own, 256 KiB for Flask) the request reaches the app,
    # whatever it makes of it
    assert post(served, 100 * 1024) != 413
