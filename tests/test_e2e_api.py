"""End to end: the generated JSON APIs, live, against a checker nobody here wrote.

A fresh project of each framework, on SQLite and on PostgreSQL, served by `webkit serve --prod`
(gunicorn, production settings). Then:

- schemathesis (the project's own, from its .venv) reads /api/openapi.json and sends every
  operation valid and invalid requests with all its checks: any 5xx, any response the document
  does not describe (status, content type, body), any invalid request accepted is a failure;
- hostile requests of our own, the kinds that gave 500s or HTML before: bad encodings, NUL
  characters, lone surrogates, deep nesting, sizes, ids out of range, odd methods, hosts and
  content types. Each must get a 4xx with a JSON body.
"""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import secrets
import socket
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from tests.conftest import REQUIRE_TOOLS
from tests.test_e2e_new import webkit
from tests.test_e2e_serve import Server

pytestmark = pytest.mark.e2e

POSTGRES = os.environ.get("WEBKIT_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432")
RUN = secrets.token_hex(3)


def postgres_answers() -> bool:
    parts = urlsplit(POSTGRES)
    try:
        with socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5432), 2):
            return True
    except OSError:
        return False


def drop_database(root: Path, url: str) -> None:
    """With the project's own psycopg, on the server's maintenance database."""
    name = urlsplit(url).path.lstrip("/")
    script = (
        "import sys, psycopg\n"
        "with psycopg.connect(sys.argv[1], autocommit=True) as conn:\n"
        "    conn.execute(f'DROP DATABASE IF EXISTS \"{sys.argv[2]}\" WITH (FORCE)')\n"
    )
    maintenance = url.rsplit("/", 1)[0] + "/postgres"
    subprocess.run(
        [str(root / ".venv/bin/python"), "-c", script, maintenance, name],
        capture_output=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(
    scope="module",
    params=[(f, db) for f in ("flask", "django") for db in ("sqlite", "postgres")],
    ids=lambda p: f"{p[0]}-{p[1]}",
)
def served(request, tmp_path_factory):
    framework, database = request.param
    where = tmp_path_factory.mktemp(f"api-{framework}-{database}")
    args = ["new", "api-shop", "--framework", framework, "-y"]
    url = None
    if database == "postgres":
        if not postgres_answers():
            if REQUIRE_TOOLS:
                pytest.fail(f"no PostgreSQL server at {POSTGRES} (WEBKIT_REQUIRE_TOOLS=1)")
            pytest.skip(f"no PostgreSQL server at {POSTGRES}")
        url = f"{POSTGRES}/wk_{RUN}_api_{framework}"
        args += ["--db", "postgres", "--database-url", url]
    result = webkit(*args, cwd=where)
    assert result.returncode == 0, result.stdout + result.stderr
    root = where / "api-shop"
    server = Server(root, "--prod")
    try:
        server.wait_ready()
        yield framework, root, server
    finally:
        server.stop()
        if url:
            drop_database(root, url)


def test_schemathesis_finds_nothing(served):
    _, root, server = served
    result = subprocess.run(
        [
            str(root / ".venv/bin/schemathesis"),
            "run",
            f"{server.url}/api/openapi.json",
            "--checks",
            "all",
            "--mode",
            "all",
            "--max-examples",
            "40",
            "--seed",
            "1",
            "--generation-database",
            "none",
            "--request-timeout",
            "10",
            "--no-color",
        ],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "NO_COLOR": "1"},
    )
    report = result.stdout[-6000:] + result.stderr[-2000:]
    assert result.returncode == 0, report
    assert "No issues found" in result.stdout or " passed" in result.stdout, report


