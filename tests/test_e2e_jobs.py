"""End to end: background jobs (`webkit new --jobs database|redis`) on real projects, for both
frameworks: the project's own suite passes, `webkit serve` (dev and --prod) runs the web server
and a real worker that counts a new item's words within seconds and leaves no process behind,
and with the broker stopped /healthz says so, the item is saved, and its task runs once the
broker is back. The Redis projects use the Redis of this machine (127.0.0.1:6379), or a
redis-server of their own for the broker that the test stops."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import need_tool, webkit
from tests.test_e2e_serve import Server, fetch, processes_in

pytestmark = pytest.mark.e2e
CASES = [(f, b) for f in ("flask", "django") for b in ("database", "redis")]
# Seconds from the item's creation to its word count, at most (the worker polls the database
# once a second when idle; Redis hands it the task at once).
WITHIN = 10


@pytest.fixture(scope="module", params=CASES, ids=lambda case: "-".join(case))
def project(request, tmp_path_factory) -> Path:
    framework, backend = request.param
    where = tmp_path_factory.mktemp(f"jobs-{framework}-{backend}")
    if backend == "redis":
        need_tool("redis-server")
    result = webkit("new", "shop", "-f", framework, "--jobs", backend, "-y", cwd=where)
    assert result.returncode == 0, result.stdout + result.stderr
    return where / "shop"


def api(project: Path) -> str:
    return "/api/items/" if (project / "manage.py").exists() else "/api/items"


def post(url: str, body: dict) -> tuple[int, dict, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, dict(response.headers), json.loads(response.read())


def word_count_after(server: Server, location: str, timeout: float) -> tuple[int | None, float]:
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        status, _, body = fetch(f"{server.url}{location}")
        assert status == 200, body
        count = json.loads(body)["word_count"]
        if count is not None:
            return count, time.monotonic() - started
        time.sleep(0.1)
    return None, time.monotonic() - started


def assert_nothing_left(root: Path) -> None:
    deadline = time.monotonic() + 20
    while processes_in(root) and time.monotonic() < deadline:
        time.sleep(0.1)
    left = processes_in(root)
    for pid in left:
        os.kill(pid, signal.SIGKILL)
    assert left == []


def test_the_projects_own_suite_and_checks_pass(project):
    python = project / ".venv/bin/python"
    for argv in (
        [python, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        [python, "-m", "ruff", "check", "."],
        [python, "-m", "ruff", "format", "--check", "."],
        [python, "-m", "mypy"],
    ):
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        done = subprocess.run(argv, cwd=project, capture_output=True, text=True, env=env)
        assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize("mode", ["dev", "prod"])
def test_serve_runs_a_worker_that_counts_the_words_within_seconds(project, mode):
    server = Server(project, *(["--prod"] if mode == "prod" else []))
    try:
        server.wait_ready()
        assert "with a worker for the background jobs); Ctrl-C stops both" in server.output()
        status, headers, item = post(
            f"{server.url}{api(project)}", {"name": f"Widget {mode}", "description": "a b c d"}
        )
        # null as the API answers, unless the worker was quicker than the answer (Flask reads
        # the committed row again to write it)
        assert status == 201 and item["word_count"] in (None, 4)
        count, took = word_count_after(server, headers["Location"], WITHIN)
        assert count == 4, server.output()
        print(f"{project.parent.name} {mode}: counted {took:.2f} s after the item was created")
    finally:
        code = server.stop(signal.SIGINT if mode == "dev" else signal.SIGTERM)
    output = server.output()
    assert code in (0, 130, 143), output
    assert "web    | " in output and "worker | " in output
    assert "count_words" in output  # the worker's own log line, labelled
    assert "Traceback" not in output
    assert_nothing_left(project)


class RedisServer:
    """A redis-server of the test's own, on a free port: stopped and started again at will."""

    def __init__(self, where: Path):
        from webkit_cli.commands.serve import choose_port

        self.port = choose_port("127.0.0.1", 0)
        self.where = where
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        binary = need_tool("redis-server", shutil.which("redis-server") or "redis-server")
        self.process = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", ""],
            cwd=self.where,
            stdout=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                with __import__("socket").create_connection(("127.0.0.1", self.port), 1):
                    return
            except OSError:
                time.sleep(0.05)
        pytest.fail("redis-server did not start")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def test_with_the_broker_down_the_item_is_saved_and_counted_once_it_is_back(project, tmp_path):
    if "huey[redis]" not in (project / "pyproject.toml").read_text():
        pytest.skip("the queue is in the project's database: no broker of its own")
    redis = RedisServer(tmp_path)
    redis.start()
    server = Server(project, env={"REDIS_URL": f"redis://127.0.0.1:{redis.port}/0"})
    try:
        server.wait_ready()
        assert json.loads(fetch(f"{server.url}/healthz")[2])["broker"] == "ok"
        redis.stop()
        status, _, body = fetch(f"{server.url}/healthz")
        assert status == 200, body  # still in service
        assert json.loads(body) == {"status": "degraded", "database": "ok", "broker": "error"}
        status, headers, _ = post(
            f"{server.url}{api(project)}", {"name": "Saved anyway", "description": "one two"}
        )
        assert status == 201
        assert fetch(f"{server.url}{headers['Location']}")[0] == 200  # saved
        assert "Could not enqueue count_words" in server.output()
        redis.start()
        # The worker's sweep runs each minute: the count arrives within one, once it is back.
        count, took = word_count_after(server, headers["Location"], 90)
        assert count == 2, server.output()
        print(f"{project.parent.name}: counted {took:.1f} s after the broker came back")
        assert json.loads(fetch(f"{server.url}/healthz")[2])["broker"] == "ok"
    finally:
        server.stop(signal.SIGINT)
        redis.stop()
    assert_nothing_left(project)


