"""End to end: `webkit serve` (dev and --prod) on real projects, driven by headless Chromium.

Playwright drives Debian's /usr/bin/chromium through `executable_path` (no browser download,
which this network does not allow); it was chosen over Selenium for its auto-waiting locators
and its direct console and page-error events.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from tests.conftest import REPO, need_tool
from tests.test_e2e_new import build
from webkit_cli.commands.serve import choose_port

pytestmark = pytest.mark.e2e
ARTIFACTS = REPO / "test-artifacts"
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def processes_in(root: Path) -> list[int]:
    """PIDs of live processes whose working directory is inside `root`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            cwd = os.readlink(entry / "cwd")
            state = (entry / "stat").read_text().split(")")[-1].split()[0]
        except OSError:
            continue
        if state != "Z" and (cwd == str(root) or cwd.startswith(f"{root}/")):
            found.append(int(entry.name))
    return found


class Server:
    def __init__(self, root: Path, *args: str, env: dict | None = None):
        self.root = root
        self.port = choose_port("127.0.0.1", 0)
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = root.parent / f"serve-{self.port}.log"
        self.handle = self.log.open("w")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "webkit_cli", "serve", "--port", str(self.port), *args],
            cwd=root,
            stdout=self.handle,
            stderr=subprocess.STDOUT,
            env={**os.environ, "NO_COLOR": "1", "PYTHONPATH": str(REPO), **(env or {})},
        )

    def output(self) -> str:
        return self.log.read_text()

    def wait_ready(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if "is running at" in self.output():
                return
            if self.process.poll() is not None:
                break
            time.sleep(0.1)
        pytest.fail(f"webkit serve did not start:\n{self.output()}")

    def stop(self, sig: int = signal.SIGTERM) -> int:
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            return self.process.wait(timeout=30)
        finally:
            self.handle.close()


def fetch(url: str, headers: dict | None = None):
    request = urllib.request.Request(url, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.headers, response.read()
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read()


def assets(html: str) -> tuple[list[str], list[str]]:
    css = re.findall(r'<link[^>]+rel="stylesheet"[^>]+href="([^"]+)"', html)
    css += re.findall(r'<link[^>]+href="([^"]+)"[^>]+rel="stylesheet"', html)
    js = re.findall(r'<script[^>]+src="([^"]+)"', html)
    return css, js


def drive_browser(url: str, name: str, shot: Path) -> list[str]:
    """Load the page, create an item through the form, return the console errors."""
    chromium = need_tool("chromium", "/usr/bin/chromium")
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        need_tool("playwright (python package)", "/nonexistent")
    errors: list[str] = []
    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page()
            page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(url, wait_until="networkidle")
            page.fill("#item-name", name)
            page.locator("#item-form [type=submit]").click()
            expect(page.locator("#item-list li", has_text=name)).to_be_visible(timeout=10_000)
            shot.parent.mkdir(exist_ok=True)
            page.screenshot(path=str(shot), full_page=True)
            page.reload(wait_until="networkidle")  # the item came from the database, not the DOM
            expect(page.locator("#item-list li", has_text=name)).to_be_visible(timeout=10_000)
        finally:
            browser.close()
    return errors


def api_names(server: Server, api_path: str) -> list[str]:
    status, _, body = fetch(server.url + api_path)
    assert status == 200
    data = json.loads(body)
    items = data["items"] if isinstance(data, dict) else data
    return [item["name"] for item in items]


@pytest.fixture(scope="module", params=["flask", "django"])
def project(request, tmp_path_factory):
    return build(tmp_path_factory, request.param, "uv")


@pytest.mark.parametrize("mode", ["dev", "prod"])
def test_browser_creates_an_item_through_the_api(project, mode):
    from webkit_cli.project import load

    api_path = load(project.root).framework.api_path
    server = Server(project.root, *(["--prod"] if mode == "prod" else []))
    try:
        server.wait_ready()
        status, headers, body = fetch(server.url + "/")
        assert status == 200 and "text/html" in headers["Content-Type"]
        css, js = assets(body.decode())
        assert css and js
        for path, kind in [(p, "text/css") for p in css] + [(p, "javascript") for p in js]:
            s, h, _ = fetch(server.url + path)
            assert s == 200, path
            assert kind in h["Content-Type"], (path, h["Content-Type"])
            if mode == "prod":
                cache = h.get("Cache-Control", "")
                age = re.search(r"max-age=(\d+)", cache)
                assert age and int(age.group(1)) >= 31536000, (path, cache)
        if mode == "prod":
            _, h, _ = fetch(server.url + "/", {"X-Forwarded-Proto": "https"})
            assert h["X-Content-Type-Options"] == "nosniff"
            assert h["X-Frame-Options"] == "DENY"
            assert h["Referrer-Policy"]
            assert "max-age=" in h["Strict-Transport-Security"]
        name = f"Widget from {project.framework} {mode}"
        shot = ARTIFACTS / f"{project.framework}-{mode}.png"
        errors = drive_browser(server.url + "/", name, shot)
        assert errors == []
        assert shot.stat().st_size > 1000
        assert name in api_names(server, api_path)
        status, _, body = fetch(server.url + "/healthz")
        assert status == 200 and json.loads(body)["database"] == "ok"
    finally:
        code = server.stop()
    assert code in (0, 143), server.output()
    time.sleep(0.3)
    assert processes_in(project.root) == [], server.output()


def test_ctrl_c_stops_the_reloader_and_its_child(project):
    server = Server(project.root)
    try:
        server.wait_ready()
        assert len(processes_in(project.root)) >= 2  # webkit's server and the reloader's child
    finally:
        code = server.stop(signal.SIGINT)
    assert code in (0, 130), server.output()
    time.sleep(0.3)
    assert processes_in(project.root) == [], server.output()


HEALTHY = '{"status": "ok", "database": "ok"}'


def _health_status(server: Server) -> str | None:
    try:
        status, _, body = fetch(server.url + "/healthz")
    except OSError:  # the server process is restarting
        return None
    return json.loads(body).get("status") if status == 200 else None


def _wait_for_health(server: Server, wanted: str, timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if _health_status(server) == wanted:
            return True
        time.sleep(0.2)
    return False


def test_dev_server_reloads_edited_code_and_outlives_a_broken_edit(project):
    """What the reloader is for: an edit shows without a restart, and a syntax error does not
    stop the server; the fix brings the app back."""
    from webkit_cli.project import load

    package = project.root / load(project.root).package
    module = next(p for p in sorted(package.glob("*.py")) if HEALTHY in p.read_text())
    original = module.read_text()
    server = Server(project.root)
    try:
        server.wait_ready()
        assert _health_status(server) == "ok"
        # A server process takes its first look at a module's time on the reloader's first tick
        # after the module is imported, which can come a second after it answers (Django's
        # StatReloader; CI saw it): an edit before that look would be its baseline, never seen
        # as a change. A person's first edit comes seconds later; so does each edit here.
        time.sleep(2)
        module.write_text(original.replace(HEALTHY, HEALTHY.replace('"ok"', '"edited"', 1)))
        assert _wait_for_health(server, "edited"), server.output()
        time.sleep(2)  # the restarted process's first look, as above
        module.write_text(original + "\n\ndef broken(:\n")
        deadline = time.monotonic() + 60  # the reloader polls every second, then restarts
        while "SyntaxError" not in server.output() and time.monotonic() < deadline:
            time.sleep(0.2)
        assert "SyntaxError" in server.output()
        time.sleep(2)
        assert server.process.poll() is None, server.output()  # still serving, or waiting
        module.write_text(original)
        assert _wait_for_health(server, "ok"), server.output()
    finally:
        module.write_text(original)
        code = server.stop(signal.SIGINT)
    assert code in (0, 130), server.output()
    time.sleep(0.3)
    assert processes_in(project.root) == [], server.output()


def test_prod_kills_gunicorn_workers_on_sigterm(project):
    server = Server(project.root, "--prod", env={"WEB_CONCURRENCY": "3"})
    try:
        server.wait_ready()
        assert len(processes_in(project.root)) >= 4  # master + 3 workers
    finally:
        code = server.stop(signal.SIGTERM)
    assert code == 0, server.output()
    time.sleep(0.3)
    assert processes_in(project.root) == []


def test_prod_without_secret_key_is_refused(project):
    env_file = project.root / ".env"
    saved = env_file.read_text()
    env_file.write_text("\n".join(x for x in saved.splitlines() if not x.startswith("SECRET_KEY")))
    try:
        result = subprocess.run(
            [sys.executable, "-m", "webkit_cli", "serve", "--prod", "--port", "0"],
            cwd=project.root,
            capture_output=True,
            text=True,
            timeout=60,
            env={k: v for k, v in os.environ.items() if k != "SECRET_KEY"},
        )
    finally:
        env_file.write_text(saved)
    assert result.returncode == 2
    assert "SECRET_KEY is not set in the environment or in .env" in result.stderr
    assert "Traceback" not in result.stderr
    assert processes_in(project.root) == []


def test_open_hands_the_url_to_the_browser(project, tmp_path):
    opened = tmp_path / "opened"
    browser = tmp_path / "browser"
    browser.write_text(f'#!/bin/sh\necho "$1" > {opened}\n')
    browser.chmod(0o755)
    server = Server(project.root, "--open", env={"BROWSER": str(browser)})
    try:
        server.wait_ready()
        deadline = time.monotonic() + 10
        while not opened.exists() and time.monotonic() < deadline:
            time.sleep(0.05)
        assert opened.read_text().strip() == f"{server.url}/"
    finally:
        server.stop()


def test_pending_migrations_warn_and_migrate_applies_them(tmp_path_factory):
    built = build(tmp_path_factory, "django", "uv")
    database = built.root / "db.sqlite3"
    saved = database.read_bytes()
    database.unlink()  # a fresh database: every migration is pending
    try:
        server = Server(built.root)
        try:
            server.wait_ready()
            deadline = time.monotonic() + 30
            while "unapplied migrations" not in server.output() and time.monotonic() < deadline:
                time.sleep(0.1)
            assert "warning: the database has unapplied migrations" in server.output()
            assert "webkit serve --migrate" in server.output()
        finally:
            server.stop()
        server = Server(built.root, "--migrate")
        try:
            server.wait_ready()
            assert "Migrations applied" in server.output()
            status, _, body = fetch(server.url + "/api/items/")
            assert status == 200 and json.loads(body)["items"] == []
        finally:
            server.stop()
        assert "unapplied migrations" not in server.output()
    finally:
        database.write_bytes(saved)


def test_setup_flag_repairs_a_missing_venv_before_serving(tmp_path_factory):
    built = build(tmp_path_factory, "flask", "pip")
    import shutil

    shutil.rmtree(built.root / ".venv")
    refused = subprocess.run(
        [sys.executable, "-m", "webkit_cli", "serve", "--port", "0"],
        cwd=built.root,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert refused.returncode == 1
    assert "the project's .venv is missing" in refused.stderr
    server = Server(built.root, "--setup")
    try:
        server.wait_ready(timeout=300)
        assert "Created .venv" in server.output()
        status, _, _ = fetch(server.url + "/healthz")
        assert status == 200
    finally:
        server.stop()


# What a user sees of the look, read from the browser's computed styles.
LOOK = """() => {
  const style = (selector, ...names) => {
    const found = getComputedStyle(document.querySelector(selector));
    return names.map((name) => found.getPropertyValue(name));
  };
  return {
    body: style("body", "background-color", "color", "font-family", "line-height"),
    header: style(".site-header", "background-color", "border-bottom", "padding"),
    brand: style(".brand", "color", "font-weight"),
    main: style("main", "max-width", "margin-top"),
    input: style("#item-name", "border", "border-radius", "padding"),
    button: style("#item-form [type=submit]", "background-color", "color", "border-radius"),
  };
}"""


def test_both_projects_share_one_look(tmp_path_factory):
    """One small design for both: the same styles on the same page, the same icon (the
    Django admin's pages too), and, with no items yet, a line saying so instead of an empty
    box."""
    chromium = need_tool("chromium", "/usr/bin/chromium")
    from playwright.sync_api import expect, sync_playwright

    looks, icons = {}, {}
    for framework in ("flask", "django"):
        where = tmp_path_factory.mktemp(f"look-{framework}")
        made = subprocess.run(
            [sys.executable, "-m", "webkit_cli", "new", "looks", "-f", framework, "--no-git", "-y"],
            cwd=where,
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(REPO)},
        )
        assert made.returncode == 0, made.stdout + made.stderr
        server = Server(where / "looks")
        try:
            server.wait_ready()
            with sync_playwright() as pw:
                browser = pw.chromium.launch(executable_path=chromium, args=CHROMIUM_FLAGS)
                try:
                    page = browser.new_page()
                    page.goto(server.url + "/", wait_until="networkidle")
                    expect(page.locator(".item-list__empty")).to_have_text("No items yet.")
                    expect(page.locator(".item-list__empty")).to_be_visible()
                    expect(page.locator("#item-list")).to_be_hidden()  # no empty box
                    looks[framework] = page.evaluate(LOOK)
                    icon = page.locator("link[rel=icon]").get_attribute("href")
                    page.screenshot(path=str(ARTIFACTS / f"look-{framework}-empty.png"))
                    page.fill("#item-name", "First")
                    page.locator("#item-form [type=submit]").click()
                    expect(page.locator("#item-list li", has_text="First")).to_be_visible()
                    expect(page.locator(".item-list__empty")).to_be_hidden()
                    if framework == "django":  # the admin: its pages name the icon too
                        page.goto(server.url + "/manage/login/", wait_until="networkidle")
                        admin_icon = page.locator("link[rel=icon]").get_attribute("href")
                        assert admin_icon == icon
                finally:
                    browser.close()
            status, _, body = fetch(server.url + icon)
            assert status == 200
            icons[framework] = body
        finally:
            server.stop()
    assert looks["flask"] == looks["django"]
    assert icons["flask"] == icons["django"]