def raw(server: Server, method: str, path: str, body: bytes = b"", headers=None):
    """One request exactly as given (http.client adds nothing but Host and Content-Length)."""
    parts = urlsplit(server.url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        # The server may answer (413) and close before it has read the whole body.
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.getheader("Content-Type", ""), response.read()
    finally:
        connection.close()


JSON = {"Content-Type": "application/json"}
# (method, path, body, headers); "{list}" is the list's URL, "{item}" an existing item's,
# "{end}" the trailing slash of Django's URLs.
HOSTILE = {
    "malformed JSON": ("POST", "{list}", b'{"name": ', JSON),
    "not UTF-8": ("POST", "{list}", b'{"name": "\xff\xfe"}', JSON),
    "an overlong UTF-8 sequence": ("POST", "{list}", b'{"name": "\xc0\xae"}', JSON),
    "a UTF-8 surrogate": ("POST", "{list}", b'{"name": "\xed\xa0\x80"}', JSON),
    "a NUL character": ("POST", "{list}", b'{"name": "a\\u0000b"}', JSON),
    "a lone surrogate": ("POST", "{list}", b'{"name": "\\ud800"}', JSON),
    "deep nesting": ("POST", "{list}", b"[" * 50_000 + b"]" * 50_000, JSON),
    "a 20 MB body": ("POST", "{list}", b'{"name": "' + b"x" * 20_000_000 + b'"}', JSON),
    "a long name": ("POST", "{list}", json.dumps({"name": "x" * 101}).encode(), JSON),
    "a long description": (
        "POST",
        "{list}",
        json.dumps({"name": "long", "description": "x" * 10_001}).encode(),
        JSON,
    ),
    "a huge number": ("POST", "{list}", b'{"name": 1' + b"0" * 5000 + b"}", JSON),
    "a form body": (
        "POST",
        "{list}",
        b"name=x",
        {"Content-Type": "application/x-www-form-urlencoded"},
    ),
    "no content type": ("POST", "{list}", b'{"name": "x"}', {}),
    "text/plain JSON": ("PUT", "{item}", b'{"name": "x"}', {"Content-Type": "text/plain"}),
    "id 2**31": ("GET", "/api/items/2147483648{end}", b"", {}),
    "id 2**63": ("DELETE", "/api/items/9223372036854775808{end}", b"", {}),
    "id 0": ("PATCH", "/api/items/0{end}", b'{"name": "x"}', JSON),
    "a negative id": ("PUT", "/api/items/-1{end}", b'{"name": "x"}', JSON),
    "limit 0": ("GET", "{list}?limit=0", b"", {}),
    "after 2**63": ("GET", "{list}?after=9223372036854775808", b"", {}),
    "an unknown path": ("GET", "/api/nothing", b"", {}),
    "POST on an item": ("POST", "{item}", b'{"name": "x"}', JSON),
    "DELETE on the list": ("DELETE", "{list}", b"", {}),
    "a made-up method": ("BREW", "{list}", b"", {}),
}


def test_hostile_requests_get_json_4xx(served):
    framework, _, server = served
    slash = "/" if framework == "django" else ""
    status, _, body = raw(server, "POST", f"/api/items{slash}", b'{"name": "target"}', JSON)
    assert status == 201, body
    item = f"/api/items/{json.loads(body)['id']}{slash}"
    answers = {}
    for case, (method, path, payload, headers) in HOSTILE.items():
        path = path.replace("{list}", f"/api/items{slash}").replace("{end}", slash)
        path = path.replace("{item}", item)
        status, content_type, body = raw(server, method, path, payload, headers)
        is_json = content_type.split(";")[0] == "application/json"
        answers[case] = (status, is_json, body[:120])
    bad = {
        case: answer
        for case, answer in answers.items()
        if not (400 <= answer[0] < 500 and answer[1])
    }
    assert bad == {}, bad
    # The list with or without its trailing slash, whichever is not its URL, is a 404 (no
    # redirect), also for a POST.
    for path in ("/api/items/" if framework == "flask" else "/api/items",):
        status, content_type, _ = raw(server, "POST", path, b'{"name": "y"}', JSON)
        assert (status, content_type.split(";")[0]) == (404, "application/json")


# Hosts that `webkit serve --prod` does not allow (ALLOWED_HOSTS: 127.0.0.1, localhost and this
# machine's name): a forged Host would poison the links the app writes.
HOSTILE_HOSTS = (
    "evil.example",
    "127.0.0.1.evil.example",
    "evil.example:80@127.0.0.1",
    "[::1]",
)


def test_a_host_not_allowed_is_a_json_400_and_allowed_hosts_are_served(served):
    framework, _, server = served
    slash = "/" if framework == "django" else ""
    port = urlsplit(server.url).port
    answers = {}
    for host in HOSTILE_HOSTS:
        for method, path, body in (
            ("GET", f"/api/items{slash}", b""),
            ("POST", f"/api/items{slash}", b'{"name": "forged"}'),
            ("GET", "/api/openapi.json", b""),
        ):
            status, content_type, answer = raw(server, method, path, body, {**JSON, "Host": host})
            try:
                shape = sorted(json.loads(answer))
            except ValueError:
                shape = None
            answers[(host, method, path)] = (status, content_type.split(";")[0], shape)
    bad = {
        request: answer
        for request, answer in answers.items()
        if answer != (400, "application/json", ["error", "message"])
    }
    assert bad == {}, bad
    # Nothing was created by the forged requests, and the allowed hosts are served as before.
    for host in ("127.0.0.1", f"127.0.0.1:{port}", "localhost", f"localhost:{port}"):
        status, content_type, body = raw(server, "GET", f"/api/items{slash}", b"", {"Host": host})
        assert (status, content_type.split(";")[0]) == (200, "application/json"), (host, body)
        assert b"forged" not in body
        status, _, _ = raw(server, "GET", "/healthz", b"", {"Host": host})
        assert status == 200, host


def test_the_documentation_page_loads_its_files_from_the_server(served):
    _, _, server = served
    status, content_type, body = raw(server, "GET", "/api/docs")
    assert status == 200 and content_type.startswith("text/html")
    html = body.decode()
    assert "https://" not in html and "<script>" not in html