MODEL_CHANGE = {  # a column of the user's own, in each framework's idiom
    "flask": (
        "shop/models.py",
        "    def __repr__(self) -> str:\n",
        "    price: Mapped[int | None]\n\n    def __repr__(self) -> str:\n",
    ),
    "django": (
        "shop/models.py",
        "    class Meta:\n",
        "    price = models.IntegerField(default=0)\n\n    class Meta:\n",
    ),
}


@pytest.mark.parametrize("framework", ["flask", "django"])
def test_add_jobs_to_a_project_whose_migrations_moved_on(tmp_path, framework):
    """The user's own migration after the first: `webkit add jobs` brings its migration
    beside it, merges the two heads, applies them, and the project's checks still pass."""
    result = webkit("new", "shop", "-f", framework, "-y", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    root = tmp_path / "shop"
    path, old, new = MODEL_CHANGE[framework]
    (root / path).write_text((root / path).read_text().replace(old, new))
    for step in (["run", "makemigrations"], ["run", "migrate"]):
        done = webkit(*step, cwd=root)
        assert done.returncode == 0, done.stdout + done.stderr
    env = {"GIT_AUTHOR_NAME": "me", "GIT_AUTHOR_EMAIL": "me@example.com"}
    env |= {"GIT_COMMITTER_NAME": "me", "GIT_COMMITTER_EMAIL": "me@example.com"}
    subprocess.run(["git", "add", "-A"], cwd=root, check=True)
    subprocess.run(
        ["git", "commit", "-qm", "price"], cwd=root, check=True, env={**os.environ, **env}
    )

    added = webkit("add", "jobs", "--commit", cwd=root)
    assert added.returncode == 0, added.stdout + added.stderr
    assert "merged the template's with yours" in added.stdout
    status = subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True)
    assert status.stdout == b""  # the merge migration is committed with the rest
    doctor = webkit("doctor", cwd=root)
    assert doctor.returncode == 0, doctor.stdout + doctor.stderr  # every migration applied
    test_the_projects_own_suite_and_checks_pass(root)
